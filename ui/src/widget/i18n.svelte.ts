// The widget's own strings (ru default, en), kept apart from the app's dictionaries so the
// widget's bundle carries only what it shows.
import ru from "./ru.json";
import en from "./en.json";

export type Lang = "ru" | "en";
const dictionaries: Record<Lang, Record<string, string>> = { ru, en };

export const locale = $state<{ lang: Lang }>({ lang: "ru" });

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

/** The translated text of a wire error code (`error.<code>`), or the generic one. */
export function errorText(code: string): string {
  const key = `error.${code}`;
  return key in dictionaries.ru ? t(key) : t("error.internal");
}

export function formatTime(ms: number): string {
  return new Intl.DateTimeFormat(locale.lang === "ru" ? "ru-RU" : "en-GB", {
    hour: "2-digit",
    minute: "2-digit",
  }).format(new Date(ms));
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return t("size.bytes", { n: bytes });
  if (bytes < 1024 * 1024) return t("size.kb", { n: (bytes / 1024).toFixed(1) });
  return t("size.mb", { n: (bytes / 1024 / 1024).toFixed(1) });
}

/** A length as minutes and seconds: 65 000 ms is "1:05". */
export function formatLength(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}
