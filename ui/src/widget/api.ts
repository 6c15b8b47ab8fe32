// The widget's HTTP calls to its own server (same origin: the page is served by the line
// server). Tokens travel as bearer headers, never cookies. Every refusal is a WidgetError
// with the wire's code, which the widget translates.

export class WidgetError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface LineInfo {
  line: number;
  name: string;
  guests: boolean;
}

export interface Session {
  token: string;
  role: string;
  id: number;
  expires_ms: number;
  guest: boolean;
}

export interface KbHit {
  id: number;
  title: string;
  body?: string;
}

export interface SharedFile {
  file: number;
  name: string;
  size: number;
  appeal: number | null;
  duplicate: boolean;
}

/** Largest file a chat carries (linedesk_protocol::MAX_FILE_BYTES). */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
/** linedesk_protocol::MAX_MESSAGE_CHARS, MAX_RATING_COMMENT_CHARS, MAX_NAME_CHARS... */
export const MAX_MESSAGE_CHARS = 10_000;
export const MAX_COMMENT_CHARS = 2_000;
export const MAX_NAME_CHARS = 200;
export const MAX_LOGIN_CHARS = 128;
export const MAX_EMAIL_CHARS = 254;
export const MAX_PHONE_CHARS = 64;

async function refusal(response: Response): Promise<WidgetError> {
  let body: { code?: string; message?: string; field?: string } = {};
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's page): the status decides.
  }
  const code =
    body.code ?? (response.status === 413 ? "too_large" : response.status === 429 ? "rate_limited" : "internal");
  return new WidgetError(code, body.message ?? response.statusText, body.field);
}

async function call<T>(path: string, init: RequestInit = {}, token?: string): Promise<T> {
  const headers = new Headers(init.headers);
  if (token) headers.set("Authorization", `Bearer ${token}`);
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers, credentials: "omit", cache: "no-store" });
  } catch {
    throw new WidgetError("offline", "the server is unreachable");
  }
  if (!response.ok) throw await refusal(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

const json = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

export const lineInfo = (line: number) => call<LineInfo>(`/api/widget/lines/${line}`);

export async function login(loginName: string, password: string): Promise<Session> {
  const s = await call<Omit<Session, "guest">>("/api/login", json({ login: loginName, password }));
  if (s.role !== "client") throw new WidgetError("not_client", "not a client's account");
  return { ...s, guest: false };
}

export async function guest(
  line: number,
  name: string,
  contact: { email?: string; phone?: string },
): Promise<Session> {
  const s = await call<Omit<Session, "guest">>("/api/widget/guest", json({ line, name, ...contact }));
  return { ...s, guest: true };
}

export const logout = (token: string) => call<void>("/api/logout", { method: "POST" }, token);

export function upload(token: string, file: File, key: string): Promise<SharedFile> {
  const query = `name=${encodeURIComponent(file.name)}&key=${encodeURIComponent(key)}`;
  return call<SharedFile>(
    `/api/files?${query}`,
    { method: "POST", headers: { "Content-Type": "application/octet-stream" }, body: file },
    token,
  );
}

export const download = (token: string, file: number): Promise<Blob> =>
  blob(token, `/api/files/${file}`);

/** A call's recording (Ogg Opus): only the call's own client gets it. */
export const downloadRecording = (token: string, call: number): Promise<Blob> =>
  blob(token, `/api/calls/${call}/recording`);

async function blob(token: string, path: string): Promise<Blob> {
  let response: Response;
  try {
    response = await fetch(path, {
      headers: { Authorization: `Bearer ${token}` },
      credentials: "omit",
    });
  } catch {
    throw new WidgetError("offline", "the server is unreachable");
  }
  if (!response.ok) throw await refusal(response);
  return response.blob();
}

/** W1: who answers: a specialist of the client's line, as their profile says. */
export interface SpecialistCard {
  specialist: number;
  name: string;
  position: string;
  /** The avatar's version (0: none). */
  avatar: number;
}

export const specialistCard = (token: string, line: number, id: number) =>
  call<SpecialistCard>(`/api/lines/${line}/specialists/${id}`, {}, token);

/** The specialist's avatar (an image the server checked and serves with its own type). */
export const specialistAvatar = (token: string, id: number): Promise<Blob> =>
  blob(token, `/api/specialists/${id}/avatar`);

export const kbSearch = (token: string, line: number, q: string) =>
  call<KbHit[]>(`/api/lines/${line}/kb?q=${encodeURIComponent(q)}`, {}, token);

export const kbArticle = (token: string, line: number, id: number) =>
  call<KbHit>(`/api/lines/${line}/kb/${id}`, {}, token);

/** A fresh idempotency key (ASCII, well under the wire's 128 bytes). */
export function newKey(prefix: string): string {
  const random = new Uint32Array(2);
  crypto.getRandomValues(random);
  return `${prefix}-${Date.now().toString(36)}-${random[0].toString(36)}${random[1].toString(36)}`;
}
