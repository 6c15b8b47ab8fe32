// One audio call from the browser to the client's line, with the browser's own WebRTC stack.
//
// The same steps as `linedesk-client-sim call` (crates/client-sim/src/call.rs):
//   click -> microphone (getUserMedia) and ICE servers (GET /api/ice)
//         -> PlaceCall{line, client: null} -> CallRinging (ours: the key we sent)
//         -> a specialist picks up: CallConnected -> our SDP offer, then trickled candidates
//         <- the engine's answer and candidates (ServerFrame::Signal) -> media -> talk
//   hang-up: HangUp{cancelled} while it rings, HangUp{hung_up} once answered; the other side's
//   HangUp arrives as CallEnded. Nobody picking up within `ringTimeoutMs`: HangUp{no_answer},
//   and the state says the call was missed (it waits on the client's appeal in the queue).
// The widget's WebSocket dropping (`CallLink.onOnline`): before the media is up the call
// cannot go on (its signals have nowhere to go) and ends with `error: "link_lost"`; once
// connected the media is peer to peer, so the call goes on (`linkLost` says the line is away)
// and ends only if the peer connection fails; frames sent meanwhile are the link's to queue.
// The media path breaking once connected (`disconnected`/`failed`: the network changed, the
// TURN server restarted) does not end the call: as the offering side the widget restarts ICE
// (`createOffer({iceRestart: true})`, sent as the first offer was) every `RESTART_EVERY_MS`
// while `reconnecting`, applies the engine's answer, and fails the call (`media_failed`) only
// after `RECONNECT_TIMEOUT_MS` without a path, as crates/call's `RECONNECT_TIMEOUT`.
// The offer is made while it rings (ICE gathering done early) and sent once answered: a call
// ringing the whole line has nobody to relay it to before.
// A transfer (`CallTransferred{call, leg}`: the specialist handed the call to a colleague, who
// answered) is followed without hanging up: the old peer connection closes and the widget, the
// transferred party, offers anew on the colleague's leg with the same microphone.
// A call the specialist places to this client (`answerCall`, after incoming.ts rang it and the
// client clicked Accept) goes the other way round, as `linedesk-client-sim answer` does: the
// specialist's offer (sent while it rang) is applied, AnswerCall{call} picks it up, and once
// the line says CallConnected our answer and candidates go out. The specialist, the offering
// side, restarts ICE when the path breaks: the widget shows `reconnecting` and answers each
// restart's offer. A transfer makes the widget the offering side on the colleague's leg, as
// for its own calls.
// A call (or leg) whose media came up reports what the browser measured once it ends, as the
// engine does (`CallStats`, quality.ts), read off the peer connection just before it closes.

import {
  callFrame,
  type CallAction,
  type CallFrame,
  type ClientFrame,
  type EndReason,
  type SignalPayload,
} from "./frames.js";
import { fetchIceServers } from "./ice.js";
import { newKey } from "./key.js";
import type { CallLink } from "./link.js";
import { qualityFromStats } from "./quality.js";

export type CallPhase =
  | "starting"
  | "ringing"
  | "connecting"
  | "connected"
  | "on_hold"
  | "reconnecting"
  | "ended";

/**
 * Why a call could not go on, for the UI (`call.error.<code>` in the widget's dictionaries): a local
 * problem, or the server's refusal as `server_<wire code>` (e.g. `server_conflict`).
 */
export type CallErrorCode =
  | "microphone_denied"
  | "no_microphone"
  | "unsupported"
  | "media_failed"
  | "link_lost"
  | `server_${string}`;

export interface CallState {
  phase: CallPhase;
  /** The server's id of the call, once it rings. */
  call: number | null;
  /** While ringing: a specialist's phone rings (`true`) or the call waits for the line's next free one. */
  ringsSpecialist: boolean;
  muted: boolean;
  /** Once ended: how (`hung_up`, `cancelled`, `declined`, `no_answer`, `failed`). */
  reason: EndReason | null;
  /** Once ended: who ended it (`client`: this side, `specialist`), when known. */
  endedBy: "client" | "specialist" | null;
  /** Once ended by a problem: what went wrong. */
  error: CallErrorCode | null;
  /**
   * Nobody took the call (it rang out, or the specialist declined before answering). The line
   * keeps it as a missed call (`CallEnded{no_answer|declined}`) on the client's appeal, which
   * stays in the queue for the specialists; the widget says so.
   */
  missed: boolean;
  /** The widget's connection to the line is down while the call's media goes on. */
  linkLost: boolean;
}

/** When each step happened, `performance.now()` milliseconds; for the UI's timer and benchmarks. */
export interface CallTimings {
  started: number;
  ringing?: number;
  answered?: number;
  /** ICE and DTLS up. */
  media?: number;
  /** The first packet of the specialist's audio. */
  firstAudio?: number;
  ended?: number;
}

export interface CallOptions {
  /** The client's line (the first line of the server's `Welcome`). */
  line: number;
  /** The session's bearer token, for `GET /api/ice`. */
  token: string;
  /** Where the line server's HTTP routes are; `""` (default) is the page's own origin. */
  apiBase?: string;
  /** ICE servers to use instead of asking the server. */
  iceServers?: RTCIceServer[];
  /** Give up ringing after this long (default 45 s). */
  ringTimeoutMs?: number;
  /** From the specialist's answer to a working media path (default 20 s). */
  connectTimeoutMs?: number;
  /** `"relay"`: ICE through TURN only (hides the client's addresses; see ice.ts). */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** Where the specialist's voice plays; by default an `Audio` element of the call's own. */
  audio?: HTMLAudioElement;
}

export interface CallHandle {
  readonly state: CallState;
  readonly timings: CallTimings;
  /** The microphone being sent, once granted. */
  readonly localStream: MediaStream | null;
  /** The specialist's audio, once it arrives. */
  readonly remoteStream: MediaStream | null;
  /** Stop (`true`) or resume sending the microphone; the connection stays. */
  mute(on: boolean): void;
  /** End the call from this side (cancel it while it rings). */
  hangUp(): void;
  /** The peer connection's statistics (the selected candidate pair), once it exists. */
  stats(): Promise<RTCStatsReport | null>;
  /** Call `listener` with every new state (and once now); returns the unsubscribe. */
  onState(listener: (state: CallState) => void): () => void;
}

const DEFAULT_RING_MS = 45_000;
const DEFAULT_CONNECT_MS = 20_000;
/** Without a media path this long after it broke, the call fails (crates/call's `RECONNECT_TIMEOUT`). */
export const RECONNECT_TIMEOUT_MS = 30_000;
/** While reconnecting, a new ICE-restart offer this often (crates/call's caller does the same). */
export const RESTART_EVERY_MS = 4_000;

export { newKey } from "./key.js";

/** Start a call to `options.line` over `link`: returns at once; follow `onState`. */
export function startCall(link: CallLink, options: CallOptions): CallHandle {
  return new BrowserCall(link, options, null);
}

/**
 * Pick up `incoming`, a specialist's call ringing this client (incoming.ts), with the
 * signals received while it rang (the offer first): returns at once; follow `onState`.
 */
export function answerCall(link: CallLink, options: CallOptions, incoming: { call: number; signals: SignalPayload[] }): CallHandle {
  return new BrowserCall(link, options, incoming);
}

class BrowserCall implements CallHandle {
  state: CallState = {
    phase: "starting",
    call: null,
    ringsSpecialist: false,
    muted: false,
    reason: null,
    endedBy: null,
    error: null,
    missed: false,
    linkLost: false,
  };
  timings: CallTimings = { started: performance.now() };
  localStream: MediaStream | null = null;
  remoteStream: MediaStream | null = null;

  private listeners = new Set<(state: CallState) => void>();
  private unsubscribe: () => void;
  private unwatch: () => void;
  /** The key of our PlaceCall, or of our AnswerCall of a specialist's call once sent. */
  private placeKey: string | null = null;
  private pc: RTCPeerConnection | null = null;
  /** Our signals waiting for the call to be answered (offer first, then candidates). */
  private outbox: SignalPayload[] = [];
  private answered = false;
  private onHold = false;
  /** The other side's signals, applied one after another. */
  private applying: Promise<void> = Promise.resolve();
  private remoteSet = false;
  private earlyCandidates: RTCIceCandidateInit[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** While reconnecting: the next ICE-restart offer. */
  private restartTimer: ReturnType<typeof setInterval> | null = null;
  private audio: HTMLAudioElement | null;
  private iceServers: RTCIceServer[] = [];
  /** This side offers (its own call, or a leg it follows after a transfer); else it answers. */
  private offerer: boolean;
  /** Answering: the specialist's signals that came before the peer connection existed. */
  private waiting: SignalPayload[] | null = null;

  constructor(
    private link: CallLink,
    private options: CallOptions,
    incoming: { call: number; signals: SignalPayload[] } | null,
  ) {
    this.audio = options.audio ?? null;
    this.offerer = incoming === null;
    this.unsubscribe = link.subscribe((frame) => {
      const f = callFrame(frame);
      if (f) this.onFrame(f);
    });
    this.unwatch = link.onOnline?.((online) => this.onLink(online)) ?? (() => {});
    if (incoming) {
      this.state = { ...this.state, call: incoming.call };
      void this.beginAnswer(incoming.call, incoming.signals);
    } else {
      void this.begin();
    }
  }

  mute(on: boolean): void {
    if (this.over()) return;
    this.update({ muted: on });
    this.applyTrackEnabled();
  }

  hangUp(): void {
    const { phase, call } = this.state;
    if (phase === "ended") return;
    // A specialist's call accepted here: declined until AnswerCall went out; after it the
    // line connects the call before this hang-up (one session's actions apply in order).
    const answering = !this.offerer && this.placeKey !== null;
    const reason: EndReason = this.answered || answering ? "hung_up" : this.offerer ? "cancelled" : "declined";
    if (call !== null) this.submit({ kind: "hang_up", call, reason });
    // Before it rings, the PlaceCall may still be answered: its CallRinging is then hung up
    // at once (see onFrame).
    this.finish({ reason, endedBy: "client" });
  }

  stats(): Promise<RTCStatsReport | null> {
    return this.pc ? this.pc.getStats() : Promise.resolve(null);
  }

  onState(listener: (state: CallState) => void): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }

  /** The widget's WebSocket went down (`false`) or is back and caught up (`true`). */
  private onLink(online: boolean): void {
    if (this.over()) return;
    const { phase } = this.state;
    if (online) {
      if (this.state.linkLost) this.update({ linkLost: false });
    } else if (phase === "connected" || phase === "on_hold" || phase === "reconnecting") {
      this.update({ linkLost: true });
    } else {
      this.fail("link_lost");
    }
  }

  private over(): boolean {
    return this.state.phase === "ended";
  }

  private update(change: Partial<CallState>): void {
    this.state = { ...this.state, ...change };
    for (const listener of [...this.listeners]) listener(this.state);
  }

  private send(frame: ClientFrame): void {
    this.link.send(frame);
  }

  private submit(action: CallAction): string {
    const key = newKey();
    this.send({ type: "submit", key, action });
    return key;
  }

  /** The microphone and the line's ICE servers; `null` when the call cannot go on (it failed). */
  private async media(): Promise<{ stream: MediaStream; iceServers: RTCIceServer[] } | null> {
    if (!navigator.mediaDevices?.getUserMedia || typeof RTCPeerConnection === "undefined") {
      this.fail("unsupported");
      return null;
    }
    const ice = this.options.iceServers
      ? Promise.resolve(this.options.iceServers)
      : fetchIceServers(this.options.apiBase ?? "", this.options.token);
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
        video: false,
      });
    } catch (e) {
      const name = e instanceof DOMException ? e.name : "";
      this.fail(name === "NotFoundError" || name === "OverconstrainedError" ? "no_microphone" : "microphone_denied");
      return null;
    }
    if (this.over()) {
      stream.getTracks().forEach((t) => t.stop());
      return null;
    }
    this.localStream = stream;
    this.applyTrackEnabled();
    this.update({}); // listeners may want the stream (a level meter)
    const iceServers = await ice;
    this.iceServers = iceServers;
    if (this.over()) return null;
    return { stream, iceServers };
  }

  private async begin(): Promise<void> {
    const media = await this.media();
    if (!media) return;
    this.placeKey = this.submit({ kind: "place_call", line: this.options.line, client: null });
    try {
      await this.prepareOffer(media.iceServers, media.stream);
    } catch {
      this.fail("media_failed");
    }
  }

  /**
   * Pick up the specialist's call: the peer connection takes the offer (and the candidates
   * that came with it) and makes its answer, queued until the line says the call connected.
   */
  private async beginAnswer(call: number, signals: SignalPayload[]): Promise<void> {
    this.waiting = [...signals];
    this.update({ phase: "connecting" });
    const media = await this.media();
    if (!media) return;
    try {
      this.newPeer(media.iceServers, media.stream);
      this.placeKey = this.submit({ kind: "answer_call", call });
      this.startTimer(this.options.connectTimeoutMs ?? DEFAULT_CONNECT_MS, () => this.fail("media_failed"));
      for (const payload of this.waiting.splice(0)) this.applying = this.applying.then(() => this.apply(payload));
      this.waiting = null;
      await this.applying;
    } catch {
      this.fail("media_failed");
    }
  }

  /** The peer connection and its offer, queued until the call is answered. */
  private async prepareOffer(iceServers: RTCIceServer[], stream: MediaStream): Promise<void> {
    const pc = this.newPeer(iceServers, stream);
    const offer = await pc.createOffer();
    if (this.over() || offer.sdp === undefined) return;
    // The offer goes out before our candidates, which setLocalDescription starts.
    this.signal({ kind: "offer", sdp: offer.sdp });
    await pc.setLocalDescription(offer);
  }

  /** This call's peer connection, sending `stream`, its events wired to the call. */
  private newPeer(iceServers: RTCIceServer[], stream: MediaStream): RTCPeerConnection {
    const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: this.options.iceTransportPolicy ?? "all" });
    this.pc = pc;
    for (const track of stream.getAudioTracks()) pc.addTrack(track, stream);
    pc.onicecandidate = (event) => {
      const c = event.candidate;
      // The end of gathering (null or an empty line) is not relayed.
      if (!c || !c.candidate) return;
      this.signal({
        kind: "candidate",
        candidate: c.candidate,
        sdp_mid: c.sdpMid ?? null,
        sdp_mline_index: c.sdpMLineIndex ?? null,
      });
    };
    pc.ontrack = (event) => {
      const remote = new MediaStream([event.track]);
      this.remoteStream = remote;
      const heard = () => {
        this.timings.firstAudio ??= performance.now();
      };
      if (!event.track.muted) heard();
      event.track.addEventListener("unmute", heard, { once: true });
      this.audio ??= new Audio();
      this.audio.autoplay = true;
      this.audio.srcObject = remote;
      void this.audio.play().catch(() => {
        // Autoplay refused: the click that started the call normally allows it.
      });
      this.update({});
    };
    pc.onconnectionstatechange = () => {
      if (this.pc !== pc) return;
      const { phase } = this.state;
      if (pc.connectionState === "connected") {
        this.timings.media ??= performance.now();
        this.clearTimer();
        this.stopRestarts();
        if (phase === "connecting" || phase === "reconnecting") {
          this.update({ phase: this.onHold ? "on_hold" : "connected" });
        }
      } else if (pc.connectionState === "disconnected" || pc.connectionState === "failed") {
        if (phase === "connected" || phase === "on_hold") this.reconnect(pc);
        else if (phase !== "reconnecting" && pc.connectionState === "failed") this.fail("media_failed");
      }
    };
    return pc;
  }

  /**
   * The path broke after it was up: restart ICE now and every few seconds, for a while (the
   * answering side waits for the specialist's restart offers, which `apply` answers).
   */
  private reconnect(pc: RTCPeerConnection): void {
    this.update({ phase: "reconnecting" });
    this.startTimer(RECONNECT_TIMEOUT_MS, () => this.fail("media_failed"));
    this.stopRestarts();
    if (!this.offerer) return;
    this.restartTimer = setInterval(() => void this.restartIce(pc), RESTART_EVERY_MS);
    void this.restartIce(pc);
  }

  /** One ICE-restart offer, sent as the first offer was; an unanswered one is rolled back. */
  private async restartIce(pc: RTCPeerConnection): Promise<void> {
    try {
      if (pc.signalingState === "have-local-offer") await pc.setLocalDescription({ type: "rollback" });
      const offer = await pc.createOffer({ iceRestart: true });
      if (this.pc !== pc || this.state.phase !== "reconnecting" || offer.sdp === undefined) return;
      this.signal({ kind: "offer", sdp: offer.sdp });
      await pc.setLocalDescription(offer);
    } catch {
      // The next try (or the reconnect deadline) decides.
    }
  }

  private stopRestarts(): void {
    if (this.restartTimer !== null) clearInterval(this.restartTimer);
    this.restartTimer = null;
  }

  /** Send `payload` to the specialist once the call is answered, in order. */
  private signal(payload: SignalPayload): void {
    const call = this.state.call;
    if (this.answered && call !== null) this.send({ type: "signal", call, payload });
    else this.outbox.push(payload);
  }

  private onFrame(f: CallFrame): void {
    if (this.over()) {
      // A call placed and cancelled before it rang: hang it up as soon as it is known.
      if (f.type === "ringing" && f.key !== null && f.key === this.placeKey && this.state.call === null) {
        this.state = { ...this.state, call: f.call };
        this.submit({ kind: "hang_up", call: f.call, reason: "cancelled" });
        this.unsubscribe();
      }
      return;
    }
    switch (f.type) {
      case "error":
        if (f.key !== null && f.key === this.placeKey) this.fail(`server_${f.code}`);
        return;
      case "ack":
        return;
      case "ringing":
        if (f.key === null || f.key !== this.placeKey) return;
        this.timings.ringing = performance.now();
        this.update({ phase: "ringing", call: f.call, ringsSpecialist: f.specialist !== null });
        this.startTimer(this.options.ringTimeoutMs ?? DEFAULT_RING_MS, () => {
          this.submit({ kind: "hang_up", call: f.call, reason: "no_answer" });
          this.finish({ reason: "no_answer", endedBy: "client", missed: true });
        });
        return;
      case "connected":
        if (f.call !== this.state.call) return;
        this.answered = true;
        this.timings.answered = performance.now();
        this.update({ phase: "connecting" });
        for (const payload of this.outbox.splice(0)) this.send({ type: "signal", call: f.call, payload });
        this.startTimer(this.options.connectTimeoutMs ?? DEFAULT_CONNECT_MS, () => this.fail("media_failed"));
        return;
      case "transferred":
        if (f.call === this.state.call) void this.follow(f.leg);
        return;
      case "ended":
        if (f.call !== this.state.call) return;
        this.finish({
          reason: f.reason,
          endedBy: f.by === "client" ? "client" : "specialist",
          missed: this.offerer && !this.answered && (f.reason === "no_answer" || f.reason === "declined"),
        });
        return;
      case "signal":
        if (f.call !== this.state.call) return;
        if (this.waiting) {
          this.waiting.push(f.payload);
          return;
        }
        this.applying = this.applying.then(() => this.apply(f.payload)).catch(() => this.fail("media_failed"));
        return;
    }
  }

  /** One signal of the specialist's engine. */
  private async apply(payload: SignalPayload): Promise<void> {
    const pc = this.pc;
    if (!pc || this.over()) return;
    switch (payload.kind) {
      case "answer":
        if (pc.signalingState !== "have-local-offer") return; // an answer already applied
        if (this.remoteSet) {
          // The answer to an ICE restart: one to an offer since rolled back does not fit.
          await pc.setRemoteDescription({ type: "answer", sdp: payload.sdp }).catch(() => {});
          return;
        }
        await pc.setRemoteDescription({ type: "answer", sdp: payload.sdp });
        this.remoteSet = true;
        for (const c of this.earlyCandidates.splice(0)) await pc.addIceCandidate(c);
        return;
      case "candidate": {
        const init: RTCIceCandidateInit = {
          candidate: payload.candidate,
          sdpMid: payload.sdp_mid ?? undefined,
          sdpMLineIndex: payload.sdp_mline_index ?? undefined,
        };
        if (init.sdpMid === undefined && init.sdpMLineIndex === undefined) init.sdpMLineIndex = 0;
        if (!this.remoteSet) this.earlyCandidates.push(init);
        else if (this.timings.media === undefined) await pc.addIceCandidate(init);
        // Once restarts may have happened, a candidate of an older ICE generation is dropped.
        else await pc.addIceCandidate(init).catch(() => {});
        return;
      }
      case "hold":
        this.onHold = payload.on;
        this.applyTrackEnabled();
        if (this.state.phase === "connected" || this.state.phase === "on_hold") {
          // While reconnecting the hold shows once the path is back.
          this.update({ phase: payload.on ? "on_hold" : "connected" });
        }
        return;
      case "offer": {
        // The specialist's call: its first offer, or an ICE restart's. An offering side
        // takes none.
        if (this.offerer) return;
        await pc.setRemoteDescription({ type: "offer", sdp: payload.sdp });
        if (!this.remoteSet) {
          this.remoteSet = true;
          for (const c of this.earlyCandidates.splice(0)) await pc.addIceCandidate(c);
        }
        const answer = await pc.createAnswer();
        if (this.pc !== pc || this.over() || answer.sdp === undefined) return;
        // The answer goes out before our candidates, which setLocalDescription starts.
        this.signal({ kind: "answer", sdp: answer.sdp });
        await pc.setLocalDescription(answer);
        return;
      }
    }
  }

  /** The call went on with a colleague on call `leg`: a new negotiation there, as its caller. */
  private async follow(leg: number): Promise<void> {
    const stream = this.localStream;
    this.offerer = true;
    this.closePeer();
    this.stopRestarts();
    this.remoteSet = false;
    this.earlyCandidates = [];
    this.applying = Promise.resolve();
    this.onHold = false;
    this.applyTrackEnabled();
    this.timings.media = undefined;
    // Signals now go straight to the colleague's leg (the call is answered there).
    this.update({ phase: "connecting", call: leg });
    this.startTimer(this.options.connectTimeoutMs ?? DEFAULT_CONNECT_MS, () => this.fail("media_failed"));
    try {
      if (!stream) throw new Error("no microphone");
      await this.prepareOffer(this.iceServers, stream);
    } catch {
      this.fail("media_failed");
    }
  }

  private applyTrackEnabled(): void {
    const sending = !this.state.muted && !this.onHold;
    for (const track of this.localStream?.getAudioTracks() ?? []) track.enabled = sending;
  }

  private startTimer(ms: number, then: () => void): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      then();
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * Close the peer connection of the current call; if its media came up, first read its
   * statistics and report them on that call (`CallStats`: the server takes them once the
   * call connected, also after it ended).
   */
  private closePeer(): void {
    const pc = this.pc;
    this.pc = null;
    if (!pc) return;
    const call = this.state.call;
    const media = this.timings.media;
    if (call === null || media === undefined || !this.answered) {
      pc.close();
      return;
    }
    const duration = performance.now() - media;
    void pc
      .getStats()
      .then((report) => {
        const quality = qualityFromStats(report.values() as Iterable<Record<string, unknown>>, duration);
        if (quality) this.submit({ kind: "call_stats", call, quality });
      })
      .catch(() => {
        // No statistics to give: the call's report has the specialist's side only.
      })
      .finally(() => pc.close());
  }

  /** End the call here after a problem: the server is told (`failed`) when it knows the call. */
  private fail(error: CallErrorCode): void {
    if (this.over()) return;
    const call = this.state.call;
    if (call !== null) this.submit({ kind: "hang_up", call, reason: "failed" });
    this.finish({ reason: "failed", endedBy: "client", error });
  }

  private finish(change: Partial<CallState>): void {
    if (this.over()) return;
    this.clearTimer();
    this.stopRestarts();
    this.timings.ended = performance.now();
    this.closePeer();
    this.localStream?.getTracks().forEach((t) => t.stop());
    if (this.audio) this.audio.srcObject = null;
    this.update({ ...change, phase: "ended" });
    // Keep listening only for a call placed but not yet known (see onFrame); else let go.
    this.unwatch();
    if (this.state.call !== null || this.placeKey === null) this.unsubscribe();
  }
}
