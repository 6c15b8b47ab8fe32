// The assistant window's IPC (crates/assist-window/src/commands.rs). Errors are `assist.*`
// codes, translated by i18n.ts.
import { invoke, Channel } from "@tauri-apps/api/core";

export type Connection = "signed_out" | "signing_in" | "connected" | "failed";
export type Phase = "idle" | "waiting" | "asked" | "connecting" | "sharing";
export type Ending = "declined" | "withdrawn" | "by_you" | "by_specialist" | "failed" | "refused";

export interface Asker {
  session: number;
  specialist: string;
  line_name: string;
  mode: "by_request" | "by_password";
}

export interface Ended {
  session: number;
  specialist: string;
  line_name: string;
  how: Ending;
}

export interface View {
  connection: Connection;
  error: string | null;
  server: string;
  login: string;
  phase: Phase;
  asker: Asker | null;
  ended: Ended | null;
  password_set_at: number | null;
  password_error: string | null;
}

export interface Remembered {
  server: string;
  login: string;
  lang: "ru" | "en";
}

export const remembered = () => invoke<Remembered>("remembered");
export const setLang = (lang: "ru" | "en") => invoke<void>("set_lang", { lang });

export function watch(onView: (view: View) => void): Promise<void> {
  const channel = new Channel<View>();
  channel.onmessage = onView;
  return invoke("watch", { onView: channel });
}

export const signIn = (server: string, login: string, password: string) =>
  invoke<void>("sign_in", { server, login, password });
export const signOut = () => invoke<void>("sign_out");
export const answer = (accept: boolean) => invoke<void>("answer", { accept });
export const endSession = () => invoke<void>("end_session");
export const setSessionPassword = (password: string | null) =>
  invoke<void>("set_session_password", { password });

/** The error code of a refused command (a string from the Rust side). */
export function codeOf(error: unknown): string {
  return typeof error === "string" ? error : "assist.line";
}
