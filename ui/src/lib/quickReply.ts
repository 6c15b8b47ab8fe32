// C8: the variables of a quick reply, filled in before it goes into the draft.

export interface ReplyContext {
  client: string;
  appeal: number | null;
  specialist: string;
}

/** `{client}`, `{appeal}` and `{specialist}` replaced; unknown braces are left as typed. */
export function fillReply(text: string, ctx: ReplyContext): string {
  return text.replace(/\{(client|appeal|specialist)\}/g, (_, name: string) => {
    if (name === "client") return ctx.client;
    if (name === "specialist") return ctx.specialist;
    return ctx.appeal === null ? "—" : String(ctx.appeal);
  });
}

/** The draft with `insert` added: after a space when the draft has text. */
export function appendToDraft(draft: string, insert: string): string {
  const trimmed = draft.replace(/\s+$/, "");
  return trimmed === "" ? insert : `${trimmed} ${insert}`;
}
