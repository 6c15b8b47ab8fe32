// The browser half of `tests/browser_call.rs`: real Chromium (Debian's, driven by
// playwright-core) calls the line with the widget's call module (ui/src/widget/call).
//
//   node call.mjs --ui <ui dir> [--server 127.0.0.1:PORT] --wav <speech.wav> --out <dir>
//                 --login <client> --password <password> --talk-ms <ms>
//                 [--scenario missed --ring-ms <ms>]
//
// It serves a test page and the call module (TypeScript transpiled on the fly) on a port of
// its own, proxies /api/* (HTTP and the WebSocket) to the line server so the page is one
// origin, prints `READY <port>` (the Rust side then allows that origin and starts serving)
// and waits for `go` on stdin (`go 127.0.0.1:PORT` names the line server when --server was not
// given: a server started once the page's origin is known, to allow it). Then the page signs in as the client, the button is clicked,
// the call is held for --talk-ms once connected and hung up from the page. The page records
// its microphone and what it received (WebAudio, 48 kHz), which land in <out>/browser-said.wav
// and <out>/browser-heard.wav, and <out>/browser.json says when the recording started (Unix
// ms), the call's timings and its states. `--scenario missed`: nobody answers; the page gives
// up ringing after --ring-ms, asks to be called back, and browser.json holds the call's last
// state and what came of the request.

import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import readline from "node:readline";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

function options() {
  const out = {};
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i += 2) {
    if (!args[i].startsWith("--") || args[i + 1] === undefined) throw new Error(`bad argument ${args[i]}`);
    out[args[i].slice(2)] = args[i + 1];
  }
  for (const need of ["ui", "wav", "out", "login", "password", "talk-ms"]) {
    if (!out[need]) throw new Error(`--${need} is needed`);
  }
  return out;
}

const opts = options();
const require = createRequire(path.join(path.resolve(opts.ui), "package.json"));
const ts = require("typescript");
const { chromium } = require("playwright-core");
const moduleDir = path.join(path.resolve(opts.ui), "src/widget/call");
let [serverHost, serverPort] = (opts.server ?? "").split(":");

/** The call module's file `name`.ts as JavaScript. */
function transpiled(name) {
  const file = path.join(moduleDir, `${name}.ts`);
  if (!/^[a-z]+$/.test(name) || !fs.existsSync(file)) return null;
  const source = fs.readFileSync(file, "utf8");
  return ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  }).outputText;
}

function proxy(req, res) {
  const upstream = http.request(
    { host: serverHost, port: serverPort, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", () => {
    res.writeHead(502);
    res.end();
  });
  req.pipe(upstream);
}

const site = http.createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://page");
  if (url.pathname.startsWith("/api/")) return proxy(req, res);
  const send = (type, body) => {
    res.writeHead(200, { "content-type": type, "cache-control": "no-store" });
    res.end(body);
  };
  if (url.pathname === "/") return send("text/html", fs.readFileSync(path.join(here, "page.html")));
  if (url.pathname === "/page.js") return send("text/javascript", fs.readFileSync(path.join(here, "page.js")));
  const m = url.pathname.match(/^\/call\/([a-z]+)\.js$/);
  const js = m && transpiled(m[1]);
  if (js) return send("text/javascript", js);
  res.writeHead(404);
  res.end();
});

// The WebSocket upgrade: the request head as received, then bytes both ways.
site.on("upgrade", (req, socket, head) => {
  const upstream = net.connect(Number(serverPort), serverHost, () => {
    let lines = `${req.method} ${req.url} HTTP/1.1\r\n`;
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
    upstream.write(`${lines}\r\n`);
    upstream.write(head);
    socket.pipe(upstream).pipe(socket);
  });
  upstream.on("error", () => socket.destroy());
  socket.on("error", () => upstream.destroy());
});

function wav(samples) {
  const data = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(s * 32767))), i * 2));
  const head = Buffer.alloc(44);
  head.write("RIFF", 0);
  head.writeUInt32LE(36 + data.length, 4);
  head.write("WAVEfmt ", 8);
  head.writeUInt32LE(16, 16);
  head.writeUInt16LE(1, 20);
  head.writeUInt16LE(1, 22);
  head.writeUInt32LE(48000, 24);
  head.writeUInt32LE(96000, 28);
  head.writeUInt16LE(2, 32);
  head.writeUInt16LE(16, 34);
  head.write("data", 36);
  head.writeUInt32LE(data.length, 40);
  return Buffer.concat([head, data]);
}

const fromBase64 = (b64) => {
  const bytes = Buffer.from(b64, "base64");
  return Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
};

async function main() {
  await new Promise((ok) => site.listen(0, "127.0.0.1", ok));
  const port = site.address().port;
  console.log(`READY ${port}`);
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const [word, server] = line.trim().split(/\s+/);
    if (word !== "go") continue;
    if (server) [serverHost, serverPort] = server.split(":");
    break;
  }
  if (!serverHost || !serverPort) throw new Error("no line server: give --server or `go HOST:PORT`");

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-audio-capture=${path.resolve(opts.wav)}`,
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
  try {
    const page = await browser.newPage();
    page.on("console", (m) => console.log(`page: ${m.text()}`));
    page.on("pageerror", (e) => console.log(`page error: ${e.message}`));
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.evaluate(({ login, password }) => window.signIn(login, password), {
      login: opts.login,
      password: opts.password,
    });
    if (opts.scenario === "missed") {
      // Nobody answers: the page gives up ringing after --ring-ms.
      await page.evaluate((ms) => (window.ringTimeoutMs = ms), Number(opts["ring-ms"] ?? 2000));
      await page.click("#call");
      await page.waitForFunction(() => window.callPhase() === "ended", null, { timeout: 30_000 });
      const state = await page.evaluate(() => window.callState());
      // The widget offers the call-back request for a missed call.
      if (state.missed) {
        await page.click("#callback");
        await page.waitForFunction(() => window.callBackResult !== undefined, null, { timeout: 15_000 });
      }
      const callBack = await page.evaluate(() => window.callBackResult ?? null);
      fs.writeFileSync(path.join(opts.out, "browser.json"), JSON.stringify({ state, callBack }, null, 1));
      console.log(`DONE ${JSON.stringify(state)}`);
      return;
    }
    await page.click("#call");
    await page.waitForFunction(() => ["connected", "ended"].includes(window.callPhase()), null, {
      timeout: 30_000,
    });
    const phase = await page.evaluate(() => window.callPhase());
    if (phase !== "connected") {
      const state = await page.evaluate(() => JSON.stringify(window.callState()));
      throw new Error(`the call ended before it connected: ${state}`);
    }
    await page.waitForTimeout(Number(opts["talk-ms"]));
    // What arrived from the specialist's side, read while the connection is still up.
    const inbound = await page.evaluate(() => window.inboundAudio());
    await page.click("#hangup");
    await page.waitForFunction(() => window.callPhase() === "ended", null, { timeout: 10_000 });
    const result = await page.evaluate(() => window.finishRecording());
    fs.writeFileSync(path.join(opts.out, "browser-said.wav"), wav(fromBase64(result.said)));
    fs.writeFileSync(path.join(opts.out, "browser-heard.wav"), wav(fromBase64(result.heard)));
    delete result.said;
    delete result.heard;
    result.inbound = inbound;
    fs.writeFileSync(path.join(opts.out, "browser.json"), JSON.stringify(result, null, 1));
    console.log(`DONE ${JSON.stringify(result.timings)}`);
  } finally {
    await browser.close();
    site.close();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`call.mjs: ${e?.stack ?? e}`);
    process.exit(1);
  },
);
