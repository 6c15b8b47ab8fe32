// The ticket panel's "sent" note and the appeals filter (A6). Which actions a ticket allows
// comes from the domain (crates/domain/tests/tickets.rs tests it); the page keeps no copy.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import ts from "typescript";

// Node 20 runs no TypeScript: transpile the module (types only, no bundling) and import it.
const source = readFileSync(new URL("../src/lib/ticketRules.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
const { sentNoteVisible, dayStartMs, appealFilter, appealStatus, newestFirst } = await import(
  `data:text/javascript;base64,${Buffer.from(js).toString("base64")}`
);

test("the sent note stays until the state or the history changes", () => {
  const sent = { ticket: 7, state: "open", history: 2 };
  assert.equal(sentNoteVisible(sent, { id: 7, state: "open" }, 2), true);
  assert.equal(sentNoteVisible(sent, { id: 7, state: "open_dispatch" }, 3), false);
  assert.equal(sentNoteVisible(sent, { id: 7, state: "open" }, 3), false);
  assert.equal(sentNoteVisible(sent, { id: 8, state: "open" }, 2), false);
  assert.equal(sentNoteVisible(null, { id: 7, state: "open" }, 2), false);
});

test("dates are local midnights; bad ones are no bound", () => {
  assert.equal(dayStartMs("2026-11-26"), new Date(2026, 10, 26).getTime());
  assert.equal(dayStartMs("2026-11-30", 1), new Date(2026, 11, 1).getTime());
  assert.equal(dayStartMs("2026-12-31", 1), new Date(2027, 0, 1).getTime());
  assert.equal(dayStartMs(""), null);
  assert.equal(dayStartMs("2026-02-31"), null);
  assert.equal(dayStartMs("26.11.2026"), null);
});

test("the appeals filter leaves out 'all' and makes 'to' exclusive", () => {
  assert.deepEqual(appealFilter({ status: "all", from: "", to: "", channel: "all" }), { limit: 500 });
  assert.deepEqual(appealFilter({ status: "spam", from: "2026-11-01", to: "2026-11-26", channel: "call" }), {
    limit: 500,
    status: "spam",
    from: new Date(2026, 10, 1).getTime(),
    to: new Date(2026, 10, 27).getTime(),
    channel: "call",
  });
  // The same day in both: that whole day.
  const day = appealFilter({ status: "open", from: "2026-11-26", to: "2026-11-26", channel: "all" });
  assert.equal(day.to - day.from, new Date(2026, 10, 27).getTime() - new Date(2026, 10, 26).getTime());
});

test("appeal status for the row and newest first", () => {
  assert.equal(appealStatus({ finishedAt: null, spam: false }), "open");
  assert.equal(appealStatus({ finishedAt: 5, spam: false }), "finished");
  assert.equal(appealStatus({ finishedAt: 5, spam: true }), "spam");
  const list = [{ id: 1, openedAt: 10 }, { id: 2, openedAt: 30 }, { id: 3, openedAt: 30 }];
  assert.deepEqual(newestFirst(list).map((a) => a.id), [3, 2, 1]);
  assert.deepEqual(list.map((a) => a.id), [1, 2, 3]);
});
