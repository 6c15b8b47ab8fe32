// The Reports view's CSV export (formula injection escaped, quoting) and its period and figure
// formatting.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import ts from "typescript";

async function load(path) {
  const source = readFileSync(new URL(path, import.meta.url), "utf8");
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  return import(`data:text/javascript;base64,${Buffer.from(js).toString("base64")}`);
}

const { csvCell, toCsv } = await load("../src/lib/reports/csv.ts");
const { periodMs, lastDays, hoursMinutes, percent, stars, bucketLabel } = await load(
  "../src/lib/reports/figures.ts",
);

test("text a spreadsheet would run as a formula is escaped", () => {
  assert.equal(csvCell("=HYPERLINK(\"http://evil\",\"x\")"), "\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\"");
  assert.equal(csvCell("+79001234567"), "'+79001234567");
  assert.equal(csvCell("-2+3"), "'-2+3");
  assert.equal(csvCell("@SUM(A1)"), "'@SUM(A1)");
  assert.equal(csvCell("\t=1"), "'\t=1");
  assert.equal(csvCell("\r=1"), "\"'\r=1\"");
  assert.equal(csvCell("Иванова"), "Иванова");
  assert.equal(csvCell("a=b"), "a=b");
});

test("numbers stay numbers, empty cells stay empty, quoting follows RFC 4180", () => {
  assert.equal(csvCell(-5), "-5");
  assert.equal(csvCell(4.5), "4.5");
  assert.equal(csvCell(null), "");
  assert.equal(csvCell(Number.NaN), "");
  assert.equal(csvCell("Спасибо, всё"), "\"Спасибо, всё\"");
  assert.equal(csvCell("он сказал \"да\""), "\"он сказал \"\"да\"\"\"");
  assert.equal(csvCell("две\nстроки"), "\"две\nстроки\"");
});

test("a table has a BOM, a header and CRLF rows", () => {
  const csv = toCsv(["Клиент", "Оценка", "Комментарий"], [
    ["Сидоров", 2, "=долго"],
    ["Иванова", 5, null],
  ]);
  assert.equal(csv, "\uFEFFКлиент,Оценка,Комментарий\r\nСидоров,2,'=долго\r\nИванова,5,\r\n");
});

test("a period is whole local days, the last one included", () => {
  const p = periodMs("2026-11-23", "2026-11-24");
  assert.equal(p.toMs - p.fromMs, 2 * 24 * 3600 * 1000);
  assert.equal(new Date(p.fromMs).getHours(), 0);
  assert.equal(periodMs("2026-11-24", "2026-11-23"), null);
  assert.equal(periodMs("", "2026-11-23"), null);
  assert.deepEqual(lastDays(7, new Date(2026, 11, 6, 15, 0)), { from: "2026-11-30", to: "2026-12-06" });
});

test("figures read as people say them", () => {
  assert.equal(hoursMinutes(null), "—");
  assert.equal(hoursMinutes(125 * 60000), "2:05");
  assert.equal(hoursMinutes(2_500_000), "0:42");
  assert.equal(percent(2, 4), "50.0");
  assert.equal(percent(1, 3), "33.3");
  assert.equal(percent(0, 0), "—");
  assert.equal(stars(433), "4.33");
  assert.equal(stars(null), "—");
  assert.equal(bucketLabel({ from: 360, to: 403 }, 100), "3.6–4.03");
  assert.equal(bucketLabel({ from: 100, to: null }, 10), "≥ 10");
});
