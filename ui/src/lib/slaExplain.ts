// The SLA explanation's arithmetic for the dialog (issue 15): the server computes everything
// (the domain's `sla::explain`); the page only picks what to say about each level tried and
// sums the segments it lists. Types are structural so this module imports nothing.

export interface Check {
  field: string;
  accepted: string[];
  actual: string;
  holds: boolean;
}

export interface Trial {
  level: string;
  matched: boolean;
  checks: Check[];
}

export interface Span {
  from_ms: number;
  to_ms: number;
  kind: string;
}

/** Why a level did not match: its first condition that does not hold (S5 reads them in order). */
export function firstFailed(trial: Trial): Check | null {
  return trial.checks.find((c) => !c.holds) ?? null;
}

/** Whole minutes of `ms`, rounded (the server's figures are whole minutes in practice). */
export function minutesOf(ms: number): number {
  return Math.round(ms / 60_000);
}

/** The working time of `spans` of `kind` ("counted" or "waiting"), ms. */
export function spanTotal(spans: Span[], kind: string): number {
  return spans.filter((s) => s.kind === kind).reduce((sum, s) => sum + (s.to_ms - s.from_ms), 0);
}
