// The one way the UI talks to Rust: generated commands, unwrapped into values or AppError.
import type { CommandError } from "./types";

/** What every generated command resolves to. */
type Outcome<T> = { status: "ok"; data: T } | { status: "error"; error: CommandError };
import { t } from "./i18n/index.svelte";

export class AppError extends Error {
  readonly detail: CommandError;
  constructor(detail: CommandError) {
    super(detail.message);
    this.detail = detail;
  }
}

function isCommandError(value: unknown): value is CommandError {
  return typeof value === "object" && value !== null && "code" in value && "message" in value;
}

/** Await a generated command and return its value; a command error is thrown as AppError.
 * Errors raised before our code runs (Tauri refusing malformed arguments) arrive as plain
 * strings: they become `internal` errors so the UI can still show them. */
export async function call<T>(pending: Promise<Outcome<T>>): Promise<T> {
  const result = await pending;
  if (result.status === "error") {
    const error: unknown = result.error;
    throw new AppError(
      isCommandError(error) ? error : { code: "internal", message: String(error), field: null, rule: null },
    );
  }
  return result.data;
}

/** Codes that mean the local database cannot be used at all. */
const FATAL_CODES = new Set(["store_damaged", "store_newer_than_known", "store_migration_changed"]);

export function isFatal(err: unknown): boolean {
  return err instanceof AppError && FATAL_CODES.has(err.detail.code);
}

/** A sentence for the user, in the current language. */
export function errorText(err: unknown): string {
  if (err instanceof AppError) {
    const { code, message, field, rule } = err.detail;
    // The line's rule that refused it (a domain code) says more than the generic code.
    if (rule) return t(`rule.${rule}`);
    const fieldName = field ? t(`profile.${field}`) : "";
    return t(`error.${code}`, { message, field: fieldName });
  }
  return t("error.internal", { message: err instanceof Error ? err.message : String(err) });
}

/** Run a command for its effect; an error goes to `onerror` (a button's click handler). */
export async function attempt(pending: Promise<unknown>, onerror: (err: unknown) => void): Promise<void> {
  try {
    await call(pending as Promise<Outcome<unknown>>);
  } catch (err) {
    onerror(err);
  }
}
