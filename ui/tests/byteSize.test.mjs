// File sizes in the interface's language (issue 16 item 7).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import ts from "typescript";

const source = readFileSync(new URL("../src/lib/byteSize.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
const { formatBytes } = await import(`data:text/javascript;base64,${Buffer.from(js).toString("base64")}`);

test("Russian: decimal comma and Russian units", () => {
  assert.equal(formatBytes(512, "ru"), "512 Б");
  assert.equal(formatBytes(1536, "ru"), "1,5 КБ");
  assert.equal(formatBytes(10 * 1024 * 1024, "ru"), "10,0 МБ");
});

test("English: decimal point and English units", () => {
  assert.equal(formatBytes(512, "en"), "512 B");
  assert.equal(formatBytes(1536, "en"), "1.5 KB");
  assert.equal(formatBytes(2.25 * 1024 * 1024, "en"), "2.3 MB");
});

test("nonsense sizes read as nothing rather than NaN", () => {
  assert.equal(formatBytes(Number.NaN, "en"), "0 B");
  assert.equal(formatBytes(-5, "ru"), "0 Б");
});
