//! The simulated client in calls, both ways, against a real server seeded with the demo world
//! on 127.0.0.1 and real WebRTC on loopback. The specialist is driven by the engine directly
//! (`LineLink` + `Call` + `CallSession` with memory audio), as the app will drive it.
//! Speech comes from espeak-ng (Debian package `espeak-ng`); a missing tool fails the test.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use linedesk_call::{Call, CallConfig, CallState};
use linedesk_client_sim::{CallPlan, EndedBy, Phone, length_of, place_call};
use linedesk_demo::DEMO_SPECIALIST_LOGIN;
use linedesk_domain::presence::PresenceStatus;
use linedesk_engine::analysis::align;
use linedesk_engine::line::LineLink;
use linedesk_engine::loopback::SharedIo;
use linedesk_engine::{CallReport, CallSession, SessionConfig, Side};
use linedesk_protocol::{Action, CallEndReason, Event, Role, SignalPayload};
use linedesk_server::app::{Server, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::demo::{DEMO_CLIENT_PASSWORD, seed_if_empty};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Storage, StorageError};

const SPECIALIST_PASSWORD: &str = "spec-pass";

struct Demo {
    addr: String,
    storage: Arc<SqliteStorage>,
    line: u64,
    dir: tempfile::TempDir,
}

async fn demo_server() -> Demo {
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
    tokio::spawn(serve(listener, Server::new(storage.clone())));
    Demo {
        addr,
        storage,
        line: ids.lines[0],
        dir,
    }
}

/// `text` spoken in Russian by espeak-ng, read as the command line reads a WAV (its 22.05 kHz
/// resampled to 48 kHz).
fn speech(dir: &Path, name: &str, text: &str) -> Vec<f32> {
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
fn with_lead_in(samples: &[f32]) -> Vec<f32> {
    let mut out = vec![0.0; 48_000 * 3 / 10];
    out.extend_from_slice(samples);
    out
}

/// What the engine-driven specialist heard and measured.
struct SpecialistSide {
    call: u64,
    heard: Vec<f32>,
    report: CallReport,
}

/// Once the media is up, run the specialist's engine on `peer` until `end` says the call is
/// over; then send the specialist's statistics.
async fn run_specialist(
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
        Duration::from_secs(15),
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

fn ended_in_log(demo: &Demo, call: u64) -> Option<(Role, CallEndReason)> {
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

fn roles_with_stats(demo: &Demo, call: u64) -> Vec<Role> {
    let stats = demo.storage.call_stats(call).expect("stats");
    stats.iter().map(|(role, _)| *role).collect()
}

/// The demo specialist's session, available for calls: picking up a call that rings the line
/// takes its appeal, which an offline specialist may not.
async fn available_specialist(demo: &Demo) -> LineLink {
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

/// The specialist's app rings, picks up, answers the client's offer, says `reply` and waits
/// for the client to hang up.
async fn take_the_clients_call(demo: &Demo, spec: &mut LineLink, reply: &[f32]) -> SpecialistSide {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_client_calls_the_line_and_the_specialist_hears_them() {
    let started = Instant::now();
    let demo = demo_server().await;
    let words = speech(
        demo.dir.path(),
        "client",
        "Здравствуйте, у меня не проводится документ реализации.",
    );
    let reply = speech(
        demo.dir.path(),
        "specialist",
        "Добрый день, сейчас посмотрим.",
    );
    let mut spec = available_specialist(&demo).await;

    let mut plan = CallPlan::new(
        with_lead_in(&words),
        length_of(&words) + Duration::from_millis(1500),
    );
    plan.ring_timeout = Duration::from_secs(10);
    let addr = demo.addr.clone();
    let client =
        tokio::spawn(
            async move { place_call(&addr, "client-1", DEMO_CLIENT_PASSWORD, plan).await },
        );

    let side = take_the_clients_call(&demo, &mut spec, &with_lead_in(&reply)).await;
    let outcome = client
        .await
        .expect("the client's task")
        .expect("the client's call");

    assert_eq!(
        (outcome.call, outcome.ended_by),
        (side.call, EndedBy::Client)
    );
    let heard = align(&words, &side.heard, Duration::from_secs(1)).expect("aligned");
    let back = align(&reply, &outcome.heard, Duration::from_secs(1)).expect("aligned");
    println!(
        "the specialist heard the client: {heard:?}; the client heard the specialist: {back:?}\n\
         client: {}\nspecialist: {}\n{:?} in all",
        outcome.report,
        side.report,
        started.elapsed()
    );
    assert!(heard.segment_correlation > 0.6, "{heard:?}");
    assert!(back.segment_correlation > 0.6, "{back:?}");
    assert_eq!(
        ended_in_log(&demo, side.call),
        Some((Role::Client, CallEndReason::HungUp))
    );
    assert_eq!(
        roles_with_stats(&demo, side.call),
        [Role::Specialist, Role::Client]
    );
    assert!(outcome.report.packets_sent > 0 && outcome.report.mos >= 4.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_specialist_calls_a_simulated_client_who_answers_and_talks() {
    let started = Instant::now();
    let demo = demo_server().await;
    let words = speech(
        demo.dir.path(),
        "client",
        "Алло, да, слушаю вас. Спасибо, что перезвонили.",
    );
    let phone = Phone::sign_in(&demo.addr, "client-2", DEMO_CLIENT_PASSWORD)
        .await
        .expect("the client signs in");
    let client_id = phone.client();
    let mut plan = CallPlan::new(with_lead_in(&words), Duration::ZERO);
    plan.hang_up = false;
    plan.ring_timeout = Duration::from_secs(10);
    let client = tokio::spawn(phone.answer(plan));

    let mut spec = LineLink::join(
        &demo.addr,
        DEMO_SPECIALIST_LOGIN,
        SPECIALIST_PASSWORD,
        demo.line,
    )
    .await
    .expect("the specialist signs in");
    let key = spec
        .submit(Action::PlaceCall {
            line: demo.line,
            client: Some(client_id),
        })
        .await
        .expect("placed");
    let call = spec
        .event(|e| match e {
            Event::CallRinging { call, key: k, .. } if k.as_deref() == Some(&key) => Some(*call),
            _ => None,
        })
        .await
        .expect("it rings");
    let (peer, channels) = Call::offer(CallConfig::loopback()).await.expect("offer");
    let peer = Arc::new(peer);
    spec.attach(call, &peer, channels.signals);
    let talk = length_of(&words) + Duration::from_millis(1500);
    let side = run_specialist(
        &mut spec,
        call,
        peer,
        channels.packets,
        &[],
        &demo.dir.path().join("specialist.ogg"),
        async |link: &mut LineLink, peer: &Call| {
            tokio::time::sleep(talk).await;
            peer.hang_up().await;
            link.submit(Action::HangUp {
                call,
                reason: CallEndReason::HungUp,
            })
            .await
            .expect("hung up");
        },
    )
    .await;
    let outcome = client
        .await
        .expect("the client's task")
        .expect("the client's call");

    assert_eq!(outcome.call, call);
    assert_eq!(
        outcome.ended_by,
        EndedBy::Specialist(Some(CallEndReason::HungUp))
    );
    let heard = align(&words, &side.heard, Duration::from_secs(1)).expect("aligned");
    println!(
        "the specialist heard the client: {heard:?}\nclient: {}\nspecialist: {}\n{:?} in all",
        outcome.report,
        side.report,
        started.elapsed()
    );
    assert!(heard.segment_correlation > 0.6, "{heard:?}");
    assert_eq!(
        ended_in_log(&demo, call),
        Some((Role::Specialist, CallEndReason::HungUp))
    );
    assert_eq!(
        roles_with_stats(&demo, call),
        [Role::Specialist, Role::Client]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_calls_the_line_with_a_wav() {
    let demo = demo_server().await;
    let dir = demo.dir.path();
    let wav = dir.join("words.wav");
    linedesk_engine::wav::write(
        &wav,
        &with_lead_in(&speech(dir, "client", "Алло, это снова я.")),
    )
    .expect("wav");
    let heard = dir.join("heard.wav");
    let mut spec = available_specialist(&demo).await;
    let args: Vec<std::ffi::OsString> = vec![
        "call".into(),
        "--wav".into(),
        wav.clone().into(),
        "--server".into(),
        demo.addr.clone().into(),
        "--login".into(),
        "client-3".into(),
        "--seconds".into(),
        "3".into(),
        "--wait".into(),
        "10".into(),
        "--heard".into(),
        heard.clone().into(),
    ];
    let cli = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_linedesk-client-sim"))
            .args(args)
            .output()
            .expect("the command runs")
    });
    let side = take_the_clients_call(&demo, &mut spec, &[]).await;
    let output = cli.await.expect("joined");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success());
    assert!(
        stdout.contains(&format!("call {} (appeal", side.call))
            && stdout.contains("ended: the client hung up")
            && stdout.contains("MOS"),
        "{stdout}"
    );
    let words = linedesk_engine::wav::read(&wav).expect("wav");
    let a = align(&words, &side.heard, Duration::from_secs(1)).expect("aligned");
    assert!(a.segment_correlation > 0.6, "{a:?}");
    assert!(heard.exists());
}
