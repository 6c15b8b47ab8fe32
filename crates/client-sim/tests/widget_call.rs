//! The web widget's call button in real Chromium (issue 13): the widget's own page, served by
//! the real line server on 127.0.0.1 (`GET /widget/?line=N`, the build embedded in
//! linedesk-server), a client signing in with its form and pressing the call button, driven by
//! `ui/browser-tests/widget-call.mjs` (playwright-core, Debian's `chromium` with speech as its
//! fake microphone). The specialist's side is the engine (`Call::answer` + `CallSession`), not
//! a browser. Speech must flow both ways (cross-correlation, as browser_call.rs), the engine's
//! hold must show in the widget, and the widget's hang-up must end the call on both sides.
//! Once ended, the widget reports what Chromium measured (`CallStats` from its getStats()),
//! and the server must keep it as the client's side of the call, the MOS estimated there.
//!
//! The same call through TURN only: a real coturn on loopback (`test-support/coturn.rs`), the
//! line server handing out its REST credentials (`GET /api/ice`), the widget's peer relay-only
//! (`?ice=relay` in its address) and the engine's too; the selected candidate pair must be
//! relay on both ends, as the page's `getStats()` and the engine's `media_path` say. Then
//! the same relay-only call with coturn killed once connected and started again: the widget
//! shows `reconnecting`, restarts ICE as the offering side, is connected again and speech flows
//! both ways after it, the call never ended (issue 13).
//!
//! The other way round (issue 13): the specialist's engine calls the client (`PlaceCall` with
//! the client, offering while it rings); the widget rings with Accept and Decline, the page
//! accepts, speech flows both ways, the hold shows, the widget hangs up, its statistics reach
//! the server, and the engine's two-channel recording is uploaded and attached to the appeal
//! like every call's. A ring the client declines ends the call as `declined` by the client.
//!
//! Needs `chromium`, `espeak-ng`, `coturn`, `npm ci` in ui/ and the widget built into
//! `ui/dist-widget` before linedesk-server was compiled (`./dev.sh setup`, `./dev.sh test`):
//! a missing part fails the test, saying which.

mod common;
#[path = "../../../test-support/coturn.rs"]
mod coturn;
#[path = "browser/engine_side.rs"]
mod engine_side;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Demo, SPECIALIST_PASSWORD, ended_in_log, speech, with_lead_in};
use coturn::Coturn;
use engine_side::{
    SpecialistSide, TAP_SLACK_MS, answer_in_engine, call_from_engine, energy, from, write_wav,
};
use linedesk_call::{CallConfig, CandidateKind};
use linedesk_demo::DEMO_SPECIALIST_LOGIN;
use linedesk_domain::presence::PresenceStatus;
use linedesk_endpoint::test_pki::TestPki;
use linedesk_engine::analysis::align;
use linedesk_engine::line::LineLink;
use linedesk_engine::upload::upload_recording;
use linedesk_protocol::{Action, CallEndReason, Event, Role};
use linedesk_server::app::{Server, ServerOptions, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::demo::{DEMO_CLIENT_PASSWORD, seed_if_empty};
use linedesk_server::ice::{IceConfig, TurnSecret};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Storage, StorageError};
use linedesk_server::widget_policy::{WidgetLine, WidgetPolicy};

const TURN_SECRET: &str = "the-line-and-coturn-share-this";

fn ui_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui")
}

/// The demo world on a real server whose first line has the widget, handing out `ice`.
async fn serve_widget_demo(ice: IceConfig) -> Demo {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let dir = tempfile::tempdir().expect("dir");
    let storage = Arc::new(SqliteStorage::open(&dir.path().join("server.db")).expect("storage"));
    let hash = |p: &str| hash_password(p).map_err(|e| StorageError::Invalid(e.to_string()));
    let now = linedesk_server::app::now_ms();
    let ids = seed_if_empty(
        &*storage,
        now,
        &hash(SPECIALIST_PASSWORD).expect("hash"),
        &hash,
    )
    .expect("seed")
    .expect("seeded");
    let line = ids.lines[0];
    let widget = WidgetPolicy::new([(
        line,
        WidgetLine {
            origins: Vec::new(),
            guests: false,
        },
    )])
    .expect("the widget's line");
    let options = ServerOptions {
        widget,
        ice,
        ..ServerOptions::default()
    };
    let addr = listener.local_addr().expect("addr").to_string();
    let server = Server::with_options(
        storage.clone(),
        linedesk_server::presence::OFFLINE_GRACE,
        options,
    );
    tokio::spawn(serve(listener, server));
    Demo {
        url: format!("http://{addr}"),
        addr,
        ca: None,
        storage,
        line,
        dir,
    }
}

/// `widget-call.mjs` on `url`; its stdout lines are printed, shown to `on_line` as they come
/// and handed over.
fn start_browser(
    url: &str,
    wav: &Path,
    out: &Path,
    talk: Duration,
    extra: &[&str],
    mut on_line: impl FnMut(&str) + Send + 'static,
) -> (Child, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let ui = ui_dir();
    let chromium =
        std::env::var("LINEDESK_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "{chromium} is missing: install Debian's chromium (./dev.sh setup)"
    );
    assert!(
        ui.join("node_modules/playwright-core").is_dir(),
        "playwright-core is missing: run `npm ci` in ui/ (./dev.sh setup)"
    );
    let mut child = Command::new("node")
        .arg("browser-tests/widget-call.mjs")
        .args(["--url", url])
        .args(["--wav".as_ref(), wav.as_os_str()])
        .args(["--out".as_ref(), out.as_os_str()])
        .args(["--login", "client-1", "--password", DEMO_CLIENT_PASSWORD])
        .args(["--talk-ms", &talk.as_millis().to_string()])
        .args(extra)
        .current_dir(&ui)
        .env("LINEDESK_CHROMIUM", &chromium)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("node is needed ({e})"));
    let stdout = child.stdout.take().expect("stdout");
    let (tx, lines) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("browser: {line}");
            on_line(&line);
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    (child, lines)
}

/// What the widget's page wrote (browser.json) and recorded.
struct PageSide {
    result: serde_json::Value,
    said: Vec<f32>,
    heard: Vec<f32>,
}

/// The relay to kill when the page says BREAK and start again when it says RESUME.
type RelayBreak = Arc<Mutex<Coturn>>;

/// The engine stays silent this long before its reply when the relay breaks: the reply is
/// said (and the hold comes) once the widget's ICE restart brought the path back.
const SILENCE_THROUGH_BREAK: Duration = Duration::from_secs(16);

/// Who places the call of [`widget_call`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Caller {
    /// The widget's call button; the engine answers.
    Widget,
    /// The engine calls the demo client; the widget rings and the page accepts.
    Specialist,
}

/// The whole call: the widget calls, the engine (with `config`) answers and talks, the
/// widget hangs up (or, with [`Caller::Specialist`], the engine calls and the widget answers). Checks speech both ways, the hold shown and the end on both sides; with
/// `relay_break`, the relay dies once connected and comes back (`--break-relay`), and speech
/// is checked from the moment the widget was connected again.
async fn widget_call(
    demo: &Demo,
    query: &str,
    config: CallConfig,
    spec: &mut LineLink,
    extra: &[&str],
    relay_break: Option<RelayBreak>,
    caller: Caller,
) -> (SpecialistSide, PageSide) {
    let scratch = tempfile::tempdir().expect("dir");
    let out = scratch.path();
    let words = with_lead_in(&speech(
        out,
        "client",
        "Здравствуйте, у меня не проводится документ реализации.",
    ));
    let mut browser_mic = words.clone();
    browser_mic.extend(vec![0.0; 48_000]);
    let mic_wav = out.join("browser-mic.wav");
    write_wav(&mic_wav, &browser_mic);
    let mut reply = with_lead_in(&speech(out, "specialist", "Добрый день, сейчас посмотрим."));
    let mut extra = extra.to_vec();
    if relay_break.is_some() {
        let mut padded = vec![0.0; (SILENCE_THROUGH_BREAK.as_secs_f64() * 48_000.0) as usize];
        padded.extend_from_slice(&reply);
        reply = padded;
        extra.extend(["--break-relay", "1"]);
    }
    if caller == Caller::Specialist {
        extra.extend(["--answer", "1"]);
    }
    let talk = Duration::from_secs_f64(reply.len() as f64 / 48_000.0 + 2.0);

    let url = format!("{}/widget/?line={}&lang=en{query}", demo.url, demo.line);
    let relay = relay_break.clone();
    let on_line = move |line: &str| {
        let Some(relay) = &relay else { return };
        let mut turn = relay.lock().unwrap_or_else(|e| e.into_inner());
        match line {
            "BREAK" => turn.stop(),
            "RESUME" => turn.resume(),
            _ => {}
        }
    };
    let (mut child, mut lines) = start_browser(&url, &mic_wav, out, talk, &extra, on_line);
    let recording = demo.dir.path().join("specialist.ogg");
    let side = match caller {
        Caller::Widget => answer_in_engine(spec, &reply, recording, config).await,
        Caller::Specialist => {
            // The widget is signed in and live: a specialist's offer now reaches it.
            next_line(&mut lines, "READY").await;
            let client = demo_client(demo);
            call_from_engine(spec, client, &reply, recording, config).await
        }
    };
    let done = loop {
        let line = tokio::time::timeout(Duration::from_secs(60), lines.recv())
            .await
            .expect("the page says DONE in time")
            .expect("the page's harness ended before DONE");
        if let Some(rest) = line.strip_prefix("DONE") {
            break rest.trim().to_string();
        }
    };
    let status = child.wait().expect("the harness ends");
    assert!(status.success(), "the widget's harness failed: {status}");

    // The widget's hang-up ended the call on the server, and so on the engine's side.
    assert_eq!(
        ended_in_log(demo, side.call),
        Some((Role::Client, CallEndReason::HungUp))
    );
    let result: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("browser.json")).expect("browser.json"),
    )
    .expect("json");
    let phases: Vec<&str> = result["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .filter_map(|p| p["phase"].as_str())
        .collect();
    let held = phases.iter().position(|p| *p == "on_hold");
    assert!(
        held.is_some_and(|at| phases[at..].contains(&"connected")),
        "the widget did not show the hold: {}",
        result["phases"]
    );
    assert_eq!(phases.last(), Some(&"ended"), "{}", result["phases"]);
    assert_eq!(result["endedText"], "The call has ended", "{result}");

    let page = PageSide {
        said: linedesk_engine::wav::read(&out.join("browser-said.wav")).expect("said"),
        heard: linedesk_engine::wav::read(&out.join("browser-heard.wav")).expect("heard"),
        result,
    };
    let start = page.result["recordingStartEpochMs"]
        .as_f64()
        .expect("the page's recording start");
    // With a relay break, only what was said once the path was back (a second on).
    let skip = match &page.result["relayBreak"]["backEpochMs"] {
        serde_json::Value::Null => 0,
        back => {
            let back = back.as_f64().expect("the page's time back");
            ((back + 1000.0 - side.started_ms).max(0.0) * 48.0) as usize
        }
    };
    let after = |s: Vec<f32>| s.get(skip..).unwrap_or_default().to_vec();
    // The tap of the page's microphone from TAP_SLACK_MS on: its delay is the path's minus the
    // tap's lag, plus the slack.
    let to_engine = align(
        &after(from(&page.said, start, side.started_ms + TAP_SLACK_MS)),
        &after(side.heard.clone()),
        Duration::from_secs(2) + Duration::from_millis(TAP_SLACK_MS as u64),
    )
    .expect("the engine heard the widget");
    let to_browser = align(
        &after(reply.clone()),
        &after(from(&page.heard, start, side.started_ms)),
        Duration::from_secs(2),
    )
    .expect("the widget heard the engine");
    println!(
        "widget call {} ({query:?}): browser -> engine {to_engine:?} (less {TAP_SLACK_MS} ms of \
         slack: {:.1} ms); engine -> browser {to_browser:?}; page {done}; engine path {:?}\n\
         specialist: {}",
        side.call,
        to_engine.delay.as_secs_f64() * 1000.0 - TAP_SLACK_MS,
        side.path,
        side.report
    );
    assert!(
        to_engine.segment_correlation > 0.6,
        "the engine did not hear the widget's speech: {to_engine:?}"
    );
    assert!(
        to_browser.segment_correlation > 0.6,
        "the widget did not hear the engine's speech: {to_browser:?}"
    );
    browser_stats_kept(demo, side.call, &page.result, skip == 0);
    let decoded = linedesk_voice::recording::read(&side.recording).expect("the recording");
    assert!(energy(&decoded.specialist) > 1e-5, "channel 0 is silent");
    assert!(energy(&decoded.client) > 1e-5, "channel 1 is silent");
    (side, page)
}

/// The page's next line starting with `prefix` (within a minute).
async fn next_line(
    lines: &mut tokio::sync::mpsc::UnboundedReceiver<String>,
    prefix: &str,
) -> String {
    loop {
        let line = tokio::time::timeout(Duration::from_secs(60), lines.recv())
            .await
            .unwrap_or_else(|_| panic!("the page says {prefix} in time"))
            .unwrap_or_else(|| panic!("the page's harness ended before {prefix}"));
        if line.starts_with(prefix) {
            return line;
        }
    }
}

/// The demo client the page signs in as (`client-1`).
fn demo_client(demo: &Demo) -> u64 {
    demo.storage
        .account_by_login("client-1")
        .expect("accounts")
        .expect("the demo client")
        .subject
        .id
}

/// The widget reported what Chromium measured of `call` (getStats: packets, loss, jitter,
/// round trip, the engine's RTCP reports) once it ended; the server took it as the client's
/// side of the call, with the MOS estimated by the engine's rule. `clean`: the path never
/// broke, so next to nothing was lost.
fn browser_stats_kept(demo: &Demo, call: u64, page: &serde_json::Value, clean: bool) {
    let sent: Vec<&serde_json::Value> = page["stats"]
        .as_array()
        .expect("the page's statistics")
        .iter()
        .filter(|s| s["call"] == call)
        .collect();
    assert_eq!(
        sent.len(),
        1,
        "one report of call {call}: {}",
        page["stats"]
    );
    assert_eq!(sent[0]["answer"], "ack", "{}", sent[0]);
    let stored = demo.storage.call_stats(call).expect("stats");
    let (_, client) = stored
        .iter()
        .find(|(role, _)| *role == Role::Client)
        .unwrap_or_else(|| panic!("no client statistics of call {call}: {stored:?}"));
    println!("the browser's side of call {call} as the server keeps it: {client:?}");
    let q = &sent[0]["quality"];
    assert_eq!(
        (
            client.packets_received,
            client.packets_sent,
            client.jitter_ms
        ),
        (
            q["packets_received"].as_u64().unwrap_or(0),
            q["packets_sent"].as_u64().unwrap_or(0),
            q["jitter_ms"].as_u64().map_or(u32::MAX, |j| j as u32),
        ),
        "{q}"
    );
    // Seconds of 20 ms packets each way (the engine's DTX sends few while it is silent),
    // nearly none lost on loopback.
    assert!(
        client.packets_received > 50 && client.packets_sent > 150,
        "{client:?}"
    );
    assert!(!clean || client.loss_permille < 50, "{client:?}");
    assert!(client.duration_ms > 3_000, "{client:?}");
    assert!(client.rtt_ms.is_some(), "no round trip: {client:?}");
    assert!(
        client.far_loss_permille.is_some() && client.far_jitter_ms.is_some(),
        "the engine's RTCP reports were not read: {client:?}"
    );
    // The page sent no MOS; the line estimated it (a clean path: above 4).
    assert_eq!(q["mos_centi"], 0, "{q}");
    assert!((100..=450).contains(&client.mos_centi), "{client:?}");
    assert!(!clean || client.mos_centi >= 400, "{client:?}");
}

async fn specialist(demo: &Demo) -> LineLink {
    let mut spec = LineLink::join(
        &demo.addr,
        DEMO_SPECIALIST_LOGIN,
        SPECIALIST_PASSWORD,
        demo.line,
    )
    .await
    .expect("the specialist signs in");
    spec.submit(Action::SetPresence {
        status: PresenceStatus::Available,
    })
    .await
    .expect("available");
    spec
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widgets_call_button_reaches_the_engine() {
    let _turn = common::one_call_at_a_time().await;
    assert!(
        linedesk_server::http::widget::widget_built(),
        "linedesk-server was compiled without the web widget: run `cd ui && npm run \
         build:widget` (or ./dev.sh test), then cargo test again"
    );
    let demo = serve_widget_demo(IceConfig::default()).await;
    let mut spec = specialist(&demo).await;
    let (_, page) = widget_call(
        &demo,
        "",
        CallConfig::loopback(),
        &mut spec,
        &[],
        None,
        Caller::Widget,
    )
    .await;
    assert_eq!(
        page.result["pair"]["iceTransportPolicy"], "all",
        "{}",
        page.result
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widgets_call_through_turn_only() {
    relay_only_call(false, TurnOver::Udp).await;
}

/// A client whose network lets no UDP out: the line hands out TURN over UDP and over TCP, the
/// page keeps only the TCP URL, and Chromium relays over TCP to coturn (its selected local
/// candidate a relay whose `relayProtocol` is tcp) while the engine relays over UDP
/// (webrtc-rs 0.21 skips TURN over TCP with a warning). Speech both ways as over UDP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widgets_call_through_turn_over_tcp() {
    let page = relay_only_call(false, TurnOver::Tcp).await;
    let pair = &page.result["pair"];
    assert_eq!(pair["localRelayProtocol"], "tcp", "{pair}");
}

/// The same client through TURN over TLS: the line also hands out
/// `turns:...?transport=tcp` (coturn's TLS listener with a test CA's certificate), the page
/// keeps only that URL, and Chromium relays over TLS to coturn (`relayProtocol` tls), trusting
/// that one certificate by its public key. The engine relays over UDP: webrtc-rs 0.21's
/// `turn_relayer.rs` skips `turns:` URLs ("unsupported secure TURN url").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widgets_call_through_turn_over_tls() {
    let page = relay_only_call(false, TurnOver::Tls).await;
    let pair = &page.result["pair"];
    assert_eq!(pair["localRelayProtocol"], "tls", "{pair}");
}

/// coturn dies in the middle of the relay-only call and comes back: the widget says it is
/// reconnecting, restarts ICE (its new offer through the line server, the engine's answer),
/// is connected again without the call ending, and speech flows both ways after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widgets_call_comes_back_when_the_relay_restarts() {
    let page = relay_only_call(true, TurnOver::Udp).await;
    let back = &page.result["relayBreak"];
    assert_eq!(
        back["reconnectingText"], "Connection lost: reconnecting…",
        "{back}"
    );
    let phases: Vec<&str> = page.result["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .filter_map(|p| p["phase"].as_str())
        .collect();
    let at = phases.iter().position(|p| *p == "reconnecting");
    assert!(
        at.is_some_and(|at| phases[at..].contains(&"connected")
            && phases[..phases.len() - 1].iter().all(|p| *p != "ended")),
        "{phases:?}"
    );
}

/// How the page reaches the TURN server (the engine always uses UDP).
#[derive(Clone, Copy, PartialEq, Eq)]
enum TurnOver {
    Udp,
    /// The line also hands out `turn:...?transport=tcp`; the page keeps only that.
    Tcp,
    /// The line also hands out `turns:` (coturn with a test CA's certificate); the page
    /// keeps only that.
    Tls,
}

/// The widget's call through TURN only (`relay_break`: coturn killed once connected, then
/// started again; `over`: the page's way to the TURN server): the selected pairs are relay
/// on both ends.
async fn relay_only_call(relay_break: bool, over: TurnOver) -> PageSide {
    let _turn = common::one_call_at_a_time().await;
    assert!(
        linedesk_server::http::widget::widget_built(),
        "linedesk-server was compiled without the web widget: run `cd ui && npm run \
         build:widget` (or ./dev.sh test), then cargo test again"
    );
    let turn_dir = tempfile::tempdir().expect("dir");
    let pki = TestPki::new(turn_dir.path(), "turn-", &["127.0.0.1"]).expect("test CA");
    let coturn = match over {
        TurnOver::Tls => Coturn::start_with_tls(turn_dir.path(), TURN_SECRET, &pki.cert, &pki.key),
        TurnOver::Udp | TurnOver::Tcp => Coturn::start(turn_dir.path(), TURN_SECRET),
    };
    let mut turn_urls = vec![coturn.url()];
    match over {
        TurnOver::Udp => {}
        TurnOver::Tcp => turn_urls.push(coturn.tcp_url()),
        TurnOver::Tls => turn_urls.push(coturn.tls_url().expect("coturn's TLS listener")),
    }
    let turn = Arc::new(Mutex::new(coturn));
    let demo = serve_widget_demo(IceConfig {
        stun: Vec::new(),
        turn: turn_urls,
        secret: Some(TurnSecret::new(TURN_SECRET)),
        credential_lifetime: Duration::from_secs(600),
    })
    .await;
    let mut spec = specialist(&demo).await;
    // The engine's peer: the line's TURN server, relayed candidates only.
    let ice = linedesk_engine::ice::ice_setup(spec.server(), spec.token(), true)
        .await
        .expect("the line's ICE servers");
    let config = CallConfig {
        ice,
        ..CallConfig::loopback()
    };
    let relay = relay_break.then(|| turn.clone());
    let cert = pki.cert.display().to_string();
    let extra: &[&str] = match over {
        TurnOver::Udp => &[],
        TurnOver::Tcp => &["--turn-tcp-only", "1"],
        TurnOver::Tls => &["--turns-only", &cert],
    };
    let (side, page) = widget_call(
        &demo,
        "&ice=relay",
        config,
        &mut spec,
        extra,
        relay,
        Caller::Widget,
    )
    .await;
    let pair = &page.result["pair"];
    assert_eq!(pair["iceTransportPolicy"], "relay", "{pair}");
    assert_eq!(pair["local"], "relay", "the page's selected pair: {pair}");
    assert_eq!(pair["remote"], "relay", "the page's selected pair: {pair}");
    let path = side
        .path
        .as_ref()
        .expect("the engine's selected candidate pair");
    assert!(path.relayed_both_ways(), "{path:?}");
    assert_eq!(path.local, CandidateKind::Relay);
    let log = turn.lock().expect("coturn").log_text();
    assert!(
        log.matches("ALLOCATE processed, success").count() >= 2,
        "coturn did not allocate for both sides: {log}"
    );
    page
}

/// The widget's WebSocket drops in the middle of a connected call (closed under the page, as a
/// network blip would): the media is peer to peer, so the call goes on; the widget says the
/// line is away, reconnects, and the call is still connected, carries speech both ways and is
/// hung up from the widget, ending on both sides.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widgets_call_goes_on_when_its_websocket_drops() {
    let _turn = common::one_call_at_a_time().await;
    assert!(
        linedesk_server::http::widget::widget_built(),
        "linedesk-server was compiled without the web widget: run `cd ui && npm run \
         build:widget` (or ./dev.sh test), then cargo test again"
    );
    let demo = serve_widget_demo(IceConfig::default()).await;
    let mut spec = specialist(&demo).await;
    let (_, page) = widget_call(
        &demo,
        "",
        CallConfig::loopback(),
        &mut spec,
        &["--drop-link", "1"],
        None,
        Caller::Widget,
    )
    .await;
    let dropped = &page.result["linkDropped"];
    assert_eq!(dropped["phase"], "connected", "{dropped}");
    assert!(
        dropped["notes"]
            .as_array()
            .is_some_and(|n| n.iter().any(|n| n == "link-lost")),
        "the widget did not say the line was away: {dropped}"
    );
}

/// A specialist calls the client back (the app's "call the client"): the widget rings with
/// Accept and Decline, the page accepts, the widget answers the engine's offer, speech flows
/// both ways, the engine's hold shows, the widget hangs up and reports its statistics, and
/// the engine's two-channel recording is uploaded and attached to the appeal like every
/// call's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_answers_a_specialists_call() {
    let _turn = common::one_call_at_a_time().await;
    assert!(
        linedesk_server::http::widget::widget_built(),
        "linedesk-server was compiled without the web widget: run `cd ui && npm run \
         build:widget` (or ./dev.sh test), then cargo test again"
    );
    let demo = serve_widget_demo(IceConfig::default()).await;
    let mut spec = specialist(&demo).await;
    let (side, page) = widget_call(
        &demo,
        "",
        CallConfig::loopback(),
        &mut spec,
        &[],
        None,
        Caller::Specialist,
    )
    .await;
    let incoming = &page.result["incoming"];
    assert_eq!(incoming["call"], side.call, "{incoming}");
    assert_eq!(
        incoming["text"], "A specialist is calling you",
        "{incoming}"
    );
    let phases: Vec<&str> = page.result["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .filter_map(|p| p["phase"].as_str())
        .filter(|p| *p != "idle")
        .collect();
    assert_eq!(
        phases.first(),
        Some(&"connecting"),
        "an answered call starts connecting: {phases:?}"
    );
    assert!(!phases.contains(&"ringing"), "{phases:?}");
    ring_tone_rang_and_stopped(&page.result);
    let uploaded = upload_recording(&demo.connector(), spec.token(), side.call, &side.recording)
        .await
        .expect("uploaded");
    assert_eq!(uploaded.call, side.call);
    spec.event(|e| {
        matches!(e, Event::CallRecorded { call, .. } if *call == side.call).then_some(())
    })
    .await
    .expect("the recording is attached to the appeal");
}

/// The client declines a specialist's call in the widget: the line ends it as `declined` by
/// the client, the engine's side hears it, and the ring goes away in the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_declines_a_specialists_call() {
    let _turn = common::one_call_at_a_time().await;
    assert!(
        linedesk_server::http::widget::widget_built(),
        "linedesk-server was compiled without the web widget: run `cd ui && npm run \
         build:widget` (or ./dev.sh test), then cargo test again"
    );
    let demo = serve_widget_demo(IceConfig::default()).await;
    let mut spec = specialist(&demo).await;
    let scratch = tempfile::tempdir().expect("dir");
    let out = scratch.path();
    let mic_wav = out.join("browser-mic.wav");
    write_wav(&mic_wav, &vec![0.0; 48_000]);
    let url = format!("{}/widget/?line={}&lang=en", demo.url, demo.line);
    let (mut child, mut lines) = start_browser(
        &url,
        &mic_wav,
        out,
        Duration::ZERO,
        &["--answer", "decline"],
        |_| {},
    );
    next_line(&mut lines, "READY").await;
    let key = spec
        .submit(Action::PlaceCall {
            line: demo.line,
            client: Some(demo_client(&demo)),
        })
        .await
        .expect("the specialist places the call");
    let call = spec
        .event(|e| match e {
            Event::CallRinging {
                call, key: Some(k), ..
            } if *k == key => Some(*call),
            _ => None,
        })
        .await
        .expect("the call rings");
    let (peer, channels) = linedesk_call::Call::offer(CallConfig::loopback())
        .await
        .expect("the engine's offer");
    let peer = Arc::new(peer);
    spec.attach(call, &peer, channels.signals);
    let ended = spec
        .event_within(Some(Duration::from_secs(40)), |e| match e {
            Event::CallEnded {
                call: c,
                by,
                reason,
                ..
            } if *c == call => Some((*by, *reason)),
            _ => None,
        })
        .await
        .expect("the session")
        .expect("the client declines");
    assert_eq!(ended, (Role::Client, CallEndReason::Declined));
    next_line(&mut lines, "DONE").await;
    let status = child.wait().expect("the harness ends");
    assert!(status.success(), "the widget's harness failed: {status}");
    let result: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("browser.json")).expect("browser.json"),
    )
    .expect("json");
    assert_eq!(result["incoming"]["call"], call, "{result}");
    assert_eq!(result["ringGone"], true, "{result}");
    ring_tone_rang_and_stopped(&result);
    assert_eq!(
        ended_in_log(&demo, call),
        Some((Role::Client, CallEndReason::Declined))
    );
}

/// The widget's ring tone (425 Hz) started while the specialist's call rang and stopped once
/// it was accepted or declined.
fn ring_tone_rang_and_stopped(result: &serde_json::Value) {
    let tones = result["tones"].as_array().expect("the page's tones");
    let what: Vec<&str> = tones.iter().filter_map(|t| t["what"].as_str()).collect();
    assert_eq!(what, ["start", "stop"], "{tones:?}");
    assert_eq!(tones[0]["hz"], 425.0, "{tones:?}");
}
