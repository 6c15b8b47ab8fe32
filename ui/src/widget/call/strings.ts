// Which string says what a call's state is: the `call.*` keys of the widget's own ru/en
// dictionaries (ui/src/widget/ru.json, en.json).

import type { CallState } from "./call.js";

/** Server refusals with a string of their own; any other code reads `call.error.server_other`. */
const SERVER_CODES = ["rate_limited", "conflict", "forbidden", "unauthenticated"];

/** The key of the line that describes `state`. */
export function callMessageKey(state: CallState): string {
  if (state.phase === "ringing" && !state.ringsSpecialist) return "call.phase.ringing_line";
  if (state.phase !== "ended") return `call.phase.${state.phase}`;
  if (state.error !== null) {
    if (!state.error.startsWith("server_")) return `call.error.${state.error}`;
    const code = state.error.slice("server_".length);
    return SERVER_CODES.includes(code) ? `call.error.${state.error}` : "call.error.server_other";
  }
  if (state.reason === null) return "call.phase.ended";
  // A specialist's call to the client: declined by the client, or given up by the specialist.
  if (state.reason === "declined" && state.endedBy === "client") return "call.reason.declined_by_you";
  if (state.reason === "cancelled" && state.endedBy === "specialist") return "call.reason.cancelled_by_specialist";
  return `call.reason.${state.reason}`;
}
