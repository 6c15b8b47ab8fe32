// Calls a specialist places to this client (the app's "call the client"), as they ring the
// widget: the line's `CallRinging{from: specialist}` and the specialist's SDP offer, which the
// caller sends while it rings (the protocol of crates/call: the caller offers), relayed by the
// server to the client's live sessions only.
//
// A ring is shown once both are here: the event (replayed history included: a call that ended
// meanwhile has its `CallEnded` replayed too and is dropped) and the offer (only a live
// session gets it, so a page opened after the specialist dialled does not ring; the specialist's
// ring then times out and the call is kept as missed). The signals are kept until the client
// picks up (`take`, handed to `answerCall`) or declines (`decline`: `HangUp{declined}`); the
// call's `CallConnected` (picked up in another tab) or `CallEnded` (the specialist gave up, the
// ring timed out) stops the ring. What is kept is bounded: a few calls, a few signals each.

import { callFrame, type CallFrame, type SignalPayload } from "./frames.js";
import type { CallLink } from "./link.js";
import { newKey } from "./key.js";

/** A specialist's call ringing this client, with the signals received so far (the offer first). */
export interface IncomingCall {
  call: number;
  signals: SignalPayload[];
}

/** At most this many calls' signals are kept (a ringing one, and signals that came before its event). */
const MAX_CALLS = 4;
/** At most this many signals of one call are kept before it is picked up (an offer and candidates). */
const MAX_SIGNALS = 64;

export class IncomingCalls {
  /** Calls rung by a specialist whose end has not been seen. */
  private ringing = new Set<number>();
  private signals = new Map<number, SignalPayload[]>();
  /** Calls over (connected elsewhere, ended, taken or declined here): their late signals are dropped. */
  private done = new Set<number>();
  private shown: number | null = null;
  private unsubscribe: () => void;

  constructor(
    private link: CallLink,
    private onRing: (incoming: IncomingCall | null) => void,
  ) {
    this.unsubscribe = link.subscribe((frame) => {
      const f = callFrame(frame);
      if (f) this.onFrame(f);
    });
  }

  /** The ringing call, if one is ready to be picked up. */
  current(): IncomingCall | null {
    for (const call of this.ringing) {
      const signals = this.signals.get(call);
      if (signals?.[0]?.kind === "offer") return { call, signals: [...signals] };
    }
    return null;
  }

  /** The client picks `call` up: its signals so far, and this watcher lets it go. */
  take(call: number): SignalPayload[] {
    const signals = this.signals.get(call) ?? [];
    this.forget(call);
    return signals;
  }

  /** The client declines `call`: the line ends it (`declined`) and the specialist is told. */
  decline(call: number): void {
    this.link.send({ type: "submit", key: newKey(), action: { kind: "hang_up", call, reason: "declined" } });
    this.forget(call);
  }

  stop(): void {
    this.unsubscribe();
  }

  private onFrame(f: CallFrame): void {
    switch (f.type) {
      case "ringing":
        if (f.from !== "specialist" || this.done.has(f.call)) return;
        this.ringing.add(f.call);
        break;
      case "connected":
      case "ended":
        this.forget(f.call);
        break;
      case "signal": {
        if (this.done.has(f.call)) return;
        let kept = this.signals.get(f.call);
        if (!kept) {
          if (f.payload.kind !== "offer") return; // the offer comes first
          if (this.signals.size >= MAX_CALLS) {
            const oldest = this.signals.keys().next().value;
            if (oldest !== undefined) this.signals.delete(oldest);
          }
          kept = [];
          this.signals.set(f.call, kept);
        }
        if (f.payload.kind === "offer" && kept.length > 0) kept.length = 0; // a newer offer replaces it
        if (kept.length < MAX_SIGNALS) kept.push(f.payload);
        break;
      }
      default:
        return;
    }
    this.tell();
  }

  private forget(call: number): void {
    if (this.ringing.has(call) || this.signals.has(call)) this.done.add(call);
    this.ringing.delete(call);
    this.signals.delete(call);
    this.tell();
  }

  private tell(): void {
    const now = this.current();
    const call = now?.call ?? null;
    if (call === this.shown) return;
    this.shown = call;
    this.onRing(now);
  }
}
