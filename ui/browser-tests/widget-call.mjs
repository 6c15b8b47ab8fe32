// The browser half of crates/client-sim/tests/browser_call.rs's widget scenarios: real Chromium
// (Debian's, through harness.mjs) opens the widget's own page served by the line server, a
// client signs in with the form and presses the call button; the specialist's side (the
// engine) is the Rust test's. Nothing of the widget is replaced: the page is recorded from
// outside through an init script that taps the page's microphone and the received audio
// (WebAudio, 48 kHz, one clock) and keeps the page's RTCPeerConnection for its statistics.
//
//   node browser-tests/widget-call.mjs --url <server>/widget/?line=N[&ice=relay]
//        --wav <speech.wav> --out <dir> --login <client> --password <password> --talk-ms <ms>
//        [--drop-link 1] [--break-relay 1] [--turn-tcp-only 1] [--turns-only <cert.pem>]
//        [--answer 1|decline]
//
// Once connected it talks for --talk-ms, reads the selected candidate pair, hangs up with the
// widget's button and writes <out>/browser-said.wav, <out>/browser-heard.wav and
// <out>/browser.json (the recording's start in Unix ms, the phases the widget showed with its
// texts, the candidate pair's local and remote types, the click-to-connected time, and the
// call statistics the widget submitted after the hang-up with the server's answer to each).
// `--drop-link 1`: once connected, the page's WebSocket is closed under the widget (as a
// network blip would); the widget must say so, reconnect, and the call go on.
// `--break-relay 1`: once connected it prints BREAK (the Rust test kills coturn), waits for the
// widget's `reconnecting`, prints RESUME (coturn is started again) and waits for `connected`
// (the widget's ICE restart), then prints BACK and talks; the call must not end meanwhile.
// `--answer 1`: the specialist calls the client instead: once signed in and online the page
// prints READY (the Rust test's engine then places the call), waits for the widget's ring,
// keeps its text, and clicks Accept; the rest is the same (talk, hang up, statistics).
// `--answer decline`: the same ring, declined: once the ring is gone it writes browser.json
// (`incoming`, `ringGone`) and prints DONE.
// `--turns-only <cert.pem>`: as `--turn-tcp-only`, keeping only the `turns:` URLs (TURN over
// TLS); Chromium trusts the TURN server's test certificate `cert.pem` by its public key
// (`--ignore-certificate-errors-spki-list`, that one key only: any other certificate is still
// checked).
// `--turn-tcp-only 1`: the page is a client whose network lets no UDP out: of the line's ICE
// servers (`GET /api/ice`, answered by the real server) it keeps only the
// `turn:...?transport=tcp` URLs, so with `?ice=relay` Chromium must relay over TCP to coturn.

import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { launchBrowser, signIn } from "./harness.mjs";

function options() {
  const out = {};
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i += 2) {
    if (!args[i].startsWith("--") || args[i + 1] === undefined) throw new Error(`bad argument ${args[i]}`);
    out[args[i].slice(2)] = args[i + 1];
  }
  for (const need of ["url", "wav", "out", "login", "password", "talk-ms"]) {
    if (!out[need]) throw new Error(`--${need} is needed`);
  }
  return out;
}

/** Runs in the page before its own scripts: taps the media and keeps the peer connections. */
function tapMedia() {
  const rec = {
    said: [], heard: [], startEpochMs: null, ctx: null, merger: null, pcs: [], phases: [], sockets: [], notes: [], stats: [],
    tones: [],
  };
  window.__rec = rec;
  // The widget's ring tone: an oscillator started, and its context closed when it stops.
  const oscillatorStart = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) {
    rec.tones.push({ what: "start", hz: this.frequency.value });
    this.context.__ringtone = true;
    return oscillatorStart.apply(this, args);
  };
  const contextClose = AudioContext.prototype.close;
  AudioContext.prototype.close = function () {
    if (this.__ringtone) rec.tones.push({ what: "stop" });
    return contextClose.apply(this);
  };
  const ensure = () => {
    if (rec.ctx) return;
    const ctx = new AudioContext({ sampleRate: 48000 });
    const merger = ctx.createChannelMerger(2);
    const size = 256;
    const proc = ctx.createScriptProcessor(size, 2, 2);
    proc.onaudioprocess = (e) => {
      if (rec.startEpochMs === null) {
        const ts = ctx.getOutputTimestamp();
        const at = e.playbackTime - size / ctx.sampleRate;
        rec.startEpochMs = performance.timeOrigin + ts.performanceTime + (at - ts.contextTime) * 1000;
      }
      rec.said.push(new Float32Array(e.inputBuffer.getChannelData(0)));
      rec.heard.push(new Float32Array(e.inputBuffer.getChannelData(1)));
    };
    merger.connect(proc);
    proc.connect(ctx.destination);
    rec.ctx = ctx;
    rec.merger = merger;
  };
  const tap = (stream, channel) => {
    ensure();
    rec.ctx.createMediaStreamSource(stream).connect(rec.merger, 0, channel);
  };
  const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const stream = await getUserMedia(constraints);
    tap(stream, 0);
    return stream;
  };
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      rec.pcs.push({ pc: this, config: args[0] ?? {} });
      this.addEventListener("track", (e) => tap(new MediaStream([e.track]), 1));
    }
  };
  const NativeSocket = window.WebSocket;
  // The call's statistics the widget submits (`call_stats`) and the server's answer to each.
  const frame = (data) => {
    try {
      return typeof data === "string" ? JSON.parse(data) : null;
    } catch {
      return null;
    }
  };
  window.WebSocket = class extends NativeSocket {
    constructor(...args) {
      super(...args);
      rec.sockets.push(this);
      this.addEventListener("message", (e) => {
        const f = frame(e.data);
        const sent = f && rec.stats.find((s) => s.key === f.key);
        if (sent && f.type === "ack") sent.answer = "ack";
        if (sent && f.type === "error") sent.answer = `error ${f.code}: ${f.message}`;
      });
    }
    send(data) {
      const f = frame(data);
      if (f?.type === "submit" && f.action?.kind === "call_stats") {
        rec.stats.push({ key: f.key, call: f.action.call, quality: f.action.quality, answer: null });
      }
      return super.send(data);
    }
  };
  // The phases the widget shows, with their text, as they change; the call's notes seen.
  new MutationObserver(() => {
    for (const note of document.querySelectorAll("[data-call-note]")) {
      const name = note.getAttribute("data-call-note");
      if (!rec.notes.includes(name)) rec.notes.push(name);
    }
    const el = document.querySelector("[data-call-phase]");
    const phase = el?.getAttribute("data-call-phase");
    const last = rec.phases[rec.phases.length - 1];
    if (!phase || (last && last.phase === phase)) return;
    rec.phases.push({ phase, text: document.querySelector(".call-state")?.textContent?.trim() ?? "", at: performance.now() });
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-call-phase"] });
}

/** What the page recorded, as base64 float32, and the selected candidate pair. */
function finish() {
  const rec = window.__rec;
  const joined = (chunks) => {
    const all = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    let text = "";
    const bytes = new Uint8Array(all.buffer);
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(text);
  };
  return rec.ctx.close().then(() => ({
    recordingStartEpochMs: rec.startEpochMs,
    said: joined(rec.said),
    heard: joined(rec.heard),
  }));
}

async function selectedPair() {
  const rec = window.__rec;
  const entry = rec.pcs[rec.pcs.length - 1];
  if (!entry) return null;
  const stats = await entry.pc.getStats();
  let pair = null;
  stats.forEach((s) => {
    if (s.type === "transport" && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
  });
  if (!pair) stats.forEach((s) => {
    if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded") pair = s;
  });
  if (!pair) return null;
  return {
    localRelayProtocol: stats.get(pair.localCandidateId)?.relayProtocol ?? null,
    local: stats.get(pair.localCandidateId)?.candidateType ?? null,
    remote: stats.get(pair.remoteCandidateId)?.candidateType ?? null,
    iceTransportPolicy: entry.config.iceTransportPolicy ?? "all",
  };
}

function wav(samples) {
  const data = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(s * 32767))), i * 2));
  const head = Buffer.alloc(44);
  head.write("RIFF", 0);
  head.writeUInt32LE(36 + data.length, 4);
  head.write("WAVEfmt ", 8);
  head.writeUInt32LE(16, 16);
  head.writeUInt16LE(1, 20);
  head.writeUInt16LE(1, 22);
  head.writeUInt32LE(48000, 24);
  head.writeUInt32LE(96000, 28);
  head.writeUInt16LE(2, 32);
  head.writeUInt16LE(16, 34);
  head.write("data", 36);
  head.writeUInt32LE(data.length, 40);
  return Buffer.concat([head, data]);
}

const fromBase64 = (b64) => {
  const bytes = Buffer.from(b64, "base64");
  return Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
};

async function main() {
  const opts = options();
  const trust = [];
  if (opts["turns-only"]) {
    const spki = new crypto.X509Certificate(fs.readFileSync(opts["turns-only"])).publicKey.export({ type: "spki", format: "der" });
    trust.push(`--ignore-certificate-errors-spki-list=${crypto.createHash("sha256").update(spki).digest("base64")}`);
  }
  const browser = await launchBrowser([
    ...trust,
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    `--use-file-for-fake-audio-capture=${path.resolve(opts.wav)}`,
    "--autoplay-policy=no-user-gesture-required",
  ]);
  try {
    const context = await browser.newContext();
    await context.addInitScript(tapMedia);
    const page = await context.newPage();
    page.on("console", (m) => console.log(`page: ${m.text()}`));
    page.on("pageerror", (e) => console.log(`page error: ${e.message}`));
    if (opts["turn-tcp-only"] || opts["turns-only"]) {
      const keep = opts["turns-only"] ? (u) => u.startsWith("turns:") : (u) => u.includes("transport=tcp");
      await page.route("**/api/ice", async (route) => {
        const response = await route.fetch();
        const servers = (await response.json())
          .map((s) => ({ ...s, urls: [s.urls].flat().filter(keep) }))
          .filter((s) => s.urls.length > 0);
        console.log(`ICE servers kept: ${JSON.stringify(servers.map((s) => s.urls))}`);
        await route.fulfill({ response, json: servers });
      });
    }
    await page.goto(opts.url);
    await signIn(page, { login: opts.login, password: opts.password });
    console.log("SIGNED-IN");
    let incoming = null;
    if (opts.answer) {
      console.log("READY");
      await page.waitForSelector("[data-action=accept]", { timeout: 30_000 });
      incoming = {
        text: (await page.textContent("[data-call-incoming] span"))?.trim() ?? null,
        call: Number(await page.getAttribute("[data-call-incoming]", "data-call-incoming")),
      };
      console.log(`RINGS ${JSON.stringify(incoming)}`);
      if (opts.answer === "decline") {
        await page.click("[data-action=decline]");
        await page.waitForSelector("[data-call-incoming]", { state: "detached", timeout: 10_000 });
        const result = {
          incoming,
          ringGone: true,
          phase: await page.getAttribute("[data-call-phase]", "data-call-phase"),
          tones: await page.evaluate(() => window.__rec.tones),
        };
        fs.writeFileSync(path.join(opts.out, "browser.json"), JSON.stringify(result, null, 1));
        console.log(`DONE ${JSON.stringify(result)}`);
        return;
      }
    }
    const clicked = Date.now();
    await page.click(opts.answer ? "[data-action=accept]" : "[data-action=call]");
    await page.waitForSelector("[data-call-phase=connected], [data-call-phase=ended]", { timeout: 40_000 });
    const phase = await page.getAttribute("[data-call-phase]", "data-call-phase");
    if (phase !== "connected") {
      const text = await page.textContent(".call-state");
      throw new Error(`the call ended before it connected: ${text}`);
    }
    const connectedMs = Date.now() - clicked;
    console.log(`CONNECTED ${connectedMs}`);
    let linkDropped = null;
    if (opts["drop-link"]) {
      const dropped = Date.now();
      await page.evaluate(() => window.__rec.sockets.forEach((s) => s.close()));
      await page.waitForSelector("[data-status=offline]", { timeout: 5_000 });
      await page.waitForSelector("[data-status=online]", { timeout: 20_000 });
      linkDropped = {
        notes: await page.evaluate(() => window.__rec.notes),
        phase: await page.getAttribute("[data-call-phase]", "data-call-phase"),
        backMs: Date.now() - dropped,
      };
      console.log(`LINK ${JSON.stringify(linkDropped)}`);
    }
    let relayBreak = null;
    if (opts["break-relay"]) {
      const broken = Date.now();
      console.log("BREAK");
      await page.waitForSelector("[data-call-phase=reconnecting], [data-call-phase=ended]", { timeout: 30_000 });
      const reconnectingText = (await page.textContent(".call-state"))?.trim() ?? null;
      if ((await page.getAttribute("[data-call-phase]", "data-call-phase")) !== "reconnecting") {
        throw new Error(`the call ended instead of reconnecting: ${reconnectingText}`);
      }
      const reconnectingMs = Date.now() - broken;
      console.log("RESUME");
      await page.waitForSelector("[data-call-phase=connected], [data-call-phase=ended]", { timeout: 30_000 });
      if ((await page.getAttribute("[data-call-phase]", "data-call-phase")) !== "connected") {
        throw new Error(`the call ended instead of reconnecting: ${await page.textContent(".call-state")}`);
      }
      relayBreak = { reconnectingText, reconnectingMs, backMs: Date.now() - broken, backEpochMs: Date.now() };
      console.log(`BACK ${JSON.stringify(relayBreak)}`);
    }
    await page.waitForTimeout(Number(opts["talk-ms"]));
    const pair = await page.evaluate(selectedPair);
    await page.click("[data-action=hangup]");
    await page.waitForSelector("[data-call-phase=ended]", { timeout: 10_000 });
    const endedText = await page.textContent(".call-state");
    // The widget reports what it measured once the call ended; the server answers it.
    await page.waitForFunction(() => window.__rec.stats.some((s) => s.answer !== null), null, { timeout: 10_000 });
    const stats = await page.evaluate(() => window.__rec.stats);
    const recorded = await page.evaluate(finish);
    const phases = await page.evaluate(() => window.__rec.phases.map((p) => ({ phase: p.phase, text: p.text })));
    fs.writeFileSync(path.join(opts.out, "browser-said.wav"), wav(fromBase64(recorded.said)));
    fs.writeFileSync(path.join(opts.out, "browser-heard.wav"), wav(fromBase64(recorded.heard)));
    const result = {
      recordingStartEpochMs: recorded.recordingStartEpochMs,
      connectedMs,
      pair,
      phases,
      endedText: endedText?.trim() ?? null,
      linkDropped,
      relayBreak,
      incoming,
      tones: await page.evaluate(() => window.__rec.tones),
      stats,
    };
    fs.writeFileSync(path.join(opts.out, "browser.json"), JSON.stringify(result, null, 1));
    console.log(`DONE ${JSON.stringify({ connectedMs, pair })}`);
  } finally {
    await browser.close();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`widget-call.mjs: ${e?.stack ?? e}`);
    process.exit(1);
  },
);
