// The widget's call module (src/widget/call): what it reads from the server, the ICE servers
// it takes, and a ru and an en string for every state it can be in. The call itself runs in
// real Chromium: crates/client-sim/tests/browser_call.rs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import ts from "typescript";

/** The module as a data: URL, its relative imports (`./x.js`) loaded the same way. */
function moduleUrl(name) {
  const source = readFileSync(new URL(`../src/widget/call/${name}.ts`, import.meta.url), "utf8");
  const js = ts
    .transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    })
    .outputText.replace(/from "\.\/([a-z]+)\.js"/g, (_, dep) => `from "${moduleUrl(dep)}"`);
  return `data:text/javascript;base64,${Buffer.from(js).toString("base64")}`;
}

async function load(name) {
  return import(moduleUrl(name));
}

const { callFrame } = await load("frames");
const { parseIceServers } = await load("ice");
const { callMessageKey } = await load("strings");
const { qualityFromStats } = await load("quality");
// The call's strings live in the widget's own dictionaries (one per language).
const dictionary = (lang) => JSON.parse(readFileSync(new URL(`../src/widget/${lang}.json`, import.meta.url)));
const callStrings = (dict) => Object.fromEntries(Object.entries(dict).filter(([key]) => key.startsWith("call.")));
const strings = { en: callStrings(dictionary("en")), ru: callStrings(dictionary("ru")) };

test("the call's events and signals are read", () => {
  assert.deepEqual(
    callFrame({
      type: "event",
      line: 1,
      seq: 9,
      at_ms: 0,
      event: { kind: "call_ringing", call: 3, appeal: 4, client: 2, specialist: null, from: "client", key: "k1" },
    }),
    { type: "ringing", call: 3, key: "k1", specialist: null, from: "client" },
  );
  // A specialist's call to this client.
  assert.deepEqual(
    callFrame({
      type: "event",
      event: { kind: "call_ringing", call: 5, appeal: 4, client: 2, specialist: 7, from: "specialist" },
    }),
    { type: "ringing", call: 5, key: null, specialist: 7, from: "specialist" },
  );
  assert.deepEqual(callFrame({ type: "event", event: { kind: "call_connected", call: 3 } }), {
    type: "connected",
    call: 3,
  });
  assert.deepEqual(
    callFrame({ type: "event", event: { kind: "call_ended", call: 3, by: "specialist", reason: "hung_up" } }),
    { type: "ended", call: 3, reason: "hung_up", by: "specialist" },
  );
  assert.deepEqual(
    callFrame({ type: "signal", call: 3, from: "specialist", payload: { kind: "answer", sdp: "v=0" } }),
    { type: "signal", call: 3, payload: { kind: "answer", sdp: "v=0" } },
  );
  assert.deepEqual(callFrame({ type: "ack", key: "k1", duplicate: false }), { type: "ack", key: "k1" });
  // A transfer: the call goes on with a colleague on call `leg`.
  assert.deepEqual(
    callFrame({ type: "event", event: { kind: "call_transferred", call: 3, leg: 4, appeal: 1, client: 2, from: 5, to: 6 } }),
    { type: "transferred", call: 3, leg: 4 },
  );
  assert.deepEqual(
    callFrame({ type: "event", event: { kind: "call_ended", call: 3, by: "specialist", reason: "transferred" } }),
    { type: "ended", call: 3, reason: "transferred", by: "specialist" },
  );
});

test("malformed or foreign frames are ignored", () => {
  const signal = (payload) => callFrame({ type: "signal", call: 3, payload });
  assert.equal(signal({ kind: "answer", sdp: "x".repeat(16 * 1024 + 1) }), null);
  assert.equal(signal({ kind: "candidate", candidate: 7 }), null);
  assert.equal(signal({ kind: "candidate", candidate: "candidate:1", sdp_mline_index: -1 }), null);
  assert.equal(signal({ kind: "renegotiate" }), null);
  assert.equal(callFrame({ type: "signal", call: -1, payload: { kind: "hold", on: true } }), null);
  assert.equal(callFrame({ type: "event", event: { kind: "message_posted", client: 1 } }), null);
  assert.equal(callFrame({ type: "event", event: { kind: "call_connected", call: "3" } }), null);
  assert.equal(callFrame({ type: "welcome" }), null);
  assert.equal(callFrame({ type: "event", event: { kind: "call_transferred", call: 3, leg: "4" } }), null);
});

test("ICE servers: STUN and TURN with credentials kept, anything else dropped", () => {
  assert.deepEqual(
    parseIceServers([
      { urls: "stun:stun.example.org:3478" },
      { urls: ["turn:turn.example.org:3478?transport=udp"], username: "1700000000:c1", credential: "secret" },
      { urls: "javascript:alert(1)" },
      { urls: [] },
      "turn:x",
    ]),
    [
      { urls: ["stun:stun.example.org:3478"] },
      { urls: ["turn:turn.example.org:3478?transport=udp"], username: "1700000000:c1", credential: "secret" },
    ],
  );
  assert.deepEqual(parseIceServers({ error: "not found" }), []);
});

test("ru and en have the same call strings, none empty", () => {
  assert.deepEqual(Object.keys(strings.en).sort(), Object.keys(strings.ru).sort());
  for (const lang of ["en", "ru"]) {
    for (const [key, value] of Object.entries(strings[lang])) assert.ok(value.trim(), `${lang}:${key}`);
  }
});

test("every state of a call has a string", () => {
  const base = {
    call: 1, ringsSpecialist: true, muted: false, reason: null, endedBy: null, error: null, missed: false, linkLost: false,
  };
  const states = [
    ...["starting", "ringing", "connecting", "connected", "on_hold", "reconnecting", "ended"].map((phase) => ({ ...base, phase })),
    { ...base, phase: "ringing", ringsSpecialist: false },
    ...["hung_up", "cancelled", "declined", "no_answer", "failed"].map((reason) => ({ ...base, phase: "ended", reason })),
    ...["microphone_denied", "no_microphone", "unsupported", "media_failed", "link_lost", "server_conflict",
      "server_too_long"].map(
      (error) => ({ ...base, phase: "ended", reason: "failed", error }),
    ),
  ];
  for (const state of states) {
    const key = callMessageKey(state);
    assert.ok(key in strings.en, `${JSON.stringify(state)} -> ${key}`);
  }
});

test("the browser's figures of a call, as the engine reports its own", () => {
  const report = [
    { type: "inbound-rtp", kind: "audio", packetsReceived: 980, packetsLost: 20, packetsDiscarded: 10, jitter: 0.0123,
      jitterBufferDelay: 40, jitterBufferEmittedCount: 1000 },
    { type: "outbound-rtp", kind: "audio", packetsSent: 1000 },
    { type: "remote-inbound-rtp", kind: "audio", packetsLost: 5, jitter: 0.004, roundTripTime: 0.0215 },
    { type: "transport", selectedCandidatePairId: "p1" },
    { type: "candidate-pair", id: "p1", currentRoundTripTime: 0.5 },
  ];
  assert.deepEqual(qualityFromStats(report, 20_000.4), {
    duration_ms: 20_000, packets_sent: 1000, packets_received: 980, loss_permille: 20, late_permille: 10,
    jitter_ms: 12, buffer_ms: 40, rtt_ms: 22, mos_centi: 0, far_loss_permille: 5, far_jitter_ms: 4,
  });
  // No RTCP report yet: the STUN round trip, and no far side.
  const early = qualityFromStats(report.filter((s) => s.type !== "remote-inbound-rtp"), 1000);
  assert.equal(early.rtt_ms, 500);
  assert.equal(early.far_loss_permille, undefined);
  // Nothing received: nothing to report; duplicates (negative loss) count as none.
  assert.equal(qualityFromStats([{ type: "outbound-rtp", kind: "audio", packetsSent: 3 }], 1000), null);
  const dup = qualityFromStats([{ type: "inbound-rtp", kind: "audio", packetsReceived: 10, packetsLost: -2 }], 1000);
  assert.equal(dup.loss_permille, 0);
});

/** A fake CallLink: frames are handed in with `deliver`, what is sent is kept. */
function fakeLink() {
  const listeners = new Set();
  const sent = [];
  return {
    sent,
    send: (frame) => sent.push(frame),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    deliver: (frame) => [...listeners].forEach((l) => l(frame)),
  };
}

const { IncomingCalls } = await load("incoming");
const ringEvent = (call, from = "specialist") => ({
  type: "event",
  event: { kind: "call_ringing", call, appeal: 1, client: 2, specialist: 7, from },
});
const offer = (call, sdp = "v=0 offer") => ({ type: "signal", call, payload: { kind: "offer", sdp } });
const candidate = (call) => ({ type: "signal", call, payload: { kind: "candidate", candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host" } });

test("a specialist's call rings once its event and its offer are here, and is picked up with its signals", () => {
  const link = fakeLink();
  const seen = [];
  const rings = new IncomingCalls(link, (incoming) => seen.push(incoming?.call ?? null));
  // The client's own call and a call whose offer never came (a page opened after it was
  // placed) do not ring.
  link.deliver(ringEvent(3, "client"));
  link.deliver(ringEvent(4));
  assert.deepEqual(seen, []);
  // A candidate before any offer is not kept; the offer, then a candidate, make it ring.
  link.deliver(candidate(5));
  link.deliver(offer(5));
  assert.deepEqual(seen, []);
  link.deliver(ringEvent(5));
  link.deliver(candidate(5));
  assert.deepEqual(seen, [5]);
  const signals = rings.take(5);
  assert.deepEqual(
    signals.map((s) => s.kind),
    ["offer", "candidate"],
  );
  assert.deepEqual(seen, [5, null]);
  // Its later signals are the call's, not the ring's: nothing rings again.
  link.deliver(offer(5, "v=0 restart"));
  assert.deepEqual(seen, [5, null]);
  assert.equal(rings.current(), null);
  rings.stop();
});

test("a ring stops when the call is picked up elsewhere or ends, and a declined one is hung up", () => {
  const link = fakeLink();
  const seen = [];
  const rings = new IncomingCalls(link, (incoming) => seen.push(incoming?.call ?? null));
  link.deliver(ringEvent(8));
  link.deliver(offer(8));
  link.deliver({ type: "event", event: { kind: "call_connected", call: 8 } });
  assert.deepEqual(seen, [8, null]);
  link.deliver(ringEvent(9));
  link.deliver(offer(9));
  link.deliver({ type: "event", event: { kind: "call_ended", call: 9, by: "specialist", reason: "cancelled" } });
  assert.deepEqual(seen, [8, null, 9, null]);
  // A replayed ring whose end is replayed too never rings, even if an offer of it came.
  link.deliver(ringEvent(10));
  link.deliver({ type: "event", event: { kind: "call_ended", call: 10, by: "specialist", reason: "no_answer" } });
  link.deliver(offer(10));
  assert.deepEqual(seen, [8, null, 9, null]);
  link.deliver(ringEvent(11));
  link.deliver(offer(11));
  rings.decline(11);
  assert.deepEqual(seen, [8, null, 9, null, 11, null]);
  assert.equal(link.sent.length, 1);
  assert.equal(link.sent[0].type, "submit");
  assert.deepEqual(link.sent[0].action, { kind: "hang_up", call: 11, reason: "declined" });
  rings.stop();
});

test("what is kept for calls not yet rung is bounded", () => {
  const link = fakeLink();
  const rings = new IncomingCalls(link, () => {});
  for (let call = 100; call < 200; call += 1) link.deliver(offer(call));
  for (let i = 0; i < 500; i += 1) link.deliver(candidate(199));
  link.deliver(ringEvent(199));
  assert.equal(rings.current()?.call, 199);
  assert.ok(rings.current().signals.length <= 64);
  // An early call's offer was let go.
  link.deliver(ringEvent(100));
  assert.equal(rings.current()?.call, 199);
  rings.take(199);
  assert.equal(rings.current(), null);
  rings.stop();
});

test("the strings of a specialist's call to the client", () => {
  const base = { phase: "ended", call: 1, ringsSpecialist: false, muted: false, error: null, missed: false, linkLost: false };
  assert.equal(callMessageKey({ ...base, reason: "declined", endedBy: "client" }), "call.reason.declined_by_you");
  assert.equal(callMessageKey({ ...base, reason: "cancelled", endedBy: "specialist" }), "call.reason.cancelled_by_specialist");
  for (const key of ["call.incoming", "call.accept", "call.decline", "call.reason.declined_by_you", "call.reason.cancelled_by_specialist"]) {
    assert.ok(strings.en[key] && strings.ru[key], key);
  }
});
