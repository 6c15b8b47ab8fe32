// What the browser measured of a call, as the engine reports its own side
// (`CallQuality` of crates/protocol/src/call.rs, sent as `Action::CallStats` once the call
// ends): read from the peer connection's getStats(). The MOS is left to the line server
// (`mos_centi: 0`), which estimates it from these figures by the engine's E-model.
//
// - what the browser heard: the inbound audio RTP stream's packets received and lost (loss in
//   per mille of those expected), packets its jitter buffer discarded as too late or early
//   (`late_permille`), its interarrival jitter, and its jitter buffer's mean delay;
// - what it sent: the outbound stream's packets, and what the engine's RTCP receiver reports
//   said of them (`remote-inbound-rtp`: lost, jitter, round trip), as the engine's far side;
// - the round trip: the RTCP one, else the selected candidate pair's STUN one.

/** One party's measurements (`CallQuality`), as the wire has it. */
export interface CallQuality {
  duration_ms: number;
  packets_sent: number;
  packets_received: number;
  loss_permille: number;
  late_permille: number;
  jitter_ms: number;
  buffer_ms: number;
  rtt_ms: number | null;
  /** 0: not estimated here; the line server does it. */
  mos_centi: 0;
  far_loss_permille?: number;
  far_jitter_ms?: number;
}

type Stat = Record<string, unknown>;

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : null);
const whole = (v: number): number => Math.round(v);
/** Seconds to whole milliseconds, capped as the server caps delays. */
const ms = (seconds: number): number => Math.min(60_000, whole(seconds * 1000));
const permille = (part: number, whole_: number): number => (whole_ > 0 ? Math.min(1000, whole((part / whole_) * 1000)) : 0);

function audio(stats: Stat[], type: string): Stat | undefined {
  return stats.find((s) => s.type === type && (s.kind === "audio" || s.mediaType === "audio"));
}

/**
 * The call's figures from a `getStats()` report's values, `durationMs` after the media came
 * up; `null` when no audio was received at all (nothing to report).
 */
export function qualityFromStats(report: Iterable<Stat>, durationMs: number): CallQuality | null {
  const stats = [...report];
  const inbound = audio(stats, "inbound-rtp");
  if (!inbound) return null;
  const received = num(inbound.packetsReceived) ?? 0;
  // packetsLost may be negative (duplicates); counted as none.
  const lost = Math.max(0, num(inbound.packetsLost) ?? 0);
  const discarded = num(inbound.packetsDiscarded) ?? 0;
  const expected = received + lost;
  const emitted = num(inbound.jitterBufferEmittedCount) ?? 0;
  const bufferSeconds = emitted > 0 ? (num(inbound.jitterBufferDelay) ?? 0) / emitted : 0;
  const outbound = audio(stats, "outbound-rtp");
  const sent = num(outbound?.packetsSent) ?? 0;
  const far = audio(stats, "remote-inbound-rtp");
  const transport = stats.find((s) => s.type === "transport");
  const pair =
    stats.find((s) => s.type === "candidate-pair" && s.id === transport?.selectedCandidatePairId) ??
    stats.find((s) => s.type === "candidate-pair" && s.nominated === true && s.state === "succeeded");
  const rtt = num(far?.roundTripTime) ?? num(pair?.currentRoundTripTime);
  const quality: CallQuality = {
    duration_ms: Math.max(0, whole(durationMs)),
    packets_sent: whole(sent),
    packets_received: whole(received),
    loss_permille: permille(lost, expected),
    late_permille: permille(discarded, expected),
    jitter_ms: ms(num(inbound.jitter) ?? 0),
    buffer_ms: ms(bufferSeconds),
    rtt_ms: rtt === null ? null : ms(rtt),
    mos_centi: 0,
  };
  const farLost = num(far?.packetsLost);
  if (far && farLost !== null) quality.far_loss_permille = permille(farLost, sent);
  const farJitter = num(far?.jitter);
  if (far && farJitter !== null) quality.far_jitter_ms = ms(farJitter);
  return quality;
}
