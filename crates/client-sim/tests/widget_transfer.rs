//! The web widget's call follows a blind transfer in real Chromium (issue 14, item 3): the
//! widget's own page (served by the real line server, driven by
//! `ui/browser-tests/widget-call.mjs`) calls the line, the demo specialist (the engine) answers
//! and hands the call to a colleague (another engine); the widget, without hanging up, goes
//! back to `connecting` and then `connected` on the colleague's leg, and its microphone reaches
//! the colleague while the colleague's voice reaches the page.
//!
//! Microphones are tones (the page 700 Hz, the first specialist 1000 Hz, the colleague 440 Hz).
//! Needs `chromium`, `npm ci` in ui/ and the widget built into `ui/dist-widget` before
//! linedesk-server was compiled (`./dev.sh test`): a missing part fails the test, saying which.

mod common;
#[path = "browser/engine_side.rs"]
mod engine_side;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::{SPECIALIST_PASSWORD, available_specialist, ended_in_log};
use engine_side::write_wav;
use linedesk_call::{Call, CallConfig, CallState};
use linedesk_engine::line::LineLink;
use linedesk_engine::{CallSession, SessionConfig, SharedIo, Side};
use linedesk_protocol::{Action, CallEndReason, Event, Role, SignalPayload};
use linedesk_server::app::{Server, ServerOptions, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::demo::{DEMO_CLIENT_PASSWORD, seed_if_empty};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Storage, StorageError};
use linedesk_server::widget_policy::{WidgetLine, WidgetPolicy};

const RATE: f32 = 48_000.0;
const PAGE_HZ: f32 = 700.0;
const FIRST_HZ: f32 = 1000.0;
const COLLEAGUE_HZ: f32 = 440.0;

fn tone(hz: f32, seconds: f32) -> Vec<f32> {
    (0..(seconds * RATE) as usize)
        .map(|i| 0.3 * (2.0 * std::f32::consts::PI * hz * i as f32 / RATE).sin())
        .collect()
}

/// Power at `hz` (Goertzel) as a share of the signal's power: about 1 for that pure tone.
fn share_at(samples: &[f32], hz: f32) -> f64 {
    let w = 2.0 * std::f64::consts::PI * f64::from(hz) / f64::from(RATE);
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2, mut energy) = (0.0f64, 0.0f64, 0.0f64);
    for &x in samples {
        let x = f64::from(x);
        energy += x * x;
        let s0 = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    if samples.is_empty() || energy <= 1e-9 {
        return 0.0;
    }
    2.0 * (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (samples.len() as f64 * energy)
}

fn ui_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui")
}

/// The demo world on a real server whose first line has the widget; `kolesova` (password
/// `kolesova-pass`) serves it too.
async fn serve_widget_demo() -> (common::Demo, u64) {
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
    let colleague = storage
        .add_specialist(
            "kolesova",
            &hash("kolesova-pass").expect("hash"),
            "Колесова Вера",
        )
        .expect("a colleague");
    storage
        .serve_line(colleague, line, 5, 5)
        .expect("she serves the line");
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
        ..ServerOptions::default()
    };
    let addr = listener.local_addr().expect("addr").to_string();
    let server = Server::with_options(
        storage.clone(),
        linedesk_server::presence::OFFLINE_GRACE,
        options,
    );
    tokio::spawn(serve(listener, server));
    let demo = common::Demo {
        url: format!("http://{addr}"),
        addr,
        ca: None,
        storage,
        line,
        dir,
    };
    (demo, colleague)
}

async fn wait_connected(peer: &Call) {
    let mut states = peer.watch();
    tokio::time::timeout(
        Duration::from_secs(20),
        states.wait_for(|s| *s == CallState::Connected),
    )
    .await
    .expect("the media comes up in time")
    .expect("the call stays");
}

/// The engine answers `call` (the page offered) with `microphone`; its peer and session.
async fn answer(
    link: &mut LineLink,
    call: u64,
    microphone: &[f32],
    recording: PathBuf,
) -> (Arc<Call>, CallSession, SharedIo) {
    link.submit(Action::AnswerCall { call })
        .await
        .expect("picked up");
    let SignalPayload::Offer { sdp } = link.signal(call).await.expect("a signal") else {
        panic!("the page's offer comes first");
    };
    let (peer, channels) = Call::answer(CallConfig::loopback(), &sdp)
        .await
        .expect("answered");
    let peer = Arc::new(peer);
    link.attach(call, &peer, channels.signals);
    wait_connected(&peer).await;
    let io = SharedIo::new(microphone);
    let session = CallSession::start(
        peer.clone(),
        channels.packets,
        Box::new(io.clone()),
        SessionConfig::new(Side::Specialist, recording),
    )
    .expect("the engine");
    (peer, session, io)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_follows_a_blind_transfer_to_the_colleague() {
    let _turn = common::one_call_at_a_time().await;
    let (demo, colleague) = serve_widget_demo().await;
    let mut first = available_specialist(&demo).await;
    let mut second = LineLink::join(&demo.addr, "kolesova", "kolesova-pass", demo.line)
        .await
        .expect("the colleague signs in");
    second
        .submit(Action::SetPresence {
            status: linedesk_domain::presence::PresenceStatus::Available,
        })
        .await
        .expect("available");

    let scratch = tempfile::tempdir().expect("dir");
    let out = scratch.path().to_path_buf();
    let mic = out.join("browser-mic.wav");
    write_wav(&mic, &tone(PAGE_HZ, 40.0));
    let chromium =
        std::env::var("LINEDESK_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "{chromium} is missing: install Debian's chromium (./dev.sh setup)"
    );
    assert!(
        ui_dir().join("node_modules/playwright-core").is_dir(),
        "playwright-core is missing: run `npm ci` in ui/ (./dev.sh setup)"
    );
    let url = format!("{}/widget/?line={}&lang=en", demo.url, demo.line);
    let mut child = Command::new("node")
        .arg("browser-tests/widget-call.mjs")
        .args(["--url", &url])
        .args(["--wav".as_ref(), mic.as_os_str()])
        .args(["--out".as_ref(), out.as_os_str()])
        .args(["--login", "client-1", "--password", DEMO_CLIENT_PASSWORD])
        .args(["--talk-ms", "12000"])
        .current_dir(ui_dir())
        .env("LINEDESK_CHROMIUM", &chromium)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("node is needed ({e})"));
    let stdout = child.stdout.take().expect("stdout");
    let (tx, mut lines) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("browser: {line}");
            if tx.send(line).is_err() {
                return;
            }
        }
    });

    // The colleague: the leg rings her; she picks up and the page offers anew on it.
    let colleague_dir = scratch.path().join("colleague");
    std::fs::create_dir_all(&colleague_dir).expect("dir");
    let colleague_side = tokio::spawn(async move {
        let leg = second
            .event(|e| match e {
                Event::CallRinging {
                    call,
                    specialist: Some(s),
                    from: Role::Client,
                    ..
                } if *s == colleague => Some(*call),
                _ => None,
            })
            .await
            .expect("the leg rings the colleague");
        let (peer, session, io) = answer(
            &mut second,
            leg,
            &tone(COLLEAGUE_HZ, 40.0),
            colleague_dir.join("leg.ogg"),
        )
        .await;
        let reason = second
            .event_within(Some(Duration::from_secs(40)), |e| match e {
                Event::CallEnded { call, reason, .. } if *call == leg => Some(*reason),
                _ => None,
            })
            .await
            .expect("the session")
            .expect("the page hangs up on her");
        peer.remote_ended(reason).await;
        session.finish().await.expect("her report");
        (leg, io.played())
    });

    // The first specialist answers, talks three seconds and hands the call over.
    let call = first
        .event(|e| match e {
            Event::CallRinging {
                call,
                from: Role::Client,
                specialist,
                ..
            } if *specialist != Some(colleague) => Some(*call),
            _ => None,
        })
        .await
        .expect("the page's call rings");
    let (peer, session, _) = answer(
        &mut first,
        call,
        &tone(FIRST_HZ, 40.0),
        scratch.path().join("first.ogg"),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    first
        .submit(Action::TransferCall {
            call,
            to: colleague,
            reason: "вопрос по зарплате".into(),
        })
        .await
        .expect("the transfer rings the colleague");
    let leg = first
        .event_within(Some(Duration::from_secs(20)), |e| match e {
            Event::CallTransferred { call: c, leg, .. } if *c == call => Some(*leg),
            _ => None,
        })
        .await
        .expect("the session")
        .expect("the colleague answers");
    peer.remote_ended(CallEndReason::Transferred).await;
    session.finish().await.expect("the first report");

    loop {
        let line = tokio::time::timeout(Duration::from_secs(60), lines.recv())
            .await
            .expect("the page says DONE in time")
            .expect("the page's harness ended before DONE");
        if line.starts_with("DONE") {
            break;
        }
    }
    let status = child.wait().expect("the harness ends");
    assert!(status.success(), "the widget's harness failed: {status}");
    let (colleague_leg, colleague_heard) = colleague_side.await.expect("the colleague's task");
    assert_eq!(colleague_leg, leg);

    // The widget went from the first leg to the colleague's without ending in between.
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
    let first_connected = phases.iter().position(|p| *p == "connected");
    let ended = phases.iter().position(|p| *p == "ended");
    let again = first_connected.and_then(|at| {
        phases[at + 1..]
            .iter()
            .position(|p| *p == "connecting")
            .map(|n| at + 1 + n)
    });
    assert!(
        again.is_some_and(|at| phases[at..].contains(&"connected"))
            && ended == Some(phases.len() - 1),
        "the widget's phases: {phases:?}"
    );

    // The colleague hears the page; the page hears her at the end.
    let late = &colleague_heard[colleague_heard.len().min(48_000)..];
    let heard = linedesk_engine::wav::read(&out.join("browser-heard.wav")).expect("heard");
    let end = &heard[heard.len().saturating_sub(48_000 * 3)..];
    println!(
        "colleague: {:.2} at 700 Hz over {} ms; page at the end: {:.2} at 440 Hz, {:.2} at \
         1000 Hz; phases {phases:?}",
        share_at(late, PAGE_HZ),
        late.len() / 48,
        share_at(end, COLLEAGUE_HZ),
        share_at(end, FIRST_HZ),
    );
    assert!(
        late.len() > 48_000 * 3,
        "the colleague talked with the page"
    );
    assert!(
        share_at(late, PAGE_HZ) > 0.3,
        "the colleague hears the page"
    );
    assert!(share_at(end, COLLEAGUE_HZ) > 0.3, "the page hears her");
    assert_eq!(
        ended_in_log(&demo, call),
        Some((Role::Specialist, CallEndReason::Transferred))
    );
    assert_eq!(
        ended_in_log(&demo, leg),
        Some((Role::Client, CallEndReason::HungUp))
    );
}
