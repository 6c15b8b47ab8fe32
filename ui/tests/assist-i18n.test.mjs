// The assistant window: every key in both languages, a string for every error code the window's
// commands return (crates/assist-window) and every way a session ends.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const load = (name) => JSON.parse(readFileSync(new URL(`../src/assist/${name}.json`, import.meta.url)));
const ru = load("ru");
const en = load("en");
const rust = (file) =>
  readFileSync(new URL(`../../crates/${file}`, import.meta.url), "utf8");

test("assist: ru and en have the same keys, none empty", () => {
  assert.deepEqual(Object.keys(en).sort(), Object.keys(ru).sort());
  for (const [lang, dict] of [["ru", ru], ["en", en]]) {
    for (const [key, value] of Object.entries(dict)) {
      assert.ok(value.trim().length > 0, `${lang}:${key} is empty`);
    }
  }
});

test("assist: every error code of the window and the library is translated", () => {
  const sources = rust("assist-window/src/commands.rs") + rust("assist/src/error.rs");
  const codes = new Set([...sources.matchAll(/"(assist\.[a-z_]+)"/g)].map((m) => m[1]));
  assert.ok(codes.size >= 8, `found only ${[...codes]}`);
  for (const code of codes) {
    assert.ok(ru[`error.${code}`], `ru has no error.${code}`);
  }
});

test("assist: every ending of a session is said", () => {
  const view = rust("assist-window/src/view.rs");
  const endings = [...view.matchAll(/Ending::\w+ => "([a-z_]+)"/g)].map((m) => m[1]);
  assert.equal(endings.length, 6);
  for (const how of endings) assert.ok(ru[`ended.${how}`], `ru has no ended.${how}`);
});

test("assist: the widget's remote-help text has the same shape in ru and en", () => {
  const help = JSON.parse(
    readFileSync(new URL("../src/widget/remote-help.json", import.meta.url)),
  );
  for (const lang of ["ru", "en"]) {
    const text = help[lang];
    assert.ok(text.title && text.intro && text.password, `${lang} lacks a part`);
    assert.equal(text.steps.length, help.ru.steps.length, `${lang} steps`);
    for (const s of [text.title, text.intro, text.password, ...text.steps]) {
      assert.ok(!/[<>]/.test(s), `${lang}: no markup in ${s}`);
    }
  }
});
