// The browser side of the widget's tests, reusable: a real linedesk-server (the binary, with a
// temp data dir and a config naming the widget's lines), host pages on other ports that
// include the one-line snippet, Debian's Chromium through playwright-core, and a specialist
// over the real WebSocket. Used by widget.mjs (the scenarios) and widget-bench.mjs; the app's
// WebDriver scenario can drive the same widget with `openWidget` and `signIn`.
//
// Node 20: run with --experimental-websocket (the specialist's WebSocket).

import { spawn, execFileSync } from "node:child_process";
import http from "node:http";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.LINEDESK_CHROMIUM ?? "/usr/bin/chromium";

/** Run the server's CLI on `dataDir`; returns its printed output (an id, mostly). */
export function cli(binary, args) {
  return execFileSync(binary, args, { encoding: "utf8" }).trim();
}

/** A data dir with one line, a client who can sign in and a specialist serving the line
 * (`names.kb`: the text of a KB file of the line, `[[article]]` entries). */
export function prepareLine(binary, names) {
  const dir = mkdtempSync(join(tmpdir(), "linedesk-widget-"));
  const data = join(dir, "data");
  const line = Number(cli(binary, ["add-line", "--data-dir", data, "--name", names.line]));
  const client = Number(
    cli(binary, ["add-client", "--data-dir", data, "--line", String(line), "--name", names.client,
      "--login", "client-1", "--password", "client-pass"]),
  );
  cli(binary, ["add-specialist", "--data-dir", data, "--login", "anna", "--password", "anna-pass",
    "--name", names.specialist, "--lines", String(line)]);
  if (names.kb) {
    const file = join(dir, "kb.toml");
    writeFileSync(file, names.kb);
    cli(binary, ["kb-import", "--data-dir", data, "--line", String(line), "--file", file]);
  }
  return {
    dir, data, line, client,
    clientLogin: { login: "client-1", password: "client-pass" },
    specialistLogin: { login: "anna", password: "anna-pass" },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Start `binary serve` with a config (`bind` "127.0.0.1:0" the first time; `tls`: {cert, key}
 * PEM files for HTTPS and WSS); resolves once it listens, with its base URL and a `stop()`. */
export async function startServer(binary, { dir, data, bind = "127.0.0.1:0", widgetLines, tls }) {
  const lines = widgetLines
    .map((w) => `[[widget.lines]]\nline = ${w.line}\norigins = ${JSON.stringify(w.origins)}\nguests = ${w.guests}\n`)
    .join("");
  const config = join(dir, "server.toml");
  const tlsSection = tls
    ? `[tls]\ncert = ${JSON.stringify(tls.cert)}\nkey = ${JSON.stringify(tls.key)}\n`
    : "";
  writeFileSync(config, `bind = "${bind}"\ndata_dir = ${JSON.stringify(data)}\n${lines}${tlsSection}`);
  const child = spawn(binary, ["serve", "--config", config], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const address = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${stderr}`)), 15_000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on("exit", (code) => reject(new Error(`the server exited (${code}): ${stderr}`)));
  });
  return {
    url: `${tls ? "https" : "http"}://${address}`,
    address,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", resolve);
        child.kill("SIGTERM");
      }),
  };
}

/** A tiny site on its own port: `/` is a page with the widget's one-line snippet. */
export async function startHost(port, snippetFor) {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>A shop</h1>${snippetFor(req)}</body></html>`);
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    port: server.address().port,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** The one line a site owner pastes. */
export const snippet = (serverUrl, line) =>
  `<script src="${serverUrl}/widget/embed.js" data-line="${line}" async></script>`;

/** A free port on 127.0.0.1 (for a host page whose origin the config must name beforehand). */
export function freePort() {
  return new Promise((resolve) => {
    const s = http.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function launchBrowser(extraArgs = []) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", ...extraArgs],
  });
}

/** Open `hostUrl` and the widget through its corner button; returns the page and the frame. */
export async function openWidget(context, hostUrl) {
  const page = await context.newPage();
  await page.goto(hostUrl);
  await page.click("[data-linedesk-button]");
  const element = await page.waitForSelector("iframe[data-linedesk-widget]");
  const frame = await element.contentFrame();
  return { page, frame };
}

/** Sign in with a client's login and password in the widget's frame; waits until online. */
export async function signIn(frame, { login, password }) {
  await frame.waitForSelector("form.signin");
  if (await frame.$("[data-tab=login]")) await frame.click("[data-tab=login]");
  await frame.fill("input[name=login]", login);
  await frame.fill("input[name=password]", password);
  await frame.click("button[type=submit]");
  await frame.waitForSelector("[data-status=online]");
}

async function login(serverUrl, { login, password }) {
  const answer = await fetch(`${serverUrl}/api/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ login, password }),
  });
  if (!answer.ok) throw new Error(`the login of ${login}: ${answer.status}`);
  return (await answer.json()).token;
}

/** Sign in as a guest in the widget's frame (a line that takes guests); waits until online. */
export async function signInAsGuest(frame, { name, contact }) {
  await frame.waitForSelector("form.signin");
  if (await frame.$("[data-tab=guest]")) await frame.click("[data-tab=guest]");
  await frame.fill("input[name=name]", name);
  await frame.fill("input[name=contact]", contact);
  await frame.click("button[type=submit]");
  await frame.waitForSelector("[data-status=online]");
}

/** A specialist on the real wire: sign in, subscribe from the start, act and wait for events. */
export class Specialist {
  static async signIn(serverUrl, credentials, line) {
    const s = new Specialist(serverUrl, await login(serverUrl, credentials), line);
    await s.connect();
    return s;
  }

  /** Sign in again (a restarted server): a new session replaying the line from the start. */
  async reconnect(serverUrl, credentials) {
    this.close();
    this.serverUrl = serverUrl;
    this.token = await login(serverUrl, credentials);
    this.events = [];
    await this.connect();
  }

  constructor(serverUrl, token, line) {
    this.serverUrl = serverUrl;
    this.token = token;
    this.line = line;
    this.events = [];
    this.waiters = [];
    this.acks = new Map();
    this.keys = 0;
  }

  connect() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.serverUrl.replace(/^http/, "ws") + "/api/ws");
      this.ws = ws;
      ws.onopen = () => ws.send(JSON.stringify({ type: "hello", version: 1, token: this.token }));
      ws.onerror = () => reject(new Error("the specialist's socket failed"));
      ws.onmessage = (m) => {
        const f = JSON.parse(m.data);
        if (f.type === "welcome") ws.send(JSON.stringify({ type: "subscribe", line: this.line, after: 0 }));
        else if (f.type === "caught_up") resolve();
        else if (f.type === "event") {
          this.events.push(f.event);
          for (const waiter of [...this.waiters]) {
            if (waiter(f.event)) this.waiters.splice(this.waiters.indexOf(waiter), 1);
          }
        } else if (f.type === "ack" || f.type === "error") {
          const done = this.acks.get(f.key);
          if (done) done(f);
        }
      };
    });
  }

  /** Submit an action; resolves with the ack, rejects with the refusal. */
  submit(action) {
    const key = `spec-${process.pid}-${++this.keys}`;
    return new Promise((resolve, reject) => {
      this.acks.set(key, (f) => (f.type === "ack" ? resolve(f) : reject(new Error(`${f.code}: ${f.message}`))));
      this.ws.send(JSON.stringify({ type: "submit", key, action }));
    });
  }

  /** The first event (already seen or coming) that `match` accepts. */
  waitFor(match, what, ms = 15_000) {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the specialist saw no ${what}`)), ms);
      this.waiters.push((e) => {
        if (!match(e)) return false;
        clearTimeout(timer);
        resolve(e);
        return true;
      });
    });
  }

  async sendFile(client, name, bytes) {
    const q = `name=${encodeURIComponent(name)}&key=${encodeURIComponent(`spec-file-${++this.keys}`)}`;
    const r = await fetch(`${this.serverUrl}/api/lines/${this.line}/clients/${client}/files?${q}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${this.token}` },
      body: bytes,
    });
    if (!r.ok) throw new Error(`the specialist's upload: ${r.status} ${await r.text()}`);
    return r.json();
  }

  /** Upload the Ogg Opus recording of `call`, as its specialist's app does. */
  async uploadRecording(call, bytes) {
    const r = await fetch(`${this.serverUrl}/api/calls/${call}/recording`, {
      method: "POST",
      headers: { Authorization: `Bearer ${this.token}`, "Content-Type": "audio/ogg" },
      body: bytes,
    });
    if (!r.ok) throw new Error(`the specialist's recording upload: ${r.status} ${await r.text()}`);
    return r.json();
  }

  async download(file) {
    const r = await fetch(`${this.serverUrl}/api/files/${file}`, {
      headers: { Authorization: `Bearer ${this.token}` },
    });
    if (!r.ok) throw new Error(`the specialist's download: ${r.status}`);
    return Buffer.from(await r.arrayBuffer());
  }

  close() {
    this.ws?.close();
  }
}
