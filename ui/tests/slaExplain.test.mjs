// The SLA explanation dialog's arithmetic: the first failing condition of a level, minutes,
// the segments' sums.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import ts from "typescript";

const source = readFileSync(new URL("../src/lib/slaExplain.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
const { firstFailed, minutesOf, spanTotal } = await import(
  `data:text/javascript;base64,${Buffer.from(js).toString("base64")}`
);

test("a level is explained by its first condition that does not hold", () => {
  const trial = {
    level: "Errors by phone",
    matched: false,
    checks: [
      { field: "kind", accepted: ["error"], actual: "error", holds: true },
      { field: "channel", accepted: ["call"], actual: "message", holds: false },
      { field: "vip", accepted: ["true"], actual: "false", holds: false },
    ],
  };
  assert.equal(firstFailed(trial)?.field, "channel");
  assert.equal(firstFailed({ level: "Any", matched: true, checks: [] }), null);
});

test("segments sum by kind, in minutes", () => {
  const H = 3_600_000;
  const spans = [
    { from_ms: 0, to_ms: 2 * H, kind: "counted" },
    { from_ms: 2 * H, to_ms: 3.5 * H, kind: "waiting" },
    { from_ms: 5 * H, to_ms: 9 * H, kind: "counted" },
  ];
  assert.equal(minutesOf(spanTotal(spans, "counted")), 360);
  assert.equal(minutesOf(spanTotal(spans, "waiting")), 90);
  assert.equal(minutesOf(29_999), 0);
});
