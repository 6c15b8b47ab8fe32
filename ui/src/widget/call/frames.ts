// The part of the line server's wire (crates/protocol) that a call uses, and checks of what
// the server sends before the call spends anything on it. Frames are JSON; only the fields a
// call reads are declared, and an incoming frame is narrowed by `callFrame` before use.

import type { CallQuality } from "./quality.js";

/** How a call ended (`CallEndReason` of crates/protocol/src/call.rs). */
export type EndReason = "hung_up" | "cancelled" | "declined" | "no_answer" | "failed" | "transferred";

const END_REASONS: readonly EndReason[] = ["hung_up", "cancelled", "declined", "no_answer", "failed", "transferred"];

/** WebRTC signalling relayed by the server between the two parties (`SignalPayload`). */
export type SignalPayload =
  | { kind: "offer"; sdp: string }
  | { kind: "answer"; sdp: string }
  | {
      kind: "candidate";
      candidate: string;
      sdp_mid?: string | null;
      sdp_mline_index?: number | null;
    }
  | { kind: "hold"; on: boolean };

/** The actions a call submits. */
export type CallAction =
  | { kind: "place_call"; line: number; client: null }
  /** Pick up a specialist's call that rings this client. */
  | { kind: "answer_call"; call: number }
  | { kind: "hang_up"; call: number; reason: EndReason }
  | { kind: "request_call_back"; line: number }
  /** What this side measured of a call that connected, once it ends (quality.ts). */
  | { kind: "call_stats"; call: number; quality: CallQuality };

/** What a call sends on the widget's connection (`ClientFrame`). */
export type ClientFrame =
  | { type: "submit"; key: string; action: CallAction }
  | { type: "signal"; call: number; payload: SignalPayload };

/**
 * Any frame the server sends (`ServerFrame`): the link hands them all over; a call reads
 * the few it knows through `callFrame` and ignores the rest.
 */
export type ServerFrame = { type: string; [field: string]: unknown };

/** The frames a call acts on, checked. */
export type CallFrame =
  | { type: "ack"; key: string }
  | { type: "error"; key: string | null; code: string; message: string }
  /** `from`: who placed it (`client`: this widget's own call; `specialist`: a call to this client). */
  | { type: "ringing"; call: number; key: string | null; specialist: number | null; from: "client" | "specialist" }
  | { type: "connected"; call: number }
  | { type: "ended"; call: number; reason: EndReason; by: string }
  /** The specialist handed the call to a colleague, who answered on call `leg`. */
  | { type: "transferred"; call: number; leg: number }
  | { type: "signal"; call: number; payload: SignalPayload };

/** The largest SDP and candidate the server relays (MAX_SDP_BYTES, MAX_CANDIDATE_BYTES). */
const MAX_SDP = 16 * 1024;
const MAX_CANDIDATE = 512;

const isId = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const isText = (v: unknown, max: number): v is string => typeof v === "string" && v.length <= max;

function signalPayload(p: unknown): SignalPayload | null {
  if (typeof p !== "object" || p === null) return null;
  const o = p as Record<string, unknown>;
  switch (o.kind) {
    case "offer":
    case "answer":
      return isText(o.sdp, MAX_SDP) ? { kind: o.kind, sdp: o.sdp } : null;
    case "candidate": {
      if (!isText(o.candidate, MAX_CANDIDATE)) return null;
      const mid = o.sdp_mid;
      const index = o.sdp_mline_index;
      if (mid != null && !isText(mid, 64)) return null;
      if (index != null && !(isId(index) && index < 65536)) return null;
      return { kind: "candidate", candidate: o.candidate, sdp_mid: mid ?? null, sdp_mline_index: index ?? null };
    }
    case "hold":
      return typeof o.on === "boolean" ? { kind: "hold", on: o.on } : null;
    default:
      return null;
  }
}

/** `frame` narrowed to what a call acts on, or `null` (not a call's, or malformed). */
export function callFrame(frame: ServerFrame): CallFrame | null {
  switch (frame.type) {
    case "ack":
      return typeof frame.key === "string" ? { type: "ack", key: frame.key } : null;
    case "error":
      return {
        type: "error",
        key: typeof frame.key === "string" ? frame.key : null,
        code: typeof frame.code === "string" ? frame.code : "internal",
        message: typeof frame.message === "string" ? frame.message : "",
      };
    case "signal": {
      const payload = signalPayload(frame.payload);
      return isId(frame.call) && payload ? { type: "signal", call: frame.call, payload } : null;
    }
    case "event":
      return callEvent(frame.event);
    default:
      return null;
  }
}

function callEvent(e: unknown): CallFrame | null {
  if (typeof e !== "object" || e === null) return null;
  const o = e as Record<string, unknown>;
  if (!isId(o.call)) return null;
  switch (o.kind) {
    case "call_ringing":
      return {
        type: "ringing",
        call: o.call,
        key: typeof o.key === "string" ? o.key : null,
        specialist: isId(o.specialist) ? o.specialist : null,
        from: o.from === "specialist" ? "specialist" : "client",
      };
    case "call_connected":
      return { type: "connected", call: o.call };
    case "call_transferred":
      return isId(o.leg) ? { type: "transferred", call: o.call, leg: o.leg } : null;
    case "call_ended": {
      const reason = END_REASONS.find((r) => r === o.reason) ?? "failed";
      return { type: "ended", call: o.call, reason, by: typeof o.by === "string" ? o.by : "" };
    }
    default:
      return null;
  }
}
