// Keys of the remote-session viewer as X keysyms.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import ts from "typescript";

const source = readFileSync(new URL("../src/lib/keysym.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
const { keysymOf, COMBINATIONS } = await import(
  `data:text/javascript;base64,${Buffer.from(js).toString("base64")}`
);

test("named keys follow the X11 table", () => {
  assert.equal(keysymOf("Enter"), 0xff0d);
  assert.equal(keysymOf("Backspace"), 0xff08);
  assert.equal(keysymOf("ArrowDown"), 0xff54);
  assert.equal(keysymOf("F1"), 0xffbe);
  assert.equal(keysymOf("F12"), 0xffc9);
  assert.equal(keysymOf(" "), 0x20);
});

test("Latin-1 characters are their code point, the rest Unicode keysyms", () => {
  assert.equal(keysymOf("a"), 0x61);
  assert.equal(keysymOf(">"), 0x3e);
  assert.equal(keysymOf("é"), 0xe9);
  assert.equal(keysymOf("ж"), 0x01000000 + 0x436);
});

test("keys the other side cannot get are left out", () => {
  assert.equal(keysymOf("Unidentified"), null);
  assert.equal(keysymOf("F13"), null);
  assert.equal(keysymOf("\u0007"), null);
  assert.equal(keysymOf("ab"), null);
});

test("every combination is made of known keys", () => {
  for (const keys of Object.values(COMBINATIONS)) {
    for (const key of keys) assert.notEqual(keysymOf(key), null, key);
  }
});
