// The assistant window's strings, Russian (default) and English.
import ru from "./ru.json";
import en from "./en.json";

export type Lang = "ru" | "en";
const dictionaries: Record<Lang, Record<string, string>> = { ru, en };

export function translate(lang: Lang, key: string, vars: Record<string, string> = {}): string {
  const template = dictionaries[lang][key] ?? dictionaries.ru[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? vars[name] : whole,
  );
}
