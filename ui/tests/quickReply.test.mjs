// Quick-reply variables and how a reply joins the draft.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import ts from "typescript";

const source = readFileSync(new URL("../src/lib/quickReply.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
const { fillReply, appendToDraft } = await import(
  `data:text/javascript;base64,${Buffer.from(js).toString("base64")}`
);

test("variables are filled, others left alone", () => {
  const ctx = { client: "Иванова Мария Петровна", appeal: 42, specialist: "Анна" };
  assert.equal(
    fillReply("Здравствуйте, {client}! Я {specialist}, обращение {appeal}. {other}", ctx),
    "Здравствуйте, Иванова Мария Петровна! Я Анна, обращение 42. {other}",
  );
  assert.equal(fillReply("№{appeal}", { ...ctx, appeal: null }), "№—");
});

test("a reply joins the draft after one space", () => {
  assert.equal(appendToDraft("", "Добрый день"), "Добрый день");
  assert.equal(appendToDraft("Привет  \n", "и ещё"), "Привет и ещё");
});
