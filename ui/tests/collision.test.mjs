// C9: the chat's "who else": when "typing" is told to the line, the header's order, strings.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import ts from "typescript";

const source = readFileSync(new URL("../src/lib/collision/typing.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
const { TypingSignal, TYPING_IDLE_MS, orderWatchers } = await import(
  `data:text/javascript;base64,${Buffer.from(js).toString("base64")}`
);
const load = (name) => JSON.parse(readFileSync(new URL(`../src/i18n/${name}.json`, import.meta.url)));

test("c9 typing is told once when it starts and once after a pause, not per keystroke", () => {
  const s = new TypingSignal();
  assert.equal(s.keystroke(0), true);
  for (let at = 100; at < 3000; at += 100) assert.equal(s.keystroke(at), false);
  assert.equal(s.idle(2900 + TYPING_IDLE_MS - 1), false);
  assert.equal(s.idle(2900 + TYPING_IDLE_MS), true);
  assert.equal(s.idle(99_999), false, "told once");
  assert.equal(s.keystroke(100_000), true);
  assert.equal(s.stop(), true, "sending the message stops it");
  assert.equal(s.stop(), false);
});

test("c9 colleagues typing come first in the header", () => {
  const order = orderWatchers([
    { specialist: 3, name: "Орлова", typing: false },
    { specialist: 2, name: "Кузнецов", typing: true },
    { specialist: 4, name: null, typing: false },
  ]);
  assert.deepEqual(order.map((w) => w.specialist), [2, 4, 3]);
});

test("c9 every string of the header and the warning in both languages", () => {
  for (const lang of ["ru", "en"]) {
    const dict = load(lang);
    for (const key of [
      "collision.also_open",
      "collision.typing",
      "collision.someone",
      "collision.held",
      "collision.write_anyway",
      "rule.appeal.held_by_colleague",
    ]) {
      assert.ok(dict[key], `${lang}: ${key}`);
    }
    assert.ok(dict["collision.held"].includes("{name}"), lang);
  }
});
