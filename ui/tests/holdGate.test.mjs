// C9 for every way of reaching a client: the action runs when nobody else holds the appeal,
// is stopped with a warning when a colleague does (asked first, or refused by the rule), and
// runs confirmed once the specialist goes on; the warning has words in both languages.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import ts from "typescript";

const source = readFileSync(new URL("../src/lib/collision/holdGate.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
const { attemptPastHold, isHeldRefusal, HELD_RULE } = await import(
  `data:text/javascript;base64,${Buffer.from(js).toString("base64")}`
);
const load = (name) => JSON.parse(readFileSync(new URL(`../src/i18n/${name}.json`, import.meta.url)));

const ORLOVA = { appeal: 9, holder: 6, name: "Орлова Елена" };

function recorder() {
  const done = [];
  return { done, act: async (confirmed) => void done.push(confirmed) };
}

test("c9 nobody else holds the appeal: the action runs unconfirmed", async () => {
  const { done, act } = recorder();
  assert.equal(await attemptPastHold(async () => null, "file", act), null);
  assert.deepEqual(done, [false]);
});

test("c9 a colleague holds it: warned, nothing done, then done confirmed", async () => {
  const { done, act } = recorder();
  const warning = await attemptPastHold(async () => ORLOVA, "call", act);
  assert.deepEqual([warning.hold, warning.kind], [ORLOVA, "call"]);
  assert.deepEqual(done, [], "nothing before the confirmation");
  await warning.act(true);
  assert.deepEqual(done, [true]);
});

test("c9 a colleague took it meanwhile: the rule's refusal warns the same way", async () => {
  let asked = 0;
  const holdOf = async () => (asked++ === 0 ? null : ORLOVA);
  const refused = async (confirmed) => {
    if (!confirmed) throw { detail: { rule: HELD_RULE } };
  };
  const warning = await attemptPastHold(holdOf, "message", refused);
  assert.equal(warning.kind, "message");
  assert.equal(warning.hold.holder, 6);
  await warning.act(true);
});

test("c9 another refusal is the caller's to show", async () => {
  const boom = { detail: { rule: "appeal.not_holder" } };
  await assert.rejects(
    attemptPastHold(async () => null, "file", async () => { throw boom; }),
    (err) => err === boom,
  );
  assert.equal(isHeldRefusal(boom), false);
  assert.equal(isHeldRefusal(null), false);
  assert.equal(isHeldRefusal({ detail: { rule: HELD_RULE } }), true);
});

test("c9 the warning and its buttons are translated for every kind", () => {
  for (const lang of ["ru", "en"]) {
    const strings = load(lang);
    for (const key of [
      "collision.held", "collision.held_file", "collision.held_call",
      "collision.write_anyway", "collision.send_anyway", "collision.call_anyway",
    ]) {
      assert.ok(strings[key], `${lang}: ${key}`);
    }
    assert.match(strings["collision.held_file"], /\{id\}.*\{name\}/);
    assert.match(strings["collision.held_call"], /\{id\}.*\{name\}/);
  }
});
