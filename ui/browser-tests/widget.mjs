// The client's web widget in real Chromium against the real linedesk-server binary:
//   LINEDESK_SERVER_BIN=target/debug/linedesk-server node --experimental-websocket browser-tests/widget.mjs
// (crates/server/tests/widget_browser.rs runs it under `cargo test`). Exits non-zero on the
// first failed step, naming it.
//
// Scenarios: a client opens the widget on a page of an allowed origin, signs in and writes; a
// specialist answers over the real WebSocket and the client sees it; files both ways; a message
// typed while the server is down is kept and sent once it is back; finish with the result shown
// and a rating with a comment; the call button (a ringing call cut by the server's stop, a
// declined call and the call-back request; the call itself: crates/client-sim/tests/
// widget_call.rs); the remote-help panel; an XSS list in names, messages, results and file
// names creates no element; the widget refused in a frame of a site not allowed; its API and WebSocket refused
// from a foreign page; with LINEDESK_TLS_CERT/KEY, the widget behind the server's TLS.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  freePort, launchBrowser, openWidget, prepareLine, signIn, signInAsGuest, snippet, Specialist,
  startHost, startServer,
} from "./harness.mjs";

const uiFile = (name) => JSON.parse(readFileSync(new URL(`../src/widget/${name}`, import.meta.url), "utf8"));
const ru = uiFile("ru.json");
const help = uiFile("remote-help.json");

const binary = process.env.LINEDESK_SERVER_BIN;
if (!binary) throw new Error("set LINEDESK_SERVER_BIN to the linedesk-server binary");

// Each would make an element (or run) if it were ever treated as HTML.
const XSS = [
  `<img src=x onerror="window.__xss=1" data-xss>`,
  `<script data-xss>window.__xss=1</script>`,
  `<svg onload="window.__xss=1" data-xss></svg>`,
  `"><iframe data-xss src="javascript:window.__xss=1"></iframe>`,
  `<b data-xss>bold</b>&amp;&lt;i&gt;`,
];
const KB_TITLE = `Принтер не печатает ${XSS[3]}`;
const KB_BODY = `Выключите принтер и включите снова. ${XSS[4]}`;
const names = {
  line: `Линия ${XSS[0]}`,
  client: `Клиент ${XSS[1]}`,
  specialist: `Анна ${XSS[2]}`,
  kb: `[[article]]\ntitle = ${JSON.stringify(KB_TITLE)}\nbody = ${JSON.stringify(KB_BODY)}\n`,
};

let failed = false;
async function step(name, work) {
  const started = Date.now();
  try {
    await work();
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failed = true;
    console.log(`FAIL ${name}: ${e?.stack ?? e}`);
    throw e;
  }
}

/** No element of the XSS list exists in the widget's document, and nothing ran. */
async function assertNoXss(frame) {
  const found = await frame.evaluate(() => ({
    marked: document.querySelectorAll("[data-xss]").length,
    elements: document.querySelectorAll("img, svg, iframe, b, i, script:not([src])").length,
    ran: window.__xss === 1,
  }));
  assert.deepEqual(found, { marked: 0, elements: 0, ran: false });
}

const prepared = prepareLine(binary, names);
const hostPort = await freePort();
const hostOrigin = `http://127.0.0.1:${hostPort}`;
let server = await startServer(binary, {
  ...prepared,
  widgetLines: [{ line: prepared.line, origins: [hostOrigin], guests: true }],
});
const host = await startHost(hostPort, () => snippet(server.url, prepared.line));
// Another site, not allowed to embed the widget: same snippet, other origin.
const foreign = await startHost(0, () => snippet(server.url, prepared.line));
// A fake microphone for the call button's steps.
const browser = await launchBrowser([
  "--use-fake-ui-for-media-stream",
  "--use-fake-device-for-media-stream",
  "--autoplay-policy=no-user-gesture-required",
]);
const context = await browser.newContext({ acceptDownloads: true });
const specialist = await Specialist.signIn(server.url, prepared.specialistLogin, prepared.line);
await specialist.submit({ kind: "set_presence", status: "available" });

try {
  const opened = await openWidget(context, host.url);
  const page = opened.page;
  let frame = opened.frame;
  let appeal = 0;

  await step("the widget shows its line's name as text and signs the client in", async () => {
    await frame.waitForSelector("form.signin");
    assert.equal((await frame.textContent("header strong")).trim(), names.line);
    await signIn(frame, prepared.clientLogin);
  });

  const first = `Здравствуйте ${XSS[3]}`;
  await step("the client writes; the specialist receives it", async () => {
    await frame.fill("textarea[name=message]", first);
    await frame.press("textarea[name=message]", "Enter");
    const posted = await specialist.waitFor(
      (e) => e.kind === "message_posted" && e.from_specialist == null && e.text === first,
      "client message",
    );
    appeal = posted.appeal;
    await frame.waitForSelector("[data-from=client]:not([data-pending]):not([data-sent]) .text");
    assert.equal(await frame.textContent("[data-from=client] .text"), first);
    await frame.waitForSelector("[data-appeal-state=assigned]");
  });

  const answer = `Ответ ${XSS[4]}`;
  await step("the specialist answers; the client sees it as text", async () => {
    await specialist.submit({ kind: "send_message", line: prepared.line, client: prepared.client, text: answer });
    await frame.waitForSelector("[data-from=specialist] .text");
    assert.equal(await frame.textContent("[data-from=specialist] .text"), answer);
  });

  await step("files both ways", async () => {
    const clientName = `&lt;b&gt;отчёт&amp;.txt`;
    const clientBytes = Buffer.from("от клиента\n");
    await frame.setInputFiles("input.picker", { name: clientName, mimeType: "text/plain", buffer: clientBytes });
    const shared = await specialist.waitFor(
      (e) => e.kind === "file_shared" && e.from_specialist == null,
      "client file",
    );
    assert.equal(shared.name, clientName);
    assert.deepEqual(await specialist.download(shared.file), clientBytes);
    await frame.waitForSelector(`[data-from=client] [data-file="${shared.file}"]`);
    assert.equal(await frame.textContent(`[data-file="${shared.file}"] .file-name`), clientName);

    const specName = `ответ ${XSS[0]}.txt`;
    const specBytes = Buffer.from("от специалиста\n");
    const sent = await specialist.sendFile(prepared.client, specName, specBytes);
    const link = `[data-from=specialist] [data-file="${sent.file}"]`;
    await frame.waitForSelector(link);
    assert.equal(await frame.textContent(`${link} .file-name`), sent.name);
    const [download] = await Promise.all([page.waitForEvent("download"), frame.click(link)]);
    assert.equal(download.suggestedFilename(), sent.name);
    const path = await download.path();
    assert.deepEqual(readFileSync(path), specBytes);
  });

  await step("a message typed while the server is down is kept and sent when it is back", async () => {
    await server.stop();
    await frame.waitForSelector("[data-status=offline]");
    const offline = "Написано без связи";
    await frame.fill("textarea[name=message]", offline);
    await frame.press("textarea[name=message]", "Enter");
    await frame.waitForSelector("[data-pending=true]");
    const kept = await frame.evaluate(() =>
      Object.keys(localStorage).filter((k) => k.startsWith("linedesk.widget.outbox.")).map((k) => localStorage.getItem(k)),
    );
    assert.ok(kept.some((v) => v.includes("Написано без связи")), "the outbox is in localStorage");
    server = await startServer(binary, {
      ...prepared,
      bind: server.address,
      widgetLines: [{ line: prepared.line, origins: [hostOrigin], guests: true }],
    });
    await specialist.reconnect(server.url, prepared.specialistLogin);
    await specialist.waitFor((e) => e.kind === "message_posted" && e.text === offline, "the offline message");
    await frame.waitForSelector("[data-status=online]");
    await frame.waitForFunction(() => !document.querySelector("[data-pending=true], [data-sent=true]"));
    const texts = await frame.$$eval("[data-from=client] .text", (els) => els.map((e) => e.textContent));
    assert.equal(texts.filter((t) => t === offline).length, 1, "sent exactly once");
  });

  await step("a ringing call whose connection drops ends saying so; its hang-up reaches the line once back", async () => {
    await frame.click("[data-action=call]");
    const ringing = await specialist.waitFor((e) => e.kind === "call_ringing" && e.from === "client", "the call");
    await frame.waitForSelector("[data-call-phase=ringing]");
    await server.stop();
    await frame.waitForSelector("[data-call-phase=ended] [data-call-error=link_lost]");
    assert.equal((await frame.textContent(".call-state")).trim(), ru["call.error.link_lost"]);
    const kept = await frame.evaluate(() =>
      Object.keys(localStorage).filter((k) => k.startsWith("linedesk.widget.outbox.")).map((k) => localStorage.getItem(k)),
    );
    assert.ok(kept.some((v) => v.includes('"hang_up"')), `the hang-up is kept: ${kept}`);
    server = await startServer(binary, {
      ...prepared,
      bind: server.address,
      widgetLines: [{ line: prepared.line, origins: [hostOrigin], guests: true }],
    });
    await specialist.reconnect(server.url, prepared.specialistLogin);
    const ended = await specialist.waitFor((e) => e.kind === "call_ended" && e.call === ringing.call, "the call's end");
    assert.equal(ended.reason, "failed");
    assert.equal(ended.by, "client", "the widget's own hang-up, sent once back");
    await frame.waitForSelector("[data-status=online]");
    await frame.waitForSelector("[data-action=call]");
  });

  await step("a call the specialist declines is kept as missed; the call-back request reaches the line", async () => {
    await frame.click("[data-action=call]");
    const ringing = await specialist.waitFor(
      (e) => e.kind === "call_ringing" && e.from === "client" && !specialist.events.some(
        (f) => f.kind === "call_ended" && f.call === e.call),
      "the second call",
    );
    await frame.waitForSelector("[data-call-phase=ringing]");
    await specialist.submit({ kind: "hang_up", call: ringing.call, reason: "declined" });
    await frame.waitForSelector("[data-call-phase=ended] [data-call-reason=declined]");
    assert.equal((await frame.textContent(".call-state")).trim(), ru["call.reason.declined"]);
    await frame.waitForSelector("[data-call-note=missed]");
    await frame.click("[data-action=callback]");
    await specialist.waitFor((e) => e.kind === "call_back_requested", "the call-back request");
    await frame.waitForSelector("[data-call-back=sent]");
    assert.equal((await frame.textContent("[data-call-back=sent]")).trim(), ru["call.callBack.sent"]);
  });

  await step("the client plays the recording of their own call in the widget", async () => {
    await frame.click("[data-action=call]");
    const ringing = await specialist.waitFor(
      (e) => e.kind === "call_ringing" && e.from === "client" && !specialist.events.some(
        (f) => f.kind === "call_ended" && f.call === e.call),
      "the call to record",
    );
    await frame.waitForSelector("[data-call-phase=ringing]");
    await specialist.submit({ kind: "answer_call", call: ringing.call });
    await specialist.waitFor((e) => e.kind === "call_connected" && e.call === ringing.call, "the call connected");
    await specialist.submit({ kind: "hang_up", call: ringing.call, reason: "hung_up" });
    await frame.waitForSelector("[data-call-phase=ended]");
    // Three seconds of two-channel Ogg Opus, as the app's recorder writes it.
    await specialist.uploadRecording(ringing.call, readFileSync(process.env.LINEDESK_RECORDING));
    const item = `[data-kind=recording][data-call="${ringing.call}"]`;
    await frame.waitForSelector(item);
    await frame.click(`${item} button.listen`);
    const audio = `${item} audio`;
    await frame.waitForSelector(audio);
    const seconds = await frame.$eval(audio, (a) => new Promise((resolve, reject) => {
      if (a.readyState >= 1) return resolve(a.duration);
      a.onloadedmetadata = () => resolve(a.duration);
      a.onerror = () => reject(new Error(`media error ${a.error?.code}: ${a.error?.message}`));
    }));
    assert.ok(Math.abs(seconds - 3) < 0.1, `Chromium reads the recording as ${seconds} s`);
    const played = await frame.$eval(audio, (a) =>
      a.play().then(() => new Promise((resolve) => setTimeout(() => resolve(a.currentTime), 1000))));
    assert.ok(played > 0.3, `it plays: at ${played} s after a second`);
  });

  await step("the remote-help panel shows how to start the assistant, as text, over the chat", async () => {
    await frame.click("[data-action=help]");
    await frame.waitForSelector("[data-panel=remote-help]");
    assert.equal((await frame.textContent("[data-panel=remote-help] h2")).trim(), help.ru.title);
    const steps = await frame.$$eval("[data-panel=remote-help] li", (els) => els.map((e) => e.textContent.trim()));
    assert.deepEqual(steps, help.ru.steps);
    const panel = await frame.$$eval("[data-panel=remote-help] *", (els) => els.map((e) => e.tagName.toLowerCase()));
    assert.deepEqual([...new Set(panel)].sort(), ["button", "h2", "li", "ol", "p"]);
    await frame.click("[data-action=help-close]");
    await frame.waitForSelector("[data-panel=remote-help]", { state: "detached" });
    await frame.waitForSelector("[data-status=online]");
  });

  const result = `Решено ${XSS[2]}`;
  await step("finish with the result shown; rating with a comment reaches the server", async () => {
    await specialist.submit({ kind: "finish_appeal", appeal, result });
    await frame.waitForSelector(`.finished[data-appeal="${appeal}"] .result`);
    assert.equal(await frame.textContent(`.finished[data-appeal="${appeal}"] .result`), result);
    await frame.waitForSelector("[data-appeal-state=finished]");
    await frame.click("[data-stars='4']");
    const comment = `Спасибо ${XSS[1]}`;
    await frame.fill("textarea[name=comment]", comment);
    await frame.click("[data-action=rate]");
    const rated = await specialist.waitFor((e) => e.kind === "appeal_rated" && e.appeal === appeal, "rating");
    assert.equal(rated.stars, 4);
    assert.equal(rated.comment, comment);
    await frame.waitForFunction(() => !document.querySelector(".rating"));
  });

  await step("the XSS list created no element in the widget", async () => {
    await assertNoXss(frame);
    // The history after a reload is the same text.
    await page.reload();
    await page.click("[data-linedesk-button]");
    const again = await (await page.waitForSelector("iframe[data-linedesk-widget]")).contentFrame();
    await again.waitForSelector("[data-status=online]");
    await again.waitForSelector(`.finished[data-appeal="${appeal}"]`);
    assert.equal(await again.textContent("[data-from=specialist] .text"), answer);
    await assertNoXss(again);
    frame = again;
  });

  await step("KB hints while typing: an article opens as text and can answer the question", async () => {
    await frame.fill("textarea[name=message]", "принтер");
    await frame.waitForSelector("[data-kb]");
    assert.equal(await frame.textContent("[data-kb]"), KB_TITLE);
    await frame.click("[data-kb]");
    await frame.waitForSelector("[data-article] .body");
    assert.equal(await frame.textContent("[data-article] .body"), KB_BODY);
    await frame.click("[data-action=helped]");
    const helped = await specialist.waitFor((e) => e.kind === "article_helped", "article_helped");
    assert.equal(helped.title, KB_TITLE);
    await frame.waitForSelector("[data-kind=article]");
    assert.ok((await frame.textContent("[data-kind=article]")).includes(KB_TITLE));
    assert.equal(await frame.inputValue("textarea[name=message]"), "");
    await assertNoXss(frame);
  });

  await step("a guest writes, comes back to the same conversation, and is forgotten on request", async () => {
    const visitor = await browser.newContext();
    const guestName = `Гость ${XSS[0]}`;
    const first = await openWidget(visitor, host.url);
    await signInAsGuest(first.frame, { name: guestName, contact: "guest@example.com" });
    await first.frame.fill("textarea[name=message]", "Я гость");
    await first.frame.press("textarea[name=message]", "Enter");
    const card = await specialist.waitFor(
      (e) => e.kind === "client_upserted" && e.profile?.guest === true,
      "the guest's card",
    );
    assert.equal(card.profile.name, guestName);
    await specialist.waitFor(
      (e) => e.kind === "message_posted" && e.client === card.client && e.text === "Я гость",
      "the guest's message",
    );
    await specialist.submit({ kind: "send_message", line: prepared.line, client: card.client, text: "Здравствуйте, гость" });
    await first.frame.waitForSelector("[data-from=specialist] .text");
    await first.page.close();

    // The next visit: the token in this browser's storage, the same conversation.
    const second = await openWidget(visitor, host.url);
    await second.frame.waitForSelector("[data-status=online]");
    await second.frame.waitForSelector("[data-from=specialist] .text");
    assert.equal(await second.frame.textContent("[data-from=client] .text"), "Я гость");
    const token = await second.frame.evaluate(
      (line) => JSON.parse(localStorage.getItem(`linedesk.widget.session.${line}`)).token,
      prepared.line,
    );
    assert.equal(await second.frame.evaluate(() => document.cookie), "", "no cookie");
    await second.frame.click("[data-action=leave]");
    await second.frame.waitForSelector("form.signin");
    const stored = await second.frame.evaluate(
      (line) => localStorage.getItem(`linedesk.widget.session.${line}`),
      prepared.line,
    );
    assert.equal(stored, null);
    const after = await fetch(`${server.url}/api/files/1`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(after.status, 401, "the forgotten token is revoked");
    await assertNoXss(second.frame);
    await visitor.close();
  });

  await step("the widget's page carries a strict CSP framed only by the line's sites", async () => {
    const r = await fetch(`${server.url}/widget/?line=${prepared.line}`);
    const csp = r.headers.get("content-security-policy");
    assert.match(csp, /script-src 'self';/);
    assert.match(csp, /connect-src 'self';/);
    assert.ok(csp.endsWith(`frame-ancestors 'self' ${hostOrigin}`), csp);
    assert.doesNotMatch(csp, /unsafe/);
  });

  await step("a site not allowed gets no widget in its frame", async () => {
    const other = await context.newPage();
    const refused = [];
    other.on("console", (m) => refused.push(m.text()));
    await other.goto(foreign.url);
    await other.click("[data-linedesk-button]");
    const element = await other.waitForSelector("iframe[data-linedesk-widget]");
    const f = await element.contentFrame();
    await other.waitForTimeout(1000);
    const hasWidget = f ? await f.$("#widget").then((e) => e !== null).catch(() => false) : false;
    assert.equal(hasWidget, false, `the widget loaded in ${foreign.url}'s frame (${f?.url()})`);
    assert.ok(refused.some((t) => t.includes("frame-ancestors")), `no CSP refusal seen: ${refused.join(" | ")}`);
    await other.close();
  });

  await step("the API and the WebSocket refuse a foreign page", async () => {
    const other = await context.newPage();
    await other.goto(foreign.url);
    const outcome = await other.evaluate(async (url) => {
      const login = await fetch(`${url}/api/login`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ login: "client-1", password: "client-pass" }),
      }).then((r) => `status ${r.status}`, () => "refused");
      const ws = await new Promise((resolve) => {
        const socket = new WebSocket(url.replace(/^http/, "ws") + "/api/ws");
        socket.onopen = () => resolve("opened");
        socket.onerror = () => resolve("refused");
      });
      return { login, ws };
    }, server.url);
    assert.deepEqual(outcome, { login: "refused", ws: "refused" });
    // The line's own site may read the widget's public route, not the rest of the API.
    const fromHost = await page.evaluate(async (url) => {
      const ws = await new Promise((resolve) => {
        const socket = new WebSocket(url.replace(/^http/, "ws") + "/api/ws");
        socket.onopen = () => resolve("opened");
        socket.onerror = () => resolve("refused");
      });
      return ws;
    }, server.url);
    assert.equal(fromHost, "refused");
    await other.close();
  });

  if (process.env.LINEDESK_TLS_CERT) {
    await step("behind the server's TLS: the widget over https and wss", async () => {
      const line = prepareLine(binary, { line: "TLS", client: "Клиент", specialist: "Анна" });
      const tlsServer = await startServer(binary, {
        ...line,
        widgetLines: [{ line: line.line, origins: [hostOrigin], guests: false }],
        tls: { cert: process.env.LINEDESK_TLS_CERT, key: process.env.LINEDESK_TLS_KEY },
      });
      // The test CA is known to node (NODE_EXTRA_CA_CERTS); Chromium is told to accept it.
      const secure = await launchBrowser(["--ignore-certificate-errors"]);
      try {
        assert.ok(tlsServer.url.startsWith("https://"));
        const peer = await Specialist.signIn(tlsServer.url, line.specialistLogin, line.line);
        await peer.submit({ kind: "set_presence", status: "available" });
        const visitor = await secure.newContext();
        const page = await visitor.newPage();
        await page.goto(`${tlsServer.url}/widget/?line=${line.line}`);
        const widget = page.mainFrame();
        await signIn(widget, line.clientLogin);
        assert.equal(await page.evaluate(() => location.protocol), "https:");
        await widget.fill("textarea[name=message]", "по TLS");
        await widget.press("textarea[name=message]", "Enter");
        await peer.waitFor((e) => e.kind === "message_posted" && e.text === "по TLS", "a message over wss");
        await widget.waitForFunction(() => !document.querySelector("[data-pending=true]"));
        peer.close();
        await visitor.close();
      } finally {
        await secure.close();
        await tlsServer.stop();
        line.cleanup();
      }
    });
  }
} finally {
  specialist.close();
  await browser.close();
  await host.stop();
  await foreign.stop();
  await server.stop();
  prepared.cleanup();
}
process.exit(failed ? 1 : 0);
