// The signed-in session of a line's widget, kept in this browser's localStorage (never a
// cookie) so a guest's conversation goes on at the next visit; "forget me" removes it.
import type { Session } from "./api";

const key = (line: number) => `linedesk.widget.session.${line}`;

export function loadSession(line: number): Session | null {
  try {
    const s = JSON.parse(localStorage.getItem(key(line)) ?? "null");
    if (!s || typeof s.token !== "string" || typeof s.id !== "number") return null;
    if (typeof s.expires_ms === "number" && s.expires_ms > 0 && s.expires_ms < Date.now()) {
      localStorage.removeItem(key(line));
      return null;
    }
    return s as Session;
  } catch {
    return null;
  }
}

export function saveSession(line: number, session: Session): void {
  try {
    localStorage.setItem(key(line), JSON.stringify(session));
  } catch {
    // Private mode: the session lasts as long as the page.
  }
}

export function forgetSession(line: number): void {
  try {
    localStorage.removeItem(key(line));
  } catch {
    // Nothing kept.
  }
}
