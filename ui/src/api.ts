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

/** Await a generated command and return its value; a command error is thrown as AppError. */
export async function call<T>(pending: Promise<Outcome<T>>): Promise<T> {
  const result = await pending;
  if (result.status === "error") throw new AppError(result.error);
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
    const { code, message, field } = err.detail;
    const fieldName = field ? t(`profile.${field}`) : "";
    return t(`error.${code}`, { message, field: fieldName });
  }
  return t("error.internal", { message: err instanceof Error ? err.message : String(err) });
}
