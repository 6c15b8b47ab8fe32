// A4/A5 in the chat: what the server said about closing the appeal, as the specialist sees it.
// The rules are the server's (the line crate and the domain): the app only counts down to the
// instants the server sent (`ReplyAwaited`), never decides them.

/** The result the server gives an appeal it finished for want of the client's reply (A5). */
export const NO_CLIENT_REPLY = "no_client_reply";

/** Time left until `at` (ms) at `now`, as `m:ss` (or `h:mm:ss`); `null` when it has passed. */
export function countdown(at: number | null | undefined, now: number): string | null {
  if (at === null || at === undefined || at <= now) return null;
  const total = Math.ceil((at - now) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** A4: whether the specialist must still wait for the client's reaction at `now`. */
export function reactionAwaited(finishAllowedAt: number | null | undefined, now: number): boolean {
  return countdown(finishAllowedAt, now) !== null;
}

/** The result of an appeal that went on on another line (A3; the reason is in its transfer note). */
export const TRANSFERRED_TO_LINE = "transferred_to_line";

/** An appeal's result as shown: the server's codes ("no reply from the client", "went on on
 * another line") translated, anything else as the specialist wrote it. */
export function resultText(result: string | null | undefined, noReply: string, transferred = ""): string {
  if (result === NO_CLIENT_REPLY) return noReply;
  if (result === TRANSFERRED_TO_LINE && transferred) return transferred;
  return result ?? "";
}
