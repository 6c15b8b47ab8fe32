// The SLA badge of a clients-list row (S2): time left to the nearest running deadline, amber
// when the server said "at risk", red when breached or past due.

export type SlaTone = "ok" | "at_risk" | "breached";

export interface SlaBadge {
  tone: SlaTone;
  /** Whole minutes left; negative when overdue. */
  minutes: number;
}

export function slaBadge(due: number | null, alert: string | null, now: number): SlaBadge | null {
  if (due === null) return null;
  const minutes = Math.floor((due - now) / 60_000);
  let tone: SlaTone = "ok";
  if (alert === "breached" || due <= now) tone = "breached";
  else if (alert === "at_risk") tone = "at_risk";
  return { tone, minutes };
}

/** "2 ч 05 мин" / "2 h 05 min" style, from the translated units. */
export function formatMinutes(total: number, hours: string, minutes: string): string {
  const m = Math.abs(total);
  const h = Math.floor(m / 60);
  const rest = m % 60;
  if (h === 0) return `${rest} ${minutes}`;
  return `${h} ${hours} ${String(rest).padStart(2, "0")} ${minutes}`;
}
