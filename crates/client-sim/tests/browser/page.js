// The test page of tests/browser/call.mjs: a client's widget reduced to the call button.
// It signs in, keeps the WebSocket (the `CallLink` the call module borrows), starts the call
// on a click and records, on one WebAudio clock, its own microphone (channel 0) and what it
// receives (channel 1).

import { startCall, callMessageKey, requestCallBack } from "/call/index.js";

// Every peer connection the page makes, for `inboundAudio` (the call module keeps its own).
const peers = [];
const NativePeerConnection = window.RTCPeerConnection;
window.RTCPeerConnection = class extends NativePeerConnection {
  constructor(...args) {
    super(...args);
    peers.push(this);
  }
};

let link = null;
let session = null;
let handle = null;
const recorder = { said: [], heard: [], startEpochMs: null, ctx: null, merger: null };

window.signIn = async (login, password) => {
  const answer = await fetch("/api/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ login, password }),
  });
  if (!answer.ok) throw new Error(`login: ${answer.status}`);
  const { token } = await answer.json();
  const ws = new WebSocket(`ws://${location.host}/api/ws`);
  const listeners = new Set();
  ws.onmessage = (m) => {
    const frame = JSON.parse(m.data);
    for (const l of [...listeners]) l(frame);
  };
  await new Promise((ok, fail) => {
    ws.onopen = ok;
    ws.onerror = fail;
  });
  link = {
    send: (frame) => ws.send(JSON.stringify(frame)),
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  const welcome = await new Promise((ok, fail) => {
    const off = link.subscribe((f) => {
      if (f.type === "welcome") {
        off();
        ok(f);
      } else if (f.type === "error") {
        off();
        fail(new Error(f.message));
      }
    });
    link.send({ type: "hello", version: 1, token });
  });
  const line = welcome.lines[0];
  await new Promise((ok) => {
    const off = link.subscribe((f) => {
      if (f.type === "caught_up") {
        off();
        ok();
      }
    });
    link.send({ type: "subscribe", line, after: 0 });
  });
  session = { token, line, client: welcome.id };
};

/** Record both directions from now on (48 kHz), with the Unix time of the first sample. */
function startRecording() {
  const ctx = new AudioContext({ sampleRate: 48000 });
  const merger = ctx.createChannelMerger(2);
  const size = 256;
  const proc = ctx.createScriptProcessor(size, 2, 2);
  proc.onaudioprocess = (e) => {
    if (recorder.startEpochMs === null) {
      // The input block precedes the output block it is processed for by one buffer.
      const ts = ctx.getOutputTimestamp();
      const at = e.playbackTime - size / ctx.sampleRate;
      recorder.startEpochMs = performance.timeOrigin + ts.performanceTime + (at - ts.contextTime) * 1000;
    }
    recorder.said.push(new Float32Array(e.inputBuffer.getChannelData(0)));
    recorder.heard.push(new Float32Array(e.inputBuffer.getChannelData(1)));
  };
  merger.connect(proc);
  proc.connect(ctx.destination);
  recorder.ctx = ctx;
  recorder.merger = merger;
}

function tap(stream, channel) {
  if (!stream || !recorder.ctx) return;
  recorder.ctx.createMediaStreamSource(stream).connect(recorder.merger, 0, channel);
}

const states = [];
let tapped = { said: false, heard: false };

document.getElementById("call").addEventListener("click", () => {
  startRecording();
  handle = startCall(link, { line: session.line, token: session.token, ringTimeoutMs: window.ringTimeoutMs });
  handle.onState((state) => {
    states.push({ at: performance.now(), phase: state.phase, reason: state.reason, error: state.error });
    document.getElementById("state").textContent = callMessageKey(state);
    if (!tapped.said && handle?.localStream) {
      tapped.said = true;
      tap(handle.localStream, 0);
    }
    if (!tapped.heard && handle?.remoteStream) {
      tapped.heard = true;
      tap(handle.remoteStream, 1);
    }
  });
});
document.getElementById("mute").addEventListener("click", () => handle?.mute(!handle.state.muted));
document.getElementById("hangup").addEventListener("click", () => handle?.hangUp());
document.getElementById("callback").addEventListener("click", async () => {
  const refused = await requestCallBack(link, session.line);
  window.callBackResult = refused ?? "requested";
  document.getElementById("state").textContent = refused ?? "call.callBack.sent";
});

window.callPhase = () => handle?.state.phase ?? "none";
window.callState = () => handle?.state ?? null;

/** The received audio so far (the call's `inbound-rtp` statistics), or null before a call. */
window.inboundAudio = async () => {
  const pc = peers.at(-1);
  if (!pc) return null;
  for (const s of (await pc.getStats()).values()) {
    if (s.type === "inbound-rtp" && s.kind === "audio") {
      return {
        packetsReceived: s.packetsReceived ?? 0,
        bytesReceived: s.bytesReceived ?? 0,
        totalAudioEnergy: s.totalAudioEnergy ?? 0,
        totalSamplesDuration: s.totalSamplesDuration ?? 0,
      };
    }
  }
  return null;
};

function joined(chunks) {
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
}

window.finishRecording = async () => {
  await recorder.ctx?.close();
  const t = handle.timings;
  const since = (v) => (v === undefined ? null : v - t.started);
  return {
    recordingStartEpochMs: recorder.startEpochMs,
    startedEpochMs: performance.timeOrigin + t.started,
    client: session.client,
    timings: {
      ringingMs: since(t.ringing),
      answeredMs: since(t.answered),
      mediaMs: since(t.media),
      firstAudioMs: since(t.firstAudio),
      endedMs: since(t.ended),
    },
    states: states.map((s) => ({ ...s, at: s.at - t.started })),
    call: handle.state.call,
    said: joined(recorder.said),
    heard: joined(recorder.heard),
  };
};
