// The widget's conversation: events of the client's session folded into what it shows.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import ts from "typescript";

const source = readFileSync(new URL("../src/widget/conversation.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
const { apply, emptyConversation, resultKey } = await import(
  `data:text/javascript;base64,${Buffer.from(js).toString("base64")}`
);

const fold = (events) =>
  events.reduce((c, [seq, e]) => apply(c, seq, 1000 + seq, e), emptyConversation());

test("messages both ways, the appeal's state, finish and rating", () => {
  let c = fold([
    [1, { kind: "message_posted", client: 5, from_specialist: null, text: "<b>hi</b>", appeal: 9 }],
    [2, { kind: "appeal_opened", appeal: 9, client: 5 }],
    [3, { kind: "appeal_assigned", appeal: 9, client: 5, specialist: 2 }],
    [4, { kind: "message_posted", client: 5, from_specialist: 2, text: "hello", appeal: 9 }],
    [5, { kind: "file_shared", file: 3, client: 5, from_specialist: 2, name: "a.pdf", size: 10, appeal: 9 }],
  ]);
  assert.equal(c.state, "assigned");
  assert.deepEqual(
    c.items.map((i) => [i.kind, i.mine]),
    [["message", true], ["message", false], ["file", false]],
  );
  assert.equal(c.items[0].text, "<b>hi</b>");
  c = apply(c, 6, 0, { kind: "appeal_finished", appeal: 9, client: 5, result: "done" });
  assert.equal(c.state, "finished");
  assert.equal(c.toRate, 9);
  c = apply(c, 7, 0, { kind: "appeal_rated", appeal: 9, client: 5, stars: 4, comment: "ok" });
  assert.equal(c.toRate, null);
  assert.equal(c.rated[9], 4);
  assert.equal(c.seq, 7);
});

test("a replayed event is not folded twice", () => {
  const e = { kind: "message_posted", client: 5, from_specialist: null, text: "x" };
  let c = fold([[1, e]]);
  c = apply(c, 1, 0, e);
  assert.equal(c.items.length, 1);
});

test("a finished appeal already rated asks for no rating", () => {
  const c = fold([
    [1, { kind: "appeal_rated", appeal: 3, client: 5, stars: 5 }],
    [2, { kind: "appeal_finished", appeal: 3, client: 5, result: "r" }],
  ]);
  assert.equal(c.toRate, null);
});

test("a call's recording shows with its length and whether it was paused", () => {
  const c = fold([
    [1, { kind: "call_recorded", call: 4, appeal: 9, client: 5, bytes: 900, duration_ms: 65000 }],
    [2, { kind: "call_recorded", call: 6, appeal: 9, client: 5, bytes: 900, duration_ms: 3000, gaps: [{ at_ms: 1000, length_ms: 5000 }] }],
  ]);
  assert.deepEqual(
    c.items.map((i) => [i.kind, i.call, i.durationMs, i.gaps]),
    [["recording", 4, 65000, 0], ["recording", 6, 3000, 1]],
  );
});

test("a3 a transfer to another line shows the client a translated result, never a reason", () => {
  const load = (name) => JSON.parse(readFileSync(new URL(`../src/widget/${name}.json`, import.meta.url)));
  const c = fold([[1, { kind: "appeal_finished", appeal: 9, client: 5, result: "transferred_to_line" }]]);
  const finished = c.items.find((i) => i.kind === "finished");
  assert.equal(finished.result, "transferred_to_line");
  for (const lang of ["ru", "en"]) {
    assert.ok(load(lang)[resultKey("transferred_to_line")], lang);
    assert.ok(load(lang)[resultKey("no_client_reply")], lang);
  }
  assert.equal(resultKey("Решено"), null);
});

test("C6: the client's groups, their members and messages, in the timeline", () => {
  const c = fold([
    [1, { kind: "group_created", group: 4, client: 5, title: "Сверка", by: 1,
          members: [{ specialist: 1, name: "Анна" }, { specialist: 3, name: "Вера" }] }],
    [2, { kind: "group_message_posted", group: 4, client: 5, from_specialist: 3, text: "<i>Смотрю</i>" }],
    [3, { kind: "group_message_posted", group: 4, client: 5, from_specialist: null, text: "Спасибо" }],
    [4, { kind: "group_member_removed", group: 4, client: 5, by: 1, specialist: 1 }],
    [5, { kind: "group_member_added", group: 4, client: 5, by: 3, member: { specialist: 7, name: "Борис" } }],
  ]);
  assert.equal(c.groups[4].title, "Сверка");
  assert.deepEqual(c.groups[4].members, { 3: "Вера", 7: "Борис" });
  assert.deepEqual(
    c.items.map((i) => [i.kind, i.note ?? i.author ?? "", i.mine ?? null]),
    [
      ["group_note", "created", null],
      ["group_message", "Вера", false],
      ["group_message", "", true],
      ["group_note", "removed", null],
      ["group_note", "added", null],
    ],
  );
  assert.equal(c.items[1].text, "<i>Смотрю</i>");
  assert.equal(c.items[3].name, "Анна");
  assert.equal(c.items[4].name, "Борис");
});
