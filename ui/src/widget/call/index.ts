// The web widget's call button: an audio call from the browser to the line.
// See call.ts for the steps and link.ts for what the widget lends a call.

export { answerCall, startCall } from "./call.js";
export { IncomingCalls, type IncomingCall } from "./incoming.js";
export { requestCallBack } from "./callback.js";
export type { CallErrorCode, CallHandle, CallOptions, CallPhase, CallState, CallTimings } from "./call.js";
export type { CallLink } from "./link.js";
export type { ClientFrame, EndReason, ServerFrame, SignalPayload } from "./frames.js";
export { fetchIceServers, parseIceServers } from "./ice.js";
export { callMessageKey } from "./strings.js";
