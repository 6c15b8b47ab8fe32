// Keyboard shortcuts of the workstation (issue 6, item 9): one table, used by the key handler
// and by the help overlay, so the overlay can never list a key that does nothing.

export type ShortcutAction =
  | "next-appeal"
  | "search-clients"
  | "search-history"
  | "finish"
  | "transfer"
  | "call-transfer"
  | "take"
  | "quick-reply"
  | "view-clients"
  | "view-appeals"
  | "view-tickets"
  | "view-reports"
  | "view-admin"
  | "mute"
  | "hold"
  | "help";

export interface Shortcut {
  action: ShortcutAction;
  /** What the overlay shows, e.g. "Alt+N". */
  keys: string;
  matches: (e: KeyboardEvent) => boolean;
}

const alt = (key: string) => (e: KeyboardEvent) =>
  e.altKey && !e.ctrlKey && !e.metaKey && e.key.toLowerCase() === key;

export const SHORTCUTS: Shortcut[] = [
  { action: "next-appeal", keys: "Alt+N", matches: alt("n") },
  { action: "search-clients", keys: "Alt+K", matches: alt("k") },
  { action: "search-history", keys: "Alt+H", matches: alt("h") },
  { action: "take", keys: "Alt+T", matches: alt("t") },
  { action: "transfer", keys: "Alt+P", matches: alt("p") },
  { action: "call-transfer", keys: "Alt+R", matches: alt("r") },
  { action: "finish", keys: "Alt+F", matches: alt("f") },
  { action: "quick-reply", keys: "Alt+Q", matches: alt("q") },
  { action: "view-clients", keys: "Alt+1", matches: alt("1") },
  { action: "view-appeals", keys: "Alt+2", matches: alt("2") },
  { action: "view-tickets", keys: "Alt+3", matches: alt("3") },
  { action: "view-reports", keys: "Alt+4", matches: alt("4") },
  { action: "view-admin", keys: "Alt+5", matches: alt("5") },
  // The call in progress (the call panel handles them): mute the microphone, hold the call.
  { action: "mute", keys: "Alt+M", matches: alt("m") },
  { action: "hold", keys: "Alt+O", matches: alt("o") },
  { action: "help", keys: "F1", matches: (e) => e.key === "F1" },
];

export function shortcutFor(e: KeyboardEvent): ShortcutAction | null {
  return SHORTCUTS.find((s) => s.matches(e))?.action ?? null;
}

/** The client after `current` among those with an appeal to work on (mine first, then queued). */
export function nextAppeal<T extends { id: number; myAppeal: boolean; queued: boolean }>(
  clients: T[],
  current: number | null,
): T | null {
  const work = [...clients.filter((c) => c.myAppeal), ...clients.filter((c) => !c.myAppeal && c.queued)];
  if (work.length === 0) return null;
  const at = work.findIndex((c) => c.id === current);
  return work[(at + 1) % work.length];
}

/** Whether the call panel's `mute` and `hold` keys act in call state `state`: only while the
 * call is up (the same states that show the panel's mute and hold buttons). */
export function callKeyApplies(action: ShortcutAction | null, state: string): boolean {
  const up = state === "connected" || state === "on_hold" || state === "reconnecting";
  return up && (action === "mute" || action === "hold");
}
