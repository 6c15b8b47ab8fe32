// A finished call's quality in the timeline (issue 14): the client's loss is the far side's
// RTCP figure where there is one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import ts from "typescript";

const source = readFileSync(new URL("../src/lib/call/callQuality.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
const { summarize, grade } = await import(`data:text/javascript;base64,${Buffer.from(js).toString("base64")}`);

const party = (from, mosCenti, lossPermille, far = null) => ({
  from,
  mosCenti,
  lossPermille,
  latePermille: 2,
  jitterMs: 4,
  rttMs: 20,
  farLossPermille: far,
  farJitterMs: far === null ? null : 6,
});

test("nothing reported: nothing to show", () => {
  assert.equal(summarize([]), null);
});

test("the client's loss comes from the specialist's RTCP reports first", () => {
  const s = summarize([party("specialist", 420, 10, 48), party("client", 380, 30)]);
  assert.equal(s.mos, 3.8);
  assert.equal(s.youLossPercent, 1.2);
  assert.equal(s.clientLossPercent, 4.8);
  assert.equal(s.clientJitterMs, 6);
  assert.equal(s.clientSource, "rtcp");
});

test("without RTCP the client's own statistics say what it heard", () => {
  const s = summarize([party("specialist", 430, 0), party("client", 400, 30)]);
  assert.equal(s.clientLossPercent, 3.2);
  assert.equal(s.clientSource, "client");
  const alone = summarize([party("specialist", 430, 0)]);
  assert.equal(alone.clientLossPercent, null);
  assert.equal(alone.clientSource, null);
});

test("grades follow the call panel's", () => {
  assert.equal(grade(4.2), "good");
  assert.equal(grade(3.6), "fair");
  assert.equal(grade(2.9), "poor");
});
