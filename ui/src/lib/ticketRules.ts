// Pure helpers of the tickets panel (T2-T5) and the appeals list (A6): when the "sent to the
// server" note goes away, and the appeals filter as the `my_appeals` command takes it. Which
// actions a ticket allows comes from the domain's state machine (`ticketDetails` answers it).

/** What the ticket looked like when an action was queued (the outbox sends it later). */
export interface SentMark {
  ticket: number;
  state: string;
  history: number;
}

/** The muted "sent to the server" note stays until the ticket changes (state or history). */
export function sentNoteVisible(
  sent: SentMark | null,
  current: { id: number; state: string } | null,
  historyLength: number,
): boolean {
  if (!sent || !current || sent.ticket !== current.id) return false;
  return sent.state === current.state && sent.history === historyLength;
}

/** Local midnight of a `<input type="date">` value ("2026-11-26"), as unix ms; null when empty or bad. */
export function dayStartMs(value: string, addDays = 0): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]) - 1;
  const day = Number(m[3]);
  const date = new Date(year, month, day + addDays, 0, 0, 0, 0);
  // Reject dates that rolled over (e.g. "2026-02-31").
  const check = new Date(year, month, day);
  if (check.getFullYear() !== year || check.getMonth() !== month || check.getDate() !== day) return null;
  return date.getTime();
}

export type AppealStatusFilter = "all" | "open" | "finished" | "spam";
export const APPEAL_CHANNELS = ["chat", "call", "remote", "file", "manual"] as const;

export interface AppealFilterInput {
  status: AppealStatusFilter;
  /** `<input type="date">` values; "" is no bound. */
  from: string;
  to: string;
  /** "all" or one of APPEAL_CHANNELS. */
  channel: string;
}

export interface AppealFilterOut {
  status?: "open" | "finished" | "spam";
  from?: number;
  to?: number;
  channel?: string;
  limit: number;
}

/** The `my_appeals` filter: "all" fields are left out; `to` is exclusive (the next day's midnight). */
export function appealFilter(input: AppealFilterInput, limit = 500): AppealFilterOut {
  const out: AppealFilterOut = { limit };
  if (input.status !== "all") out.status = input.status;
  const from = dayStartMs(input.from);
  if (from !== null) out.from = from;
  const to = dayStartMs(input.to, 1);
  if (to !== null) out.to = to;
  if (input.channel !== "all" && input.channel !== "") out.channel = input.channel;
  return out;
}

/** Where an appeal stands, as the list's `data-status` says it. */
export function appealStatus(a: { finishedAt: number | null; spam: boolean }): "open" | "finished" | "spam" {
  if (a.spam) return "spam";
  return a.finishedAt == null ? "open" : "finished";
}

/** Newest first (by opening time, then id); does not change `list`. */
export function newestFirst<T extends { id: number; openedAt: number }>(list: T[]): T[] {
  return [...list].sort((a, b) => b.openedAt - a.openedAt || b.id - a.id);
}
