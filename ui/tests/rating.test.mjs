// The rating's stars in the chat's timeline.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import ts from "typescript";

const source = readFileSync(new URL("../src/lib/rating.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
const { starGlyphs } = await import(`data:text/javascript;base64,${Buffer.from(js).toString("base64")}`);

test("the score is filled, the rest empty", () => {
  assert.equal(starGlyphs("4"), "★★★★☆");
  assert.equal(starGlyphs("5"), "★★★★★");
  assert.equal(starGlyphs("1"), "★☆☆☆☆");
});

test("what is not a score of 1 to 5 never draws more than five", () => {
  assert.equal(starGlyphs("9"), "★★★★★");
  assert.equal(starGlyphs("-3"), "☆☆☆☆☆");
  assert.equal(starGlyphs("<b>"), "☆☆☆☆☆");
});
