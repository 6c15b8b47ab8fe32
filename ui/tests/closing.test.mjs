// A4/A5 in the chat: the countdowns to the server's instants and the translated result.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import ts from "typescript";

const source = readFileSync(new URL("../src/lib/waiting/closing.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
const { countdown, reactionAwaited, resultText } = await import(
  `data:text/javascript;base64,${Buffer.from(js).toString("base64")}`
);
const load = (name) => JSON.parse(readFileSync(new URL(`../src/i18n/${name}.json`, import.meta.url)));

test("a5 the countdown shows what is left and nothing once it passed", () => {
  assert.equal(countdown(null, 0), null);
  assert.equal(countdown(1000, 1000), null);
  assert.equal(countdown(5 * 60_000, 0), "5:00");
  assert.equal(countdown(61_500, 0), "1:02");
  assert.equal(countdown(3_600_000 + 61_000, 0), "1:01:01");
});

test("a4 the reaction is awaited until the server's instant", () => {
  assert.equal(reactionAwaited(10_000, 9_999), true);
  assert.equal(reactionAwaited(10_000, 10_000), false);
  assert.equal(reactionAwaited(null, 0), false);
});

test("a5 the server's result code is translated in both languages", () => {
  for (const lang of ["ru", "en"]) {
    const noReply = load(lang)["appeal.result.no_client_reply"];
    assert.ok(noReply, lang);
    assert.equal(resultText("no_client_reply", noReply), noReply);
    assert.equal(resultText("Решено", noReply), "Решено");
    // A3: the client's line changed; the reason is in the transfer note, never the result.
    const transferred = load(lang)["appeal.result.transferred_to_line"];
    assert.ok(transferred, lang);
    assert.equal(resultText("transferred_to_line", noReply, transferred), transferred);
    assert.ok(load(lang)["timeline.carried.message"].includes("{text}"), lang);
    for (const key of ["closing.auto_finish_in", "closing.reaction_wait", "closing.phrases", "rule.appeal.client_reaction_awaited"]) {
      assert.ok(load(lang)[key], `${lang}: ${key}`);
    }
  }
});
