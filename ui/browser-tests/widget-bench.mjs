// Figures of the client's web widget for BENCHMARKS.md:
// - the page's weight: its JS and CSS as built (ui/dist-widget), gzip -9 each, and embed.js;
// - the time from opening the widget (the click on the site's corner button) to a sent
//   message (the server's event for it shown in the widget), for a returning visitor (the
//   token kept in the browser) and for a first visit including the sign-in form; Chromium
//   headless, measured by the driver (playwright-core) on this machine.
//
//   cargo build --release -p linedesk-server && cd ui && npm run build:widget &&
//   LINEDESK_SERVER_BIN=$CARGO_TARGET_DIR/release/linedesk-server \
//     node --experimental-websocket --no-warnings browser-tests/widget-bench.mjs [runs]

import { readdirSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import {
  freePort, launchBrowser, prepareLine, signIn, snippet, startHost, startServer,
} from "./harness.mjs";

const binary = process.env.LINEDESK_SERVER_BIN;
if (!binary) throw new Error("set LINEDESK_SERVER_BIN to the linedesk-server binary (release)");
const runs = Number(process.argv[2] ?? 20);

const dist = new URL("../dist-widget/assets/", import.meta.url);
let raw = 0;
let gz = 0;
for (const name of readdirSync(dist).filter((n) => /\.(js|css)$/.test(n))) {
  const bytes = readFileSync(new URL(name, dist));
  raw += bytes.length;
  gz += gzipSync(bytes, { level: 9 }).length;
  console.log(`${name}: ${bytes.length} B, gzip ${gzipSync(bytes, { level: 9 }).length} B`);
}
const embed = readFileSync(new URL("../../crates/server/src/http/widget/embed.js", import.meta.url));
console.log(`widget JS+CSS: ${(raw / 1024).toFixed(1)} KiB, gzip ${(gz / 1024).toFixed(1)} KiB`);
console.log(`embed.js: ${embed.length} B, gzip ${gzipSync(embed, { level: 9 }).length} B`);

const prepared = prepareLine(binary, { line: "Линия", client: "Клиент", specialist: "Анна" });
const hostPort = await freePort();
const server = await startServer(binary, {
  ...prepared,
  widgetLines: [{ line: prepared.line, origins: [`http://127.0.0.1:${hostPort}`], guests: false }],
});
const host = await startHost(hostPort, () => snippet(server.url, prepared.line));
const browser = await launchBrowser();

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return `median ${at(0.5)} ms, p90 ${at(0.9)} ms, min ${s[0]} ms, max ${s[s.length - 1]} ms (${s.length} runs)`;
};

async function sendAndWait(frame, text) {
  const before = await frame.$$eval("[data-from=client]:not([data-pending]):not([data-sent])", (e) => e.length);
  await frame.fill("textarea[name=message]", text);
  await frame.press("textarea[name=message]", "Enter");
  await frame.waitForFunction(
    (n) => document.querySelectorAll("[data-from=client]:not([data-pending]):not([data-sent])").length > n,
    before,
  );
}

try {
  const first = [];
  const returning = [];
  const phases = { shown: [], online: [] };
  for (let i = 0; i < runs; i++) {
    // A first visit: a fresh browser profile, the sign-in form filled by the driver.
    const fresh = await browser.newContext();
    const page = await fresh.newPage();
    await page.goto(host.url);
    const t0 = Date.now();
    await page.click("[data-linedesk-button]");
    const frame = await (await page.waitForSelector("iframe[data-linedesk-widget]")).contentFrame();
    await signIn(frame, prepared.clientLogin);
    await sendAndWait(frame, `первый визит ${i}`);
    first.push(Date.now() - t0);
    await page.close();

    // A returning visitor: the same profile, the token kept.
    const again = await fresh.newPage();
    await again.goto(host.url);
    const t1 = Date.now();
    await again.click("[data-linedesk-button]");
    const f2 = await (await again.waitForSelector("iframe[data-linedesk-widget]")).contentFrame();
    await f2.waitForSelector("form.signin, .chat");
    const shown = Date.now() - t1;
    await f2.waitForSelector("[data-status=online]");
    const online = Date.now() - t1;
    await sendAndWait(f2, `снова ${i}`);
    returning.push(Date.now() - t1);
    phases.shown.push(shown);
    phases.online.push(online);
    await fresh.close();
  }
  console.log(`open -> sent, returning visitor: ${stats(returning)}`);
  console.log(`  of which open -> widget shown: ${stats(phases.shown)}`);
  console.log(`  of which open -> online (session caught up): ${stats(phases.online)}`);
  console.log(`open -> signed in -> sent, first visit: ${stats(first)}`);
} finally {
  await browser.close();
  await host.stop();
  await server.stop();
  prepared.cleanup();
}
