// S5 in the app: the appeal's type as the specialist chooses it. Which types a line has and
// whether a choice is allowed are the server's (the line crate and the domain); the app only
// lists what the server gave and sends what was chosen. S3: choosing moves no deadline.

/** The options of a type choice: the line's types in the server's order, and the appeal's
 * current type first when the line no longer lists it (so it still shows). */
export function typeOptions(types: string[], current: string | null | undefined): string[] {
  if (current && !types.includes(current)) return [current, ...types];
  return types;
}

/** The type to send with the finish: `null` when none was chosen or the choice is the type the
 * appeal has already (nothing to record). */
export function typeToSend(chosen: string, current: string | null | undefined): string | null {
  const t = chosen.trim();
  if (t === "" || t === (current ?? "")) return null;
  return t;
}

/** A5: the line's auto-finish setting as the closing bar says it: `null` when it is off. */
export function autoFinishMinutes(minutes: number | null | undefined): number | null {
  return minutes && minutes > 0 ? minutes : null;
}
