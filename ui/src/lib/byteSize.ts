// A file's size for people, in the interface's language: "1,5 МБ" in Russian, "1.5 MB" in
// English (decimal comma and unit names follow the language, not the machine's locale).

export type SizeLang = "ru" | "en";

const UNITS: Record<SizeLang, [string, string, string]> = {
  ru: ["Б", "КБ", "МБ"],
  en: ["B", "KB", "MB"],
};

/** `bytes` as B below 1 KiB, KB (one decimal) below 1 MiB, MB (one decimal) above. */
export function formatBytes(bytes: number, lang: SizeLang): string {
  const [b, kb, mb] = UNITS[lang];
  const n = Number.isFinite(bytes) && bytes > 0 ? bytes : 0;
  const number = (value: number) =>
    new Intl.NumberFormat(lang === "ru" ? "ru-RU" : "en-GB", {
      minimumFractionDigits: 1,
      maximumFractionDigits: 1,
    }).format(value);
  if (n < 1024) return `${Math.round(n)} ${b}`;
  if (n < 1024 * 1024) return `${number(n / 1024)} ${kb}`;
  return `${number(n / 1024 / 1024)} ${mb}`;
}
