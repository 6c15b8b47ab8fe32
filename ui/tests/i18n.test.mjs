// Every key exists in both languages, and every IPC error code and presence status has a string.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";

const load = (name) => JSON.parse(readFileSync(new URL(`../src/i18n/${name}.json`, import.meta.url)));
const ru = load("ru");
const en = load("en");
// Doc comments may hold any punctuation: drop them before reading the type unions.
const bindings = readFileSync(new URL("../src/bindings.ts", import.meta.url), "utf8").replace(
  /\/\*[\s\S]*?\*\//g,
  "",
);

test("ru and en have the same keys", () => {
  assert.deepEqual(Object.keys(en).sort(), Object.keys(ru).sort());
});

test("no empty translation", () => {
  for (const [lang, dict] of [["ru", ru], ["en", en]]) {
    for (const [key, value] of Object.entries(dict)) {
      assert.ok(value.trim().length > 0, `${lang}:${key} is empty`);
    }
  }
});

function unionMembers(typeName) {
  const match = bindings.match(new RegExp(`export type ${typeName} =([^;]*);`, "s"));
  assert.ok(match, `${typeName} is not in bindings.ts`);
  return [...match[1].matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
}

test("every error code from Rust has a translation", () => {
  const codes = unionMembers("ErrorCode");
  assert.ok(codes.length >= 5);
  for (const code of codes) {
    assert.ok(ru[`error.${code}`], `ru lacks error.${code}`);
    assert.ok(en[`error.${code}`], `en lacks error.${code}`);
  }
});

test("every reason a recording is set aside has a translation", () => {
  const reasons = unionMembers("RecordingAsideReason");
  assert.equal(reasons.length, 9);
  for (const r of reasons) {
    assert.ok(ru[`recording.aside.${r}`] && en[`recording.aside.${r}`], `recording.aside.${r} missing`);
  }
});

test("every presence status has a translation", () => {
  const statuses = unionMembers("PresenceStatus");
  assert.equal(statuses.length, 5);
  for (const s of statuses) {
    assert.ok(ru[`presence.${s}`] && en[`presence.${s}`], `presence.${s} missing`);
  }
});

test("every rule code of the domain (appeals, tickets, routing, call transfer) has a translation", () => {
  // The codes as the domain's `code()` functions name them: a new one fails here until both
  // languages have its `rule.<code>` string.
  const codes = new Set();
  for (const file of ["appeal.rs", "ticket.rs", "routing.rs", "call_transfer.rs"]) {
    const source = readFileSync(new URL(`../../crates/domain/src/${file}`, import.meta.url), "utf8");
    for (const m of source.matchAll(/=>\s*"((?:appeal|ticket|routing|call_transfer)\.[a-z_]+)"/g)) codes.add(m[1]);
  }
  assert.ok(codes.size >= 28, `only ${codes.size} codes found`);
  for (const code of codes) {
    assert.ok(ru[`rule.${code}`], `ru lacks rule.${code}`);
    assert.ok(en[`rule.${code}`], `en lacks rule.${code}`);
  }
});

// Every `.rs` file under `dir` (relative to the repository root), recursively.
function rustSources(dir) {
  const root = new URL(`../../${dir}/`, import.meta.url);
  return readdirSync(root, { recursive: true })
    .filter((f) => f.endsWith(".rs"))
    .map((f) => readFileSync(new URL(f, root), "utf8"));
}

test("every rule code the domain and the line's rules can send has a translation", () => {
  // A rule code is what a refusal carries to the app (`rule` of the error): the domain's
  // `code()` arms and bodies, and the line crate's `RULE_*` constants. A new one fails here
  // until both languages have its `rule.<code>` string.
  const codes = new Set();
  for (const source of rustSources("crates/domain/src")) {
    for (const m of source.matchAll(/(?:=>|&'static str \{)\s*"([a-z_]+\.[a-z_]+)"/g)) codes.add(m[1]);
  }
  for (const source of rustSources("crates/line/src")) {
    for (const m of source.matchAll(/const RULE_[A-Z_]+: &str = "([a-z_]+\.[a-z_]+)"/g)) codes.add(m[1]);
  }
  assert.ok(codes.size >= 60, `only ${codes.size} codes found`);
  const missing = [...codes].filter((c) => !ru[`rule.${c}`] || !en[`rule.${c}`]);
  assert.deepEqual(missing, [], "rule codes without both translations");
});

test("every kind of queued action has a name, for the refusal banner", () => {
  // The kinds the sync turns back into wire actions (`"kind" => Action::...`).
  const kinds = new Set();
  for (const source of rustSources("crates/sync/src")) {
    for (const m of source.matchAll(/^\s*"([a-z_]+\.[a-z_]+)"\s*=>/gm)) kinds.add(m[1]);
  }
  assert.ok(kinds.size >= 15, `only ${kinds.size} kinds found`);
  const missing = [...kinds].filter((k) => !ru[`action.${k}`] || !en[`action.${k}`]);
  assert.deepEqual(missing, [], "action kinds without both translations");
});

test("every error code of the wire has a refusal string", () => {
  // `ErrorCode` of crates/protocol: its variants, snake_cased as serde sends them.
  const source = readFileSync(new URL("../../crates/protocol/src/lib.rs", import.meta.url), "utf8");
  const body = source.match(/pub enum ErrorCode \{([\s\S]*?)\n\}/);
  assert.ok(body, "ErrorCode is not in crates/protocol/src/lib.rs");
  const codes = [...body[1].replace(/\/\/\/.*$/gm, "").matchAll(/^\s*([A-Z][A-Za-z]+),/gm)].map((m) =>
    m[1].replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase(),
  );
  assert.ok(codes.length >= 13, `only ${codes.length} codes found`);
  const missing = codes.filter((c) => !ru[`refusal.${c}`] || !en[`refusal.${c}`]);
  assert.deepEqual(missing, [], "wire error codes without both refusal strings");
});

test("every SIP error code (issue 18) has a translation, as an error and as a call's end", () => {
  const source = readFileSync(new URL("../../crates/sip/src/error.rs", import.meta.url), "utf8");
  const codes = [...source.matchAll(/=>\s*"(sip_[a-z_]+)"/g)].map((m) => m[1]);
  assert.ok(codes.length >= 11, `only ${codes.length} SIP codes found`);
  for (const code of codes) {
    for (const key of [`error.${code}`, `call.reason.${code}`]) {
      assert.ok(ru[key], `ru lacks ${key}`);
      assert.ok(en[key], `en lacks ${key}`);
    }
  }
  // The ends of a PBX call the panel names (`sip_calls/call.rs`, `end_code`).
  const ends = readFileSync(new URL("../../src-tauri/src/sip_calls/call.rs", import.meta.url), "utf8");
  for (const m of ends.matchAll(/CallEnd::\w+(?:\s*\|\s*CallEnd::\w+)*\s*=>\s*"([a-z_]+)"/g)) {
    assert.ok(ru[`call.reason.${m[1]}`] && en[`call.reason.${m[1]}`], `call.reason.${m[1]} missing`);
  }
});
