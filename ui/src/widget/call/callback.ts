// The call-back request: when nobody took the call (`CallState.missed`), the client may ask
// the line to call back. The server puts it on the client's appeal (`RequestCallBack` ->
// `CallBackRequested`), where the specialists see it on the timeline.

import { callFrame } from "./frames.js";
import type { CallLink } from "./link.js";
import { newKey } from "./call.js";

/** How long the server may take to acknowledge. */
const WAIT_MS = 10_000;

/** `null`: the request is in; else why not, as a `CallErrorCode` (`server_<wire code>`). */
export function requestCallBack(link: CallLink, line: number): Promise<`server_${string}` | null> {
  const key = newKey();
  return new Promise((resolve) => {
    const done = (result: `server_${string}` | null) => {
      clearTimeout(timer);
      unsubscribe();
      resolve(result);
    };
    const timer = setTimeout(() => done("server_timeout"), WAIT_MS);
    const unsubscribe = link.subscribe((frame) => {
      const f = callFrame(frame);
      if (f?.type === "ack" && f.key === key) done(null);
      else if (f?.type === "error" && f.key === key) done(`server_${f.code}`);
    });
    link.send({ type: "submit", key, action: { kind: "request_call_back", line } });
  });
}
