// The specialist's keys as X keysyms for the client's computer (V2): named keys by the X11
// keysym table, characters by their Unicode code point (Latin-1 as is, the rest 0x01000000 +
// code point, as X11 defines for Unicode keysyms).

const NAMED: Record<string, number> = {
  Backspace: 0xff08,
  Tab: 0xff09,
  Enter: 0xff0d,
  Escape: 0xff1b,
  Delete: 0xffff,
  Home: 0xff50,
  ArrowLeft: 0xff51,
  ArrowUp: 0xff52,
  ArrowRight: 0xff53,
  ArrowDown: 0xff54,
  PageUp: 0xff55,
  PageDown: 0xff56,
  End: 0xff57,
  Insert: 0xff63,
  Shift: 0xffe1,
  Control: 0xffe3,
  CapsLock: 0xffe5,
  Alt: 0xffe9,
  AltGraph: 0xfe03,
  Meta: 0xffeb,
  OS: 0xffeb,
  " ": 0x20,
};

/** The keysym of a KeyboardEvent.key, or null for keys the remote side cannot get. */
export function keysymOf(key: string): number | null {
  if (key in NAMED) return NAMED[key];
  const f = /^F([1-9]|1[0-2])$/.exec(key);
  if (f) return 0xffbe + Number(f[1]) - 1;
  const chars = Array.from(key);
  if (chars.length !== 1) return null;
  const code = chars[0].codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return null;
  if (code <= 0xff) return code;
  return 0x01000000 + code;
}

/** Ctrl+Alt+Del and the other combinations a browser would keep for itself. */
export const COMBINATIONS: Record<string, string[]> = {
  ctrl_alt_del: ["Control", "Alt", "Delete"],
  alt_tab: ["Alt", "Tab"],
  win: ["Meta"],
  ctrl_esc: ["Control", "Escape"],
};
