// The guest's side of the app's WebDriver scenario `tests/e2e/app_widget_guest.rs`: a real
// linedesk-server (the binary, demo data, a widget line taking guests), a host site with the
// snippet and the widget in Debian's Chromium, driven one command at a time by the Rust test.
//
//   LINEDESK_SERVER_BIN=... LINEDESK_SPECIALIST_PASSWORD=... node browser-tests/app-guest.mjs
//
// Protocol: once the server listens, one JSON line on stdout `{"ready":true,"address":...,
// "line":...}`; then each JSON line on stdin is a command and gets one JSON line back,
// `{"ok":true,...}` or `{"ok":false,"error":"..."}`. stdout carries nothing else (the server's
// and Chromium's chatter goes to stderr). EOF on stdin (or `{"cmd":"quit"}`) stops everything.

import { createInterface } from "node:readline";
import {
  cli, freePort, launchBrowser, openWidget, signInAsGuest, snippet, startHost, startServer,
} from "./harness.mjs";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const WAIT_MS = 20_000;
const binary = process.env.LINEDESK_SERVER_BIN;
const password = process.env.LINEDESK_SPECIALIST_PASSWORD;
if (!binary || !password) {
  throw new Error("set LINEDESK_SERVER_BIN and LINEDESK_SPECIALIST_PASSWORD");
}

const reply = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

const dir = mkdtempSync(join(tmpdir(), "linedesk-app-guest-"));
const data = join(dir, "data");
const seeded = cli(binary, ["seed-demo", "--data-dir", data, "--password", password]);
// "seeded the demo lines [1, 2]; ...": the first is the line with clients.
const line = Number(seeded.match(/lines \[\D*(\d+)/)?.[1]);
if (!Number.isInteger(line)) throw new Error(`no line id in the seed-demo output: ${seeded}`);
const hostPort = await freePort();
const server = await startServer(binary, {
  dir,
  data,
  widgetLines: [{ line, origins: [`http://127.0.0.1:${hostPort}`], guests: true }],
});
const page = await fetch(`${server.url}/widget/?line=${line}`);
if (!page.ok) {
  await server.stop();
  throw new Error(
    `${binary} serves no widget (${page.status}): run \`cd ui && npm run build:widget\`, then \`cargo build -p linedesk-server\``,
  );
}
const host = await startHost(hostPort, () => snippet(server.url, line));
const browser = await launchBrowser();
const context = await browser.newContext({ acceptDownloads: true });
let widget = null; // { page, frame } once the guest opened it

async function stop() {
  await browser.close().catch(() => {});
  await host.stop().catch(() => {});
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}

/** Wait until some element matching `css` in the widget's frame has exactly `text`. */
async function waitText(css, text) {
  try {
    await widget.frame.waitForFunction(
      ([css, text]) => [...document.querySelectorAll(css)].some((e) => e.textContent === text),
      [css, text],
      { timeout: WAIT_MS },
    );
  } catch (e) {
    const shown = await widget.frame.$$eval(css, (els) => els.map((el) => el.textContent));
    const messages = await widget.frame.$$eval("[data-from]", (els) => els.map((el) => el.outerHTML));
    throw new Error(`no ${css} reads ${JSON.stringify(text)}; they read ${JSON.stringify(shown)}; the messages: ${messages.join("\n")}\n${e}`);
  }
}

const commands = {
  async guest({ name, contact }) {
    widget = await openWidget(context, host.url);
    await signInAsGuest(widget.frame, { name, contact });
  },
  async write({ text }) {
    await widget.frame.fill("textarea[name=message]", text);
    await widget.frame.press("textarea[name=message]", "Enter");
    // Confirmed by the server: neither waiting in the outbox nor merely sent.
    await waitText("[data-from=client]:not([data-pending]):not([data-sent]) .text", text);
  },
  async see_answer({ text }) {
    await waitText("[data-from=specialist] .text", text);
  },
  /** Send a text file `name`; the line shows it as `shown` (the server's safe file name). */
  async send_file({ name, content, shown }) {
    await widget.frame.setInputFiles("input.picker", {
      name,
      mimeType: "text/plain",
      buffer: Buffer.from(content),
    });
    await waitText("[data-from=client] [data-file] .file-name", shown);
  },
  /** Wait for the specialist's file shown as `name`, download it and compare its bytes. */
  async receive_file({ name, content }) {
    const css = "[data-from=specialist] [data-file] .file-name";
    await waitText(css, name);
    const link = await widget.frame.waitForSelector(
      `[data-from=specialist] [data-file]:has(.file-name:text-is(${JSON.stringify(name)}))`,
    );
    const [download] = await Promise.all([widget.page.waitForEvent("download"), link.click()]);
    if (download.suggestedFilename() !== name) {
      throw new Error(`the download is named ${JSON.stringify(download.suggestedFilename())}`);
    }
    const saved = readFileSync(await download.path(), "utf8");
    if (saved !== content) throw new Error(`the download holds ${JSON.stringify(saved)}`);
  },
  async see_result({ text }) {
    await waitText(".finished .result", text);
    await widget.frame.waitForSelector("[data-appeal-state=finished]", { timeout: WAIT_MS });
  },
  async rate({ stars, comment }) {
    await widget.frame.click(`[data-stars='${stars}']`);
    await widget.frame.fill("textarea[name=comment]", comment);
    await widget.frame.click("[data-action=rate]");
    await widget.frame.waitForFunction(() => !document.querySelector(".rating"), null, {
      timeout: WAIT_MS,
    });
  },
  /** What the XSS list could have made in the host page and the widget's frame. */
  async injected() {
    const look = () => ({
      marked: document.querySelectorAll("[data-xss]").length,
      elements: document.querySelectorAll("img, svg, iframe:not([data-linedesk-widget]), b, i, script:not([src])")
        .length,
      ran: window.__xss === 1,
    });
    return { host: await widget.page.evaluate(look), widget: await widget.frame.evaluate(look) };
  },
};

reply({ ready: true, url: server.url, address: server.address, line });

const input = createInterface({ input: process.stdin });
for await (const text of input) {
  if (!text.trim()) continue;
  let command;
  try {
    command = JSON.parse(text);
  } catch (e) {
    reply({ ok: false, error: `not JSON: ${text}` });
    continue;
  }
  if (command.cmd === "quit") break;
  const run = commands[command.cmd];
  if (!run) {
    reply({ ok: false, error: `no command ${command.cmd}` });
    continue;
  }
  try {
    reply({ ok: true, ...(await run(command)) });
  } catch (e) {
    reply({ ok: false, error: String(e?.stack ?? e) });
  }
}
await stop();
process.exit(0);
