// The clients list's filter button: each choice shows exactly the rows with its flag.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import ts from "typescript";

const source = readFileSync(new URL("../src/lib/clientFilter.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
const { CLIENT_FILTERS, passes, isClientFilter } = await import(
  `data:text/javascript;base64,${Buffer.from(js).toString("base64")}`
);

const plain = { myAppeal: false, queued: false, waiting: false, favourite: false, vip: false };

test("all shows everyone; each other filter only its flag", () => {
  assert.ok(passes("all", plain));
  for (const [filter, flag] of [
    ["mine", "myAppeal"],
    ["queued", "queued"],
    ["waiting", "waiting"],
    ["favourite", "favourite"],
    ["vip", "vip"],
  ]) {
    assert.equal(passes(filter, plain), false, filter);
    assert.equal(passes(filter, { ...plain, [flag]: true }), true, filter);
  }
});

test("a row without the waiting flag is not waiting", () => {
  const { waiting: _, ...noWaiting } = plain;
  assert.equal(passes("waiting", noWaiting), false);
});

test("only the known filters are filters, and each has a string in both languages", () => {
  assert.ok(CLIENT_FILTERS.every(isClientFilter));
  assert.equal(isClientFilter("everything"), false);
  for (const lang of ["ru", "en"]) {
    const strings = JSON.parse(
      readFileSync(new URL(`../src/i18n/${lang}.json`, import.meta.url), "utf8"),
    );
    for (const f of CLIENT_FILTERS) {
      assert.ok(strings[`clients.filter.${f}`], `${lang}: clients.filter.${f}`);
    }
    assert.ok(strings["clients.filter"], `${lang}: clients.filter`);
  }
});
