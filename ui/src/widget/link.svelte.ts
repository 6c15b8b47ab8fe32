// The widget's WebSocket session with its server, as crates/client-sim does it:
// Hello{version, token} -> Welcome -> Subscribe{line, after} -> replay, CaughtUp -> live.
//
// Reconnects with backoff (0.5 s doubling to 15 s, with jitter). Every action goes through
// an outbox kept in localStorage with its idempotency key, as the app's outbox does: a
// message typed offline (or while the page was closed) is sent once the session is back and
// caught up; the server acknowledges a resent key as a duplicate and applies it once.

import { apply, emptyConversation, type Conversation, type WireEvent } from "./conversation";
import { newKey } from "./api";

const PROTOCOL_VERSION = 1;
const MAX_BACKOFF_MS = 15_000;

export type LinkStatus = "connecting" | "online" | "offline";

export interface Outgoing {
  key: string;
  action: { kind: string; [field: string]: unknown };
}

/** A server frame as JSON (see crates/protocol `ServerFrame`). */
export type ServerFrame = { type: string; [field: string]: unknown };

export interface LinkOptions {
  line: number;
  token: string;
  clientId: number;
  /** The token is no longer good (expired, revoked): sign in again. */
  onSignedOut: () => void;
}

export class Link {
  status = $state<LinkStatus>("connecting");
  conversation = $state<Conversation>(emptyConversation());
  outbox = $state<Outgoing[]>([]);
  /** Messages acknowledged whose event has not arrived yet: still shown, no longer resent. */
  delivered = $state<Outgoing[]>([]);
  /** The last refused action with the wire's code (`too_long`, ...): the widget says why and
   * gives a refused message back to the composer, so nothing typed is lost. */
  refused = $state<{ code: string; action: Outgoing["action"] } | null>(null);
  /** The replay reached the present at least once. */
  caughtUp = $state(false);

  private socket: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private live = false;
  private listeners = new Set<(frame: ServerFrame) => void>();
  private onlineListeners = new Set<(online: boolean) => void>();
  private readonly storeKey: string;

  constructor(private readonly options: LinkOptions) {
    this.storeKey = `linedesk.widget.outbox.${options.line}.${options.clientId}`;
    this.outbox = readOutbox(this.storeKey);
  }

  start(): void {
    this.stopped = false;
    this.connect();
    addEventListener("online", this.wake);
  }

  stop(): void {
    this.stopped = true;
    removeEventListener("online", this.wake);
    if (this.timer) clearTimeout(this.timer);
    this.socket?.close();
    this.socket = null;
  }

  /** Frames for other parts of the widget (the call module: `signal`, call events). */
  onFrame(listener: (frame: ServerFrame) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Send a frame that is not an action (signals); false when offline. */
  sendFrame(frame: Record<string, unknown>): boolean {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN || !this.live) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  /** The call module's `CallLink` (ui/src/widget/call/link.ts): every frame to `listener`. */
  subscribe(listener: (frame: ServerFrame) => void): () => void {
    return this.onFrame(listener);
  }

  /** The call module's `CallLink`: one frame on the signed-in session. Offline, a call's
   * hang-up is kept in the outbox (sent once back, so the line learns the call ended); any
   * other frame is dropped (signals are stale by then; the call ends or goes on by its media). */
  send(frame: object): void {
    if (this.sendFrame(frame as Record<string, unknown>)) return;
    const f = frame as { type?: unknown; key?: unknown; action?: Outgoing["action"] };
    if (f.type === "submit" && typeof f.key === "string" && f.action?.kind === "hang_up") {
      this.outbox = [...this.outbox, { key: f.key, action: f.action }];
      this.save();
    }
  }

  /** The call module's `CallLink`: `false` when the socket drops, `true` once caught up again. */
  onOnline(listener: (online: boolean) => void): () => void {
    this.onlineListeners.add(listener);
    return () => {
      this.onlineListeners.delete(listener);
    };
  }

  private tellOnline(online: boolean): void {
    for (const listener of [...this.onlineListeners]) listener(online);
  }

  /** Queue an action; sent now when online, else once back. Returns its key. */

  submit(action: Outgoing["action"]): string {
    const entry = { key: newKey(`w${this.options.clientId}`), action };
    this.outbox = [...this.outbox, entry];
    this.save();
    if (this.live) this.post(entry);
    return entry.key;
  }

  private wake = () => {
    if (this.status === "offline" && this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      this.connect();
    }
  };

  private connect(): void {
    if (this.stopped) return;
    this.status = "connecting";
    this.live = false;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}/api/ws`);
    this.socket = socket;
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: "hello", version: PROTOCOL_VERSION, token: this.options.token }));
    };
    socket.onmessage = (message) => {
      if (typeof message.data !== "string") return;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(message.data);
      } catch {
        return;
      }
      this.receive(socket, frame);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.live = false;
      if (this.stopped) return;
      this.status = "offline";
      this.tellOnline(false);
      const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempt) * (0.75 + Math.random() / 2);
      this.attempt = Math.min(this.attempt + 1, 10);
      this.timer = setTimeout(() => {
        this.timer = null;
        this.connect();
      }, delay);
    };
  }

  private receive(socket: WebSocket, frame: ServerFrame): void {
    switch (frame.type) {
      case "welcome": {
        this.attempt = 0;
        const lines = Array.isArray(frame.lines) ? (frame.lines as number[]) : [];
        const line = lines.includes(this.options.line) ? this.options.line : lines[0];
        socket.send(JSON.stringify({ type: "subscribe", line, after: this.conversation.seq }));
        break;
      }
      case "event": {
        const event = frame.event as WireEvent;
        this.conversation = apply(this.conversation, Number(frame.seq), Number(frame.at_ms), event);
        if (event.kind === "message_posted" && event.from_specialist == null) {
          const i = this.delivered.findIndex((d) => d.action.text === event.text);
          if (i >= 0) this.delivered = this.delivered.filter((_, j) => j !== i);
        }
        break;
      }
      case "caught_up":
        this.status = "online";
        this.caughtUp = true;
        this.live = true;
        for (const entry of this.outbox) this.post(entry);
        this.tellOnline(true);
        break;
      case "ack": {
        const entry = this.outbox.find((e) => e.key === frame.key);
        this.settle(String(frame.key));
        // A duplicate was in the log already (and replayed): nothing more will come for it.
        if (entry && entry.action.kind === "client_message" && frame.duplicate !== true) {
          this.delivered = [...this.delivered, entry];
        }
        break;
      }
      case "error": {
        const code = String(frame.code);
        if (!this.live && (code === "unauthenticated" || code === "forbidden") && frame.key == null) {
          // The token was refused at Hello: it expired or was revoked.
          this.stop();
          this.options.onSignedOut();
          return;
        }
        const entry = this.outbox.find((e) => e.key === frame.key);
        if (entry && code === "rate_limited") {
          // Kept: sent again in a moment (the server said to slow down).
          setTimeout(() => {
            if (this.live && this.outbox.includes(entry)) this.post(entry);
          }, 2_000);
        } else if (entry && entry.action.kind === "hang_up") {
          // A queued hang-up of a call the line already ended: nothing left to say.
          this.settle(entry.key);
        } else if (entry) {
          this.settle(entry.key);
          this.refused = { code, action: entry.action };
        } else if (code === "unauthenticated") {
          this.stop();
          this.options.onSignedOut();
          return;
        }
        break;
      }
      default:
        break;
    }
    for (const listener of this.listeners) listener(frame);
  }

  private post(entry: Outgoing): void {
    this.socket?.send(JSON.stringify({ type: "submit", key: entry.key, action: entry.action }));
  }

  private settle(key: string): void {
    if (!this.outbox.some((e) => e.key === key)) return;
    this.outbox = this.outbox.filter((e) => e.key !== key);
    this.save();
  }

  private save(): void {
    try {
      localStorage.setItem(this.storeKey, JSON.stringify(this.outbox));
    } catch {
      // Storage full or refused (private mode): the outbox still lives for this page.
    }
  }
}

function readOutbox(key: string): Outgoing[] {
  try {
    const value = JSON.parse(localStorage.getItem(key) ?? "[]");
    return Array.isArray(value)
      ? value.filter((e) => typeof e?.key === "string" && typeof e?.action?.kind === "string")
      : [];
  } catch {
    return [];
  }
}

/** Forget this client's outbox (sign-out). */
export function dropOutbox(line: number, clientId: number): void {
  try {
    localStorage.removeItem(`linedesk.widget.outbox.${line}.${clientId}`);
  } catch {
    // Nothing kept.
  }
}
