// Recordings the line server refused for good (set aside by the app's upload queue, file
// kept): one list for every call entry of the timeline, asked every few seconds while any
// entry without a recording is shown (a refusal comes seconds after the call ends).
import { commands, type SetAsideRecording } from "../../bindings";
import { call } from "../../api";

const EVERY_MS = 3000;

let list = $state<SetAsideRecording[]>([]);
let watchers = 0;
let timer: ReturnType<typeof setInterval> | null = null;

async function refresh(): Promise<void> {
  try {
    list = await call(commands.recordingsSetAside());
  } catch {
    // Not listed this time; the next tick asks again.
  }
}

/** The set-aside recording of `callId`, if any (reactive). */
export function setAsideOf(callId: number): SetAsideRecording | null {
  return list.find((r) => r.call === callId) ?? null;
}

/** Ask now (after a retry, so the entry goes at once). */
export function refreshSetAside(): Promise<void> {
  return refresh();
}

/** Keep the list fresh while the caller is mounted; the returned function stops it. */
export function watchSetAside(): () => void {
  watchers += 1;
  if (timer === null) {
    void refresh();
    timer = setInterval(() => void refresh(), EVERY_MS);
  }
  return () => {
    watchers -= 1;
    if (watchers === 0 && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  };
}
