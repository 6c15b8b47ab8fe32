// S5 in the app: the type choice's options and what the finish dialog sends (the rules of which
// types a line has and who may choose are the server's); A5's announced auto-finish time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import ts from "typescript";

const source = readFileSync(new URL("../src/lib/appealType/appealType.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
const { typeOptions, typeToSend, autoFinishMinutes } = await import(
  `data:text/javascript;base64,${Buffer.from(js).toString("base64")}`
);
const load = (name) => JSON.parse(readFileSync(new URL(`../src/i18n/${name}.json`, import.meta.url)));

test("s5 the options are the line's types, with a type the line dropped kept first", () => {
  assert.deepEqual(typeOptions(["Ошибка", "Консультация"], null), ["Ошибка", "Консультация"]);
  assert.deepEqual(typeOptions(["Ошибка", "Консультация"], "Консультация"), ["Ошибка", "Консультация"]);
  assert.deepEqual(typeOptions(["Ошибка"], "Доработка"), ["Доработка", "Ошибка"]);
  assert.deepEqual(typeOptions([], null), []);
});

test("s5 the finish sends a type only when one was chosen and it is not the appeal's already", () => {
  assert.equal(typeToSend("", null), null);
  assert.equal(typeToSend("  ", "Ошибка"), null);
  assert.equal(typeToSend("Ошибка", "Ошибка"), null);
  assert.equal(typeToSend("Ошибка", null), "Ошибка");
  assert.equal(typeToSend(" Консультация ", "Ошибка"), "Консультация");
});

test("a5 the announced auto-finish time is shown only when the line has one", () => {
  assert.equal(autoFinishMinutes(0), null);
  assert.equal(autoFinishMinutes(null), null);
  assert.equal(autoFinishMinutes(15), 15);
});

test("s3 the hint says in both languages that the type moves no deadline", () => {
  assert.match(load("ru")["appeal_type.hint"], /не меняются/);
  assert.match(load("en")["appeal_type.hint"], /do not change/);
  for (const lang of ["ru", "en"]) {
    assert.ok(load(lang)["rule.appeal.unknown_type"], `${lang} translates the server's refusal`);
  }
});
