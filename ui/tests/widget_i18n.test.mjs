// The widget's strings: ru and en have the same keys, none empty, and every error code of the
// wire (crates/protocol's ErrorCode) has a translation.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const load = (name) => JSON.parse(readFileSync(new URL(`../src/widget/${name}.json`, import.meta.url)));
const ru = load("ru");
const en = load("en");

test("the widget's ru and en have the same keys, none empty", () => {
  assert.deepEqual(Object.keys(en).sort(), Object.keys(ru).sort());
  for (const [lang, dict] of [["ru", ru], ["en", en]]) {
    for (const [key, value] of Object.entries(dict)) assert.ok(value.trim(), `${lang}:${key}`);
  }
});

test("every wire error code has the widget's translation", () => {
  const protocol = readFileSync(new URL("../../crates/protocol/src/lib.rs", import.meta.url), "utf8");
  const body = protocol.match(/pub enum ErrorCode \{([\s\S]*?)\n\}/);
  assert.ok(body, "ErrorCode is not in crates/protocol/src/lib.rs");
  const variants = [...body[1].replace(/\/\/.*$/gm, "").matchAll(/^\s*([A-Z]\w*),/gm)].map((m) => m[1]);
  assert.ok(variants.length >= 10, variants.join());
  for (const variant of variants) {
    const code = variant.replace(/[A-Z]/g, (c, i) => (i ? "_" : "") + c.toLowerCase());
    assert.ok(ru[`error.${code}`], `ru lacks error.${code}`);
    assert.ok(en[`error.${code}`], `en lacks error.${code}`);
  }
});

test("every appeal state and link status the widget shows has a string", () => {
  for (const key of ["appeal.none", "appeal.queued", "appeal.assigned", "appeal.finished",
    "link.connecting", "link.online", "link.offline"]) {
    assert.ok(ru[key] && en[key], key);
  }
});
