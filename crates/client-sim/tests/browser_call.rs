//! A call from real Chromium to the line (issue 13, the widget's call button): Debian's
//! `chromium`, driven by `playwright-core` (ui/node_modules), runs the widget's call module
//! (`ui/src/widget/call`) on a test page (`tests/browser/`); the line server is the real one
//! on 127.0.0.1 (the page reaches it through the harness's same-origin proxy, an allowed
//! origin); the specialist's side is the engine (`Call::answer` + `CallSession`), not a
//! browser, with speech as its microphone. Speech must flow both ways, the engine's hold must
//! reach the page, the specialist's recording must have both channels and reach the server,
//! and the browser's hang-up must end the call on both sides.
//!
//! Needs `chromium`, `espeak-ng`, `sox` (Debian) and `npm ci` in ui/ (`./dev.sh setup` does
//! all): a missing one fails the test, saying which. Prints the call setup time (the click to
//! the first audio packet) and mouth-to-ear both ways (BENCHMARKS.md).

mod common;
#[path = "browser/engine_side.rs"]
mod engine_side;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::{Demo, SPECIALIST_PASSWORD, ended_in_log, speech, with_lead_in};
use engine_side::{TAP_SLACK_MS, answer_in_engine, energy, from, write_wav};
use linedesk_call::CallConfig;
use linedesk_demo::DEMO_SPECIALIST_LOGIN;
use linedesk_domain::presence::PresenceStatus;
use linedesk_engine::analysis::{Alignment, align};
use linedesk_engine::line::LineLink;
use linedesk_engine::upload_recording;
use linedesk_protocol::{Action, Event, Role};
use linedesk_server::app::{Server, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::config::HttpPolicy;
use linedesk_server::demo::{DEMO_CLIENT_PASSWORD, seed_if_empty};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Storage, StorageError};

/// The harness's node process: `READY <port>` first, `DONE ...` at the end.
struct Browser {
    child: Child,
    stdin: ChildStdin,
    lines: tokio::sync::mpsc::UnboundedReceiver<String>,
}

impl Browser {
    fn start(server: &str, wav: &Path, out: &Path, talk: Duration, extra: &[&str]) -> Browser {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let ui = manifest.join("../../ui");
        assert!(
            Path::new("/usr/bin/chromium").exists() || std::env::var_os("CHROMIUM").is_some(),
            "Chromium is needed: apt-get install chromium (./dev.sh setup)"
        );
        assert!(
            ui.join("node_modules/playwright-core").exists(),
            "playwright-core is needed: (cd ui && npm ci)"
        );
        let mut child = Command::new("node")
            .arg(manifest.join("tests/browser/call.mjs"))
            .args(["--ui".as_ref(), ui.as_os_str()])
            .args(["--server", server])
            .args(["--wav".as_ref(), wav.as_os_str()])
            .args(["--out".as_ref(), out.as_os_str()])
            .args(["--login", "client-1", "--password", DEMO_CLIENT_PASSWORD])
            .args(["--talk-ms", &talk.as_millis().to_string()])
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("node is needed ({e})"));
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = tokio::sync::mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                println!("browser: {line}");
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Browser {
            child,
            stdin,
            lines,
        }
    }

    async fn line_starting(&mut self, prefix: &str) -> String {
        loop {
            let line = tokio::time::timeout(Duration::from_secs(60), self.lines.recv())
                .await
                .unwrap_or_else(|_| panic!("the browser said no {prefix} in time"))
                .unwrap_or_else(|| panic!("the browser harness ended before {prefix}"));
            if let Some(rest) = line.strip_prefix(prefix) {
                return rest.trim().to_string();
            }
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The demo world on a real server whose only allowed page origin is `origin`, served on
/// `listener` (bound before the page's port was known).
fn serve_demo(listener: tokio::net::TcpListener, origin: String) -> Demo {
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
    let addr = listener.local_addr().expect("addr").to_string();
    let http = HttpPolicy {
        allowed_origins: vec![origin],
        ..HttpPolicy::default()
    };
    let server = Server::configured(
        storage.clone(),
        linedesk_server::presence::OFFLINE_GRACE,
        http,
    );
    tokio::spawn(serve(listener, server));
    Demo {
        url: format!("http://{addr}"),
        addr,
        ca: None,
        storage,
        line: ids.lines[0],
        dir,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_calls_the_line_and_the_engine_answers() {
    let _turn = common::one_call_at_a_time().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let server_addr = listener.local_addr().expect("addr").to_string();
    let scratch = tempfile::tempdir().expect("dir");
    let out = scratch.path();

    // What the browser's microphone says (Chromium loops the file) and the engine's reply.
    let words = with_lead_in(&speech(
        out,
        "client",
        "Здравствуйте, у меня не проводится документ реализации.",
    ));
    let mut browser_mic = words.clone();
    browser_mic.extend(vec![0.0; 48_000]);
    let mic_wav = out.join("browser-mic.wav");
    write_wav(&mic_wav, &browser_mic);
    let reply = with_lead_in(&speech(out, "specialist", "Добрый день, сейчас посмотрим."));
    let talk = Duration::from_secs_f64(reply.len() as f64 / 48_000.0 + 2.0);

    let mut browser = Browser::start(&server_addr, &mic_wav, out, talk, &[]);
    let port = browser.line_starting("READY").await;
    let demo = serve_demo(listener, format!("http://127.0.0.1:{port}"));

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
    writeln!(browser.stdin, "go").expect("tell the browser to call");

    let side = answer_in_engine(
        &mut spec,
        &reply,
        demo.dir.path().join("specialist.ogg"),
        CallConfig::loopback(),
    )
    .await;
    let done = browser.line_starting("DONE").await;
    let status = browser.child.wait().expect("the harness ends");
    assert!(status.success(), "the browser harness failed: {status}");

    // The browser's hang-up ended the call on the server, and so on the engine's side.
    assert_eq!(
        ended_in_log(&demo, side.call),
        Some((Role::Client, linedesk_protocol::CallEndReason::HungUp))
    );

    let result: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("browser.json")).expect("browser.json"),
    )
    .expect("json");
    assert_eq!(result["call"].as_u64(), Some(side.call));
    let phases: Vec<&str> = result["states"]
        .as_array()
        .expect("states")
        .iter()
        .filter_map(|s| s["phase"].as_str())
        .collect();
    let held = phases.iter().position(|p| *p == "on_hold");
    assert!(
        held.is_some_and(|at| phases[at..].contains(&"connected")),
        "the page did not follow the hold: {phases:?}"
    );
    let recording_start = result["recordingStartEpochMs"]
        .as_f64()
        .expect("the page's recording start");
    let said = linedesk_engine::wav::read(&out.join("browser-said.wav")).expect("said");
    let heard = linedesk_engine::wav::read(&out.join("browser-heard.wav")).expect("heard");

    // Browser -> engine: what Chromium's microphone gave the call, against what the engine
    // played, both from the engine's first tick.
    // The tap from TAP_SLACK_MS on (see there): the delay less the slack is the figure.
    let to_engine = align(
        &from(&said, recording_start, side.started_ms + TAP_SLACK_MS),
        &side.heard,
        Duration::from_secs(2) + Duration::from_millis(TAP_SLACK_MS as u64),
    )
    .expect("the engine heard the browser");
    // Engine -> browser: the engine's microphone against what the page received.
    let to_browser = align(
        &reply,
        &from(&heard, recording_start, side.started_ms),
        Duration::from_secs(2),
    )
    .expect("the browser heard the engine");
    let ms = |a: &Alignment| a.delay.as_secs_f64() * 1000.0;
    println!(
        "call {}: browser -> engine {to_engine:?}; engine -> browser {to_browser:?}\n\
         FIGURES setup (click to first audio) {} ms; mouth-to-ear browser -> engine {:.1} ms, \
         engine -> browser {:.1} ms; timings {done}\nspecialist: {}",
        side.call,
        result["timings"]["firstAudioMs"],
        ms(&to_engine) - TAP_SLACK_MS,
        ms(&to_browser),
        side.report,
    );
    assert!(
        to_engine.segment_correlation > 0.6,
        "the engine did not hear the browser's speech: {to_engine:?}"
    );
    assert!(
        to_browser.segment_correlation > 0.6,
        "the browser did not hear the engine's speech: {to_browser:?}"
    );
    // How close the page's tap of its microphone is to the WAV (Chromium's audio processing
    // and the file's loop in between): said, not checked; the engine's side is checked above.
    println!(
        "the page's microphone against the WAV: {:?}",
        align(&words, &said, Duration::from_secs(3))
    );

    // The specialist's recording: both channels, and it reaches the server like every call's.
    let decoded = linedesk_voice::recording::read(&side.recording).expect("the recording");
    assert!(decoded.complete);
    assert!(energy(&decoded.specialist) > 1e-5, "channel 0 is silent");
    assert!(energy(&decoded.client) > 1e-5, "channel 1 is silent");
    let in_recording = align(
        &from(&said, recording_start, side.started_ms),
        &decoded.client,
        Duration::from_secs(2),
    )
    .expect("the browser's speech in the recording");
    assert!(in_recording.segment_correlation > 0.6, "{in_recording:?}");
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

/// Nobody takes the call: the page gives up ringing, the line keeps a missed call
/// (`no_answer`, by the client), the widget's state says so, and the page's call-back request
/// lands on the call's appeal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_nobody_takes_is_kept_as_missed() {
    let _turn = common::one_call_at_a_time().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let server_addr = listener.local_addr().expect("addr").to_string();
    let scratch = tempfile::tempdir().expect("dir");
    let out = scratch.path();
    let mic_wav = out.join("browser-mic.wav");
    write_wav(&mic_wav, &vec![0.0; 48_000]);
    let mut browser = Browser::start(
        &server_addr,
        &mic_wav,
        out,
        Duration::ZERO,
        &["--scenario", "missed", "--ring-ms", "1500"],
    );
    let port = browser.line_starting("READY").await;
    let demo = serve_demo(listener, format!("http://127.0.0.1:{port}"));
    writeln!(browser.stdin, "go").expect("tell the browser to call");
    browser.line_starting("DONE").await;
    let status = browser.child.wait().expect("the harness ends");
    assert!(status.success(), "the browser harness failed: {status}");

    let result: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("browser.json")).expect("browser.json"),
    )
    .expect("json");
    let state = &result["state"];
    assert_eq!(state["phase"], "ended", "{state}");
    assert_eq!(state["reason"], "no_answer", "{state}");
    assert_eq!(state["missed"], true, "{state}");
    let call = state["call"].as_u64().expect("the call rang");
    assert_eq!(
        ended_in_log(&demo, call),
        Some((Role::Client, linedesk_protocol::CallEndReason::NoAnswer))
    );
    // The page asked to be called back: the request is on the call's appeal.
    assert_eq!(result["callBack"], "requested", "{result}");
    let appeal = demo
        .storage
        .call(call)
        .expect("call")
        .expect("the call")
        .appeal;
    let log = demo
        .storage
        .events_after(demo.line, 0, 10_000)
        .expect("log");
    assert!(
        log.iter()
            .any(|e| matches!(e.event, Event::CallBackRequested { appeal: a, .. } if a == appeal)),
        "no call-back request on appeal {appeal}"
    );
}
