// Translations: every visible string of the UI comes from ru.json / en.json.
// Russian is the default; the choice is kept in the local store's settings.
import ru from "./ru.json";
import en from "./en.json";
import { formatBytes } from "../lib/byteSize";

export type Lang = "ru" | "en";
type Dict = Record<string, string>;
const dictionaries: Record<Lang, Dict> = { ru, en };

export const locale = $state<{ lang: Lang }>({ lang: "ru" });

/** The string for `key` in the current language, with `{name}` placeholders filled. */
export function t(key: string, vars: Record<string, string | number> = {}): string {
  const template = dictionaries[locale.lang][key] ?? dictionaries.ru[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}

export function setLang(lang: Lang): void {
  locale.lang = lang;
  document.documentElement.lang = lang;
}

/** A length of whole seconds as m:ss (a call's timer, a session's duration). */
export function formatClock(seconds: number): string {
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

/** A date-time in the current language, e.g. "24.11.2026, 17:05". */
export function formatTime(ms: number): string {
  return new Intl.DateTimeFormat(locale.lang === "ru" ? "ru-RU" : "en-GB", {
    dateStyle: "short",
    timeStyle: "short",
  }).format(new Date(ms));
}

/** A file's size in the current language, e.g. "1,5 МБ" / "1.5 MB". */
export function formatSize(bytes: number): string {
  return formatBytes(bytes, locale.lang);
}
