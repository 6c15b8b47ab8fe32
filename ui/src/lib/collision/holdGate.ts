// C9 (issue 16): before writing, sending a file (a quick reply's files too) or calling into an
// appeal a colleague holds, the specialist is warned and must confirm. What to do is decided
// here, purely: ask for the hold first; a refusal with the rule `appeal.held_by_colleague` (a
// colleague took the appeal meanwhile) warns the same way. Confirming runs the held action
// again with `confirmed`; the app and the line check the same rule (the line crate's).
import type { ColleagueHold } from "../../bindings";

/** What the specialist was about to do: the warning's words and button say it. */
export type HeldKind = "message" | "file" | "call";

/** The action, done with `confirmed` once the specialist chose to go on. */
export type Act = (confirmed: boolean) => Promise<void>;

/** A warning to show: who holds the appeal, and the action it stopped. */
export type Warning = { hold: ColleagueHold; kind: HeldKind; act: Act };

export const HELD_RULE = "appeal.held_by_colleague";

/** The command's refusal named the C9 rule. */
export function isHeldRefusal(err: unknown): boolean {
  const detail = (err as { detail?: { rule?: unknown } } | null)?.detail;
  return detail?.rule === HELD_RULE;
}

/** Run `act` unless `holdOf` says a colleague holds the appeal: the warning to show instead
 *  (also when the action was refused by the rule and a hold is found then), or `null` when it
 *  ran. Any other error is thrown. */
export async function attemptPastHold(
  holdOf: () => Promise<ColleagueHold | null>,
  kind: HeldKind,
  act: Act,
): Promise<Warning | null> {
  const hold = await holdOf();
  if (hold) return { hold, kind, act };
  try {
    await act(false);
    return null;
  } catch (err) {
    if (isHeldRefusal(err)) {
      const now = await holdOf().catch(() => null);
      if (now) return { hold: now, kind, act };
    }
    throw err;
  }
}
