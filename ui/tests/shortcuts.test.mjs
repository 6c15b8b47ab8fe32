// Shortcuts: every action has a key and a translation; "next appeal" cycles mine, then queued.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import ts from "typescript";

const source = readFileSync(new URL("../src/lib/shortcuts.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
const { SHORTCUTS, shortcutFor, nextAppeal, callKeyApplies } = await import(
  `data:text/javascript;base64,${Buffer.from(js).toString("base64")}`
);
const load = (name) => JSON.parse(readFileSync(new URL(`../src/i18n/${name}.json`, import.meta.url)));

test("each shortcut is described in both languages and keys are unique", () => {
  const keys = new Set();
  for (const s of SHORTCUTS) {
    for (const lang of ["ru", "en"]) {
      assert.ok(load(lang)[`shortcut.${s.action}`], `${lang}: shortcut.${s.action}`);
    }
    assert.ok(!keys.has(s.keys), s.keys);
    keys.add(s.keys);
  }
});

test("keys map to actions, other keys to nothing", () => {
  assert.equal(shortcutFor({ key: "n", altKey: true, ctrlKey: false, metaKey: false }), "next-appeal");
  assert.equal(shortcutFor({ key: "N", altKey: true, ctrlKey: false, metaKey: false }), "next-appeal");
  assert.equal(shortcutFor({ key: "n", altKey: false, ctrlKey: false, metaKey: false }), null);
  assert.equal(shortcutFor({ key: "F1", altKey: false, ctrlKey: false, metaKey: false }), "help");
});

test("next appeal goes through mine, then the queue, and wraps", () => {
  const clients = [
    { id: 1, myAppeal: false, queued: false },
    { id: 2, myAppeal: true, queued: false },
    { id: 3, myAppeal: false, queued: true },
    { id: 4, myAppeal: true, queued: false },
  ];
  assert.equal(nextAppeal(clients, null).id, 2);
  assert.equal(nextAppeal(clients, 2).id, 4);
  assert.equal(nextAppeal(clients, 4).id, 3);
  assert.equal(nextAppeal(clients, 3).id, 2);
  assert.equal(nextAppeal([clients[0]], null), null);
});

test("mute and hold have keys that act only while the call is up", () => {
  const mute = shortcutFor({ key: "m", altKey: true, ctrlKey: false, metaKey: false });
  const hold = shortcutFor({ key: "o", altKey: true, ctrlKey: false, metaKey: false });
  assert.equal(mute, "mute");
  assert.equal(hold, "hold");
  for (const state of ["connected", "on_hold", "reconnecting"]) {
    assert.ok(callKeyApplies(mute, state) && callKeyApplies(hold, state), state);
  }
  for (const state of ["idle", "ringing_in", "ringing_out", "connecting", "ended"]) {
    assert.ok(!callKeyApplies(mute, state) && !callKeyApplies(hold, state), state);
  }
  assert.ok(!callKeyApplies("help", "connected"), "other keys are not the call's");
});
