// The SLA badge's arithmetic: tone from the server's alert or the clock, time left.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import ts from "typescript";

// Node 20 runs no TypeScript: transpile the module (types only, no bundling) and import it.
const source = readFileSync(new URL("../src/lib/sla.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
const { slaBadge, formatMinutes } = await import(
  `data:text/javascript;base64,${Buffer.from(js).toString("base64")}`
);

const NOW = 1_800_000_000_000;

test("no deadline, no badge", () => {
  assert.equal(slaBadge(null, null, NOW), null);
});

test("tone follows the alert, and past due is breached whatever the server said", () => {
  assert.deepEqual(slaBadge(NOW + 90 * 60_000, null, NOW), { tone: "ok", minutes: 90 });
  assert.equal(slaBadge(NOW + 10 * 60_000, "at_risk", NOW)?.tone, "at_risk");
  assert.equal(slaBadge(NOW - 60_000, null, NOW)?.tone, "breached");
  assert.equal(slaBadge(NOW + 60_000, "breached", NOW)?.tone, "breached");
  assert.equal(slaBadge(NOW - 5 * 60_000, null, NOW)?.minutes, -5);
});

test("minutes read as hours and minutes", () => {
  assert.equal(formatMinutes(12, "ч", "мин"), "12 мин");
  assert.equal(formatMinutes(125, "ч", "мин"), "2 ч 05 мин");
  assert.equal(formatMinutes(-61, "h", "min"), "1 h 01 min");
});
