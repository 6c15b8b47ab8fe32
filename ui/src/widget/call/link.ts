// What a call needs of the widget's connection to the line server: the widget owns the
// WebSocket (sign-in, `Hello`, subscription to the client's line, reconnects) and lends it
// to a call through this interface.

import type { ClientFrame, ServerFrame } from "./frames.js";

export interface CallLink {
  /** Send one frame on the signed-in session (it is encoded as JSON by the link). */
  send(frame: ClientFrame): void;
  /**
   * Hand every frame the server sends to `listener` (already parsed from JSON) until the
   * returned function is called.
   */
  subscribe(listener: (frame: ServerFrame) => void): () => void;
  /**
   * Optional: call `listener(false)` when the connection drops and `listener(true)` once it
   * is back and caught up, until the returned function is called. A link that cannot tell
   * leaves it out (the call then learns of a lost link only from its media).
   */
  onOnline?(listener: (online: boolean) => void): () => void;
}
