// How the Reports view shows the server's figures: periods, durations, shares. No figure is
// computed here; the line server sends them (crates/line/src/reports).

export const DAY_MS = 24 * 3600 * 1000;

/** A period preset: the last `days` days up to the end of today, local time. */
export function lastDays(days: number, now: Date): { from: string; to: string } {
  const end = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const start = new Date(end.getFullYear(), end.getMonth(), end.getDate() - (days - 1));
  return { from: isoDate(start), to: isoDate(end) };
}

/** `YYYY-MM-DD` of a local date. */
export function isoDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The period `[from 00:00, the day after to 00:00)` in local time as Unix milliseconds;
 * `null` when a date is missing or the period is empty. */
export function periodMs(from: string, to: string): { fromMs: number; toMs: number } | null {
  const parse = (s: string) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
    return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : null;
  };
  const a = parse(from);
  const b = parse(to);
  if (!a || !b) return null;
  const end = new Date(b.getFullYear(), b.getMonth(), b.getDate() + 1);
  if (end <= a) return null;
  return { fromMs: a.getTime(), toMs: end.getTime() };
}

/** A duration as hours and minutes (`2:05`), rounded to the minute; `—` for none. */
export function hoursMinutes(ms: number | null): string {
  if (ms === null) return "—";
  const minutes = Math.round(ms / 60000);
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}`;
}

/** A share in percent with one decimal (`87.5`), `—` when nothing is decided. */
export function percent(part: number, whole: number): string {
  return whole > 0 ? (Math.round((part * 1000) / whole) / 10).toFixed(1) : "—";
}

/** Stars from hundredths (`433` → `4.33`). */
export function stars(centi: number | null): string {
  return centi === null ? "—" : (centi / 100).toFixed(2);
}

/** A bucket's label: `[from, to)` in the measure's unit scaled by `scale` (MOS hundredths →
 * 1/100, loss tenths of a percent → 1/10). */
export function bucketLabel(b: { from: number; to: number | null }, scale: number): string {
  const v = (n: number) => String(Math.round((n / scale) * 100) / 100);
  return b.to === null ? `≥ ${v(b.from)}` : `${v(b.from)}–${v(b.to)}`;
}
