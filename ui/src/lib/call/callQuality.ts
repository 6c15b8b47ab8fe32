// Issue 14, quality honesty: one finished call's quality for its line in the timeline, from the
// parties' statistics (`commands.callQuality`). Self-contained (no imports) so that the unit
// test can load it alone.

/** One party's statistics as the store keeps them (`CallQualityEntry` in bindings.ts). */
export interface PartyQuality {
  from: string;
  mosCenti: number;
  lossPermille: number;
  latePermille: number;
  jitterMs: number;
  rttMs: number | null;
  farLossPermille: number | null;
  farJitterMs: number | null;
}

/** What the timeline shows: `null` parts are unknown (no report). */
export interface QualitySummary {
  /** The lower MOS of the parties that reported (1.0-4.5). */
  mos: number;
  /** What the specialist heard: loss and late packets (percent) and jitter (ms). */
  youLossPercent: number | null;
  youJitterMs: number | null;
  /** What the client heard: from the specialist's RTCP reports when there are any (the far
   * side's own word on the wire), else from the client's own statistics. */
  clientLossPercent: number | null;
  clientJitterMs: number | null;
  /** Where the client's figures came from. */
  clientSource: "rtcp" | "client" | null;
}

const percent = (permille: number) => Math.round(permille) / 10;

export function summarize(entries: PartyQuality[]): QualitySummary | null {
  if (entries.length === 0) return null;
  const specialist = entries.find((e) => e.from === "specialist") ?? null;
  const client = entries.find((e) => e.from === "client") ?? null;
  const mos = Math.min(...entries.map((e) => e.mosCenti)) / 100;
  let clientLossPercent: number | null = null;
  let clientJitterMs: number | null = null;
  let clientSource: QualitySummary["clientSource"] = null;
  if (specialist && specialist.farLossPermille !== null) {
    clientLossPercent = percent(specialist.farLossPermille);
    clientJitterMs = specialist.farJitterMs;
    clientSource = "rtcp";
  } else if (client) {
    clientLossPercent = percent(client.lossPermille + client.latePermille);
    clientJitterMs = client.jitterMs;
    clientSource = "client";
  }
  return {
    mos,
    youLossPercent: specialist ? percent(specialist.lossPermille + specialist.latePermille) : null,
    youJitterMs: specialist ? specialist.jitterMs : null,
    clientLossPercent,
    clientJitterMs,
    clientSource,
  };
}

/** The same colours as the call panel's indicator: good from MOS 4, fair from 3.5. */
export function grade(mos: number): "good" | "fair" | "poor" {
  if (mos >= 4) return "good";
  if (mos >= 3.5) return "fair";
  return "poor";
}
