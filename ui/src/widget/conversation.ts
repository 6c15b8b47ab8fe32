// The client's conversation as the widget shows it, folded from the line's events the client's
// session receives (their own messages and files, the specialists', their appeals). Pure: no
// DOM, no socket; tests/widget_conversation.test.mjs runs it on event lists.

export type WireEvent = { kind: string; [field: string]: unknown };

export type Item =
  | { kind: "message"; seq: number; at: number; mine: boolean; text: string; specialist: number | null }
  | { kind: "file"; seq: number; at: number; mine: boolean; file: number; name: string; size: number }
  | { kind: "finished"; seq: number; at: number; appeal: number; result: string }
  | { kind: "article"; seq: number; at: number; title: string }
  | { kind: "recording"; seq: number; at: number; call: number; durationMs: number; gaps: number }
  | { kind: "group_message"; seq: number; at: number; group: number; mine: boolean; author: string; text: string }
  | { kind: "group_note"; seq: number; at: number; group: number; note: "created" | "added" | "removed"; name: string };

/** C6: a group the client is in (with specialists of the line), as its events told it. */
export interface Group {
  title: string;
  /** Specialist id -> name. */
  members: Record<number, string>;
}

export type AppealState = "none" | "queued" | "assigned" | "finished";

/** The results the line gives in codes (the client sees them translated, never a code): A5's
 * "no reply from the client" and A3's "went on on another line" (whose reason is the
 * specialists' alone and never reaches the client). */
const RESULT_CODES = ["no_client_reply", "transferred_to_line"];

/** The key of the widget's translation of a coded result, or `null` for a result a specialist wrote. */
export function resultKey(result: string): string | null {
  return RESULT_CODES.includes(result) ? `chat.result.${result}` : null;
}

export interface Conversation {
  items: Item[];
  /** The latest appeal and where it stands. */
  appeal: number | null;
  state: AppealState;
  /** The finished appeal waiting for the client's rating, if any. */
  toRate: number | null;
  /** Stars given to appeals already rated. */
  rated: Record<number, number>;
  /** The last sequence number folded in (the cursor to subscribe from). */
  seq: number;
  /** C6: the client's groups by id. */
  groups: Record<number, Group>;
}

export function emptyConversation(): Conversation {
  return { items: [], appeal: null, state: "none", toRate: null, rated: {}, seq: 0, groups: {} };
}

const num = (v: unknown): number => (typeof v === "number" ? v : 0);
const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** Fold one event (`seq` from its frame, `at` its time) into `c`; an old seq is skipped. */
export function apply(c: Conversation, seq: number, at: number, e: WireEvent): Conversation {
  if (seq <= c.seq) return c;
  const next: Conversation = { ...c, seq };
  switch (e.kind) {
    case "message_posted":
      next.items = [
        ...c.items,
        {
          kind: "message",
          seq,
          at,
          mine: e.from_specialist == null,
          text: str(e.text),
          specialist: e.from_specialist == null ? null : num(e.from_specialist),
        },
      ];
      break;
    case "file_shared":
      next.items = [
        ...c.items,
        {
          kind: "file",
          seq,
          at,
          mine: e.from_specialist == null,
          file: num(e.file),
          name: str(e.name),
          size: num(e.size),
        },
      ];
      break;
    case "appeal_opened":
    case "appeal_queued":
      next.appeal = num(e.appeal);
      next.state = "queued";
      break;
    case "appeal_assigned":
      next.appeal = num(e.appeal);
      next.state = "assigned";
      break;
    case "appeal_finished":
      next.appeal = num(e.appeal);
      next.state = "finished";
      next.toRate = c.rated[num(e.appeal)] ? null : num(e.appeal);
      next.items = [
        ...c.items,
        { kind: "finished", seq, at, appeal: num(e.appeal), result: str(e.result) },
      ];
      break;
    case "appeal_marked_spam":
      next.appeal = num(e.appeal);
      next.state = "finished";
      break;
    case "appeal_rated":
      next.rated = { ...c.rated, [num(e.appeal)]: num(e.stars) };
      if (c.toRate === num(e.appeal)) next.toRate = null;
      break;
    case "call_recorded":
      // The call's recording: the client may play it (only their own: the server checks).
      next.items = [
        ...c.items,
        {
          kind: "recording",
          seq,
          at,
          call: num(e.call),
          durationMs: num(e.duration_ms),
          gaps: Array.isArray(e.gaps) ? e.gaps.length : 0,
        },
      ];
      break;
    case "article_helped":
      next.items = [...c.items, { kind: "article", seq, at, title: str(e.title) }];
      break;
    case "group_created": {
      const members: Record<number, string> = {};
      for (const m of Array.isArray(e.members) ? e.members : []) {
        const member = m as { specialist?: unknown; name?: unknown };
        members[num(member.specialist)] = str(member.name);
      }
      const group = num(e.group);
      next.groups = { ...c.groups, [group]: { title: str(e.title), members } };
      next.items = [...c.items, { kind: "group_note", seq, at, group, note: "created", name: str(e.title) }];
      break;
    }
    case "group_member_added": {
      const group = num(e.group);
      const old = c.groups[group];
      const member = (e.member ?? {}) as { specialist?: unknown; name?: unknown };
      if (old) {
        next.groups = { ...c.groups, [group]: { ...old, members: { ...old.members, [num(member.specialist)]: str(member.name) } } };
      }
      next.items = [...c.items, { kind: "group_note", seq, at, group, note: "added", name: str(member.name) }];
      break;
    }
    case "group_member_removed": {
      const group = num(e.group);
      const old = c.groups[group];
      const gone = num(e.specialist);
      const name = old?.members[gone] ?? "";
      if (old) {
        const members = { ...old.members };
        delete members[gone];
        next.groups = { ...c.groups, [group]: { ...old, members } };
      }
      next.items = [...c.items, { kind: "group_note", seq, at, group, note: "removed", name }];
      break;
    }
    case "group_message_posted": {
      const group = num(e.group);
      const mine = e.from_specialist == null;
      const author = mine ? "" : (c.groups[group]?.members[num(e.from_specialist)] ?? "");
      next.items = [...c.items, { kind: "group_message", seq, at, group, mine, author, text: str(e.text) }];
      break;
    }
    default:
      break;
  }
  return next;
}
