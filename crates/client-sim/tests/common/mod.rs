//! The demo server (plain, or with TLS and a test CA) and the engine-driven specialist of the
//! call tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use linedesk_call::{Call, CallConfig, CallState};
use linedesk_demo::DEMO_SPECIALIST_LOGIN;
use linedesk_domain::presence::PresenceStatus;
use linedesk_endpoint::test_pki::TestPki;
use linedesk_engine::SharedIo;
use linedesk_engine::line::LineLink;
use linedesk_engine::{Bare, CallReport, CallSession, Connector, SessionConfig, Side};
use linedesk_protocol::{Action, CallEndReason, Event, Role, SignalPayload};
use linedesk_server::app::{Server, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::demo::seed_if_empty;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Storage, StorageError};

pub const SPECIALIST_PASSWORD: &str = "spec-pass";

pub struct Demo {
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// `https://127.0.0.1:PORT` for a TLS server, `http://...` for a plain one.
    pub url: String,
    /// The test CA that signed a TLS server's certificate.
    pub ca: Option<PathBuf>,
    pub storage: Arc<SqliteStorage>,
    pub line: u64,
    pub dir: tempfile::TempDir,
}

impl Demo {
    /// Connections to this server, trusting its test CA.
    pub fn connector(&self) -> Connector {
        Connector::parse(&self.url, Bare::Refused, self.ca.as_deref()).expect("the address")
    }
}

pub async fn demo_server() -> Demo {
    start(false).await
}

/// The demo server with TLS on 127.0.0.1, its certificate signed by a test CA.
pub async fn demo_server_tls() -> Demo {
    start(true).await
}

async fn start(tls: bool) -> Demo {
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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let server = Server::new(storage.clone());
    let (url, ca) = if tls {
        let pki = TestPki::new(dir.path(), "", &["127.0.0.1"]).expect("test CA");
        let config = linedesk_server::tls::server_config(&pki.cert, &pki.key).expect("tls");
        tokio::spawn(linedesk_server::tls::serve_tls(listener, server, config));
        (format!("https://{addr}"), Some(pki.ca))
    } else {
        tokio::spawn(serve(listener, server));
        (format!("http://{addr}"), None)
    };
    Demo {
        addr,
        url,
        ca,
        storage,
        line: ids.lines[0],
        dir,
    }
}

/// `text` spoken in Russian by espeak-ng, read as the command line reads a WAV (its 22.05 kHz
/// resampled to 48 kHz).
pub fn speech(dir: &Path, name: &str, text: &str) -> Vec<f32> {
    let wav = dir.join(format!("{name}.wav"));
    let status = std::process::Command::new("espeak-ng")
        .args(["-v", "ru", "-w"])
        .arg(&wav)
        .arg(text)
        .status()
        .unwrap_or_else(|e| panic!("espeak-ng is needed ({e}): apt-get install espeak-ng"));
    assert!(status.success(), "espeak-ng failed: {status}");
    linedesk_engine::wav::read(&wav).expect("the WAV espeak-ng wrote")
}

/// Silence first: the other engine may start a little later than this one, and what it plays
/// must still lag what this one says.
pub fn with_lead_in(samples: &[f32]) -> Vec<f32> {
    let mut out = vec![0.0; 48_000 * 3 / 10];
    out.extend_from_slice(samples);
    out
}

/// What the engine-driven specialist heard and measured.
pub struct SpecialistSide {
    pub call: u64,
    pub heard: Vec<f32>,
    pub report: CallReport,
}

/// Once the media is up, run the specialist's engine on `peer` until `end` says the call is
/// over; then send the specialist's statistics.
pub async fn run_specialist(
    link: &mut LineLink,
    call: u64,
    peer: Arc<Call>,
    packets: tokio::sync::mpsc::Receiver<linedesk_call::ReceivedPacket>,
    microphone: &[f32],
    recording: &Path,
    end: impl AsyncFnOnce(&mut LineLink, &Call),
) -> SpecialistSide {
    let mut states = peer.watch();
    tokio::time::timeout(
        Duration::from_secs(30),
        states.wait_for(|s| *s == CallState::Connected),
    )
    .await
    .expect("the media comes up in time")
    .expect("the call stays");
    drop(states);
    let io = SharedIo::new(microphone);
    let session = CallSession::start(
        peer.clone(),
        packets,
        Box::new(io.clone()),
        SessionConfig::new(Side::Specialist, recording.to_path_buf()),
    )
    .expect("the specialist's engine");
    end(link, &peer).await;
    let report = session.finish().await.expect("the specialist's report");
    link.submit(Action::CallStats {
        call,
        quality: report.quality(),
    })
    .await
    .expect("the specialist's stats");
    SpecialistSide {
        call,
        heard: io.played(),
        report,
    }
}

pub fn ended_in_log(demo: &Demo, call: u64) -> Option<(Role, CallEndReason)> {
    let mut after = 0;
    loop {
        let page = demo
            .storage
            .events_after(demo.line, after, 1000)
            .expect("log");
        let last = page.last()?.seq;
        if let Some(found) = page.iter().find_map(|e| match e.event {
            Event::CallEnded {
                call: c,
                by,
                reason,
                ..
            } if c == call => Some((by, reason)),
            _ => None,
        }) {
            return Some(found);
        }
        after = last;
    }
}

pub fn roles_with_stats(demo: &Demo, call: u64) -> Vec<Role> {
    let stats = demo.storage.call_stats(call).expect("stats");
    stats.iter().map(|(role, _)| *role).collect()
}

/// The demo specialist's session, available for calls: picking up a call that rings the line
/// takes its appeal, which an offline specialist may not.
pub async fn available_specialist(demo: &Demo) -> LineLink {
    let mut spec = LineLink::sign_in(
        &demo.connector(),
        DEMO_SPECIALIST_LOGIN,
        SPECIALIST_PASSWORD,
        Some(demo.line),
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

/// The specialist's app rings, picks up, answers the client's offer, says `reply` and waits
/// for the client to hang up.
pub async fn take_the_clients_call(
    demo: &Demo,
    spec: &mut LineLink,
    reply: &[f32],
) -> SpecialistSide {
    let call = spec
        .event(|e| match e {
            Event::CallRinging {
                call,
                from: Role::Client,
                ..
            } => Some(*call),
            _ => None,
        })
        .await
        .expect("the client's call rings");
    spec.submit(Action::AnswerCall { call })
        .await
        .expect("picked up");
    let SignalPayload::Offer { sdp } = spec.signal(call).await.expect("a signal") else {
        panic!("the client's offer comes first");
    };
    let (peer, channels) = Call::answer(CallConfig::loopback(), &sdp)
        .await
        .expect("answered");
    let peer = Arc::new(peer);
    spec.attach(call, &peer, channels.signals);
    run_specialist(
        spec,
        call,
        peer,
        channels.packets,
        reply,
        &demo.dir.path().join("specialist.ogg"),
        async |link: &mut LineLink, peer: &Call| {
            let reason = link
                .event_within(Some(Duration::from_secs(20)), |e| match e {
                    Event::CallEnded {
                        call: c, reason, ..
                    } if *c == call => Some(*reason),
                    _ => None,
                })
                .await
                .expect("the session")
                .expect("the client hangs up");
            peer.remote_ended(reason).await;
        },
    )
    .await
}

/// Calls carry real-time audio: two of them at once on a 2-core machine starve each other's
/// 20 ms ticks and what they measure (loss, MOS, correlation) is the machine's load, not the
/// code. The tests of one binary take turns with this; other tests still run alongside.
pub async fn one_call_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    static CALLS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    CALLS.lock().await
}
