// C9: when the chat tells the line that its specialist types. The line keeps what it was told
// until told otherwise (or the chat closes, or the connection drops), so the app says "typing"
// once when typing starts and "stopped" after a pause, never once per keystroke.

/** A pause in typing this long (ms) ends "typing". */
export const TYPING_IDLE_MS = 4000;

export class TypingSignal {
  private typing = false;
  private lastKey = 0;

  /** A keystroke at `now`: `true` when the line must now hear "typing". */
  keystroke(now: number): boolean {
    this.lastKey = now;
    if (this.typing) return false;
    this.typing = true;
    return true;
  }

  /** Checked now and then: `true` when the line must now hear "stopped" (a pause). */
  idle(now: number): boolean {
    if (!this.typing || now - this.lastKey < TYPING_IDLE_MS) return false;
    this.typing = false;
    return true;
  }

  /** The message was sent or the chat closed: `true` when the line must hear "stopped". */
  stop(): boolean {
    const was = this.typing;
    this.typing = false;
    return was;
  }

  get isTyping(): boolean {
    return this.typing;
  }
}

export interface Watcher {
  specialist: number;
  name: string | null;
  typing: boolean;
}

/** The colleagues in the chat's header: those typing first, then by name. */
export function orderWatchers(watchers: Watcher[]): Watcher[] {
  return [...watchers].sort(
    (a, b) => Number(b.typing) - Number(a.typing) || (a.name ?? "").localeCompare(b.name ?? "") || a.specialist - b.specialist,
  );
}
