// The ICE servers a call uses: `GET /api/ice` of the line server (STUN, and TURN with
// short-lived credentials), answered as `[{urls, username, credential}]` for a bearer token.
// A server without the route (404), or an answer that is not that shape, means no ICE
// servers: host candidates still connect on the same network.

/** At most this many servers and this long an answer are taken from the server. */
const MAX_SERVERS = 8;
const MAX_BODY = 16 * 1024;
const WAIT_MS = 3000;

function iceServer(v: unknown): RTCIceServer | null {
  if (typeof v !== "object" || v === null) return null;
  const o = v as Record<string, unknown>;
  const url = (u: unknown): u is string =>
    typeof u === "string" && u.length <= 512 && /^(stun|stuns|turn|turns):/.test(u);
  const urls = typeof o.urls === "string" ? [o.urls] : Array.isArray(o.urls) ? o.urls : [];
  if (urls.length === 0 || urls.length > MAX_SERVERS || !urls.every(url)) return null;
  const server: RTCIceServer = { urls };
  if (typeof o.username === "string" && typeof o.credential === "string") {
    server.username = o.username;
    server.credential = o.credential;
  }
  return server;
}

/** The servers of `body` (the route's JSON), or `[]` when it is not a list of them. */
export function parseIceServers(body: unknown): RTCIceServer[] {
  if (!Array.isArray(body)) return [];
  return body
    .slice(0, MAX_SERVERS)
    .map(iceServer)
    .filter((s): s is RTCIceServer => s !== null);
}

/** Ask `apiBase` (e.g. `""` for the page's own server) for the ICE servers. */
export async function fetchIceServers(apiBase: string, token: string): Promise<RTCIceServer[]> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), WAIT_MS);
  try {
    const response = await fetch(`${apiBase}/api/ice`, {
      headers: { authorization: `Bearer ${token}` },
      signal: abort.signal,
    });
    if (!response.ok) return [];
    const text = await response.text();
    if (text.length > MAX_BODY) return [];
    return parseIceServers(JSON.parse(text));
  } catch {
    return [];
  } finally {
    clearTimeout(timer);
  }
}
