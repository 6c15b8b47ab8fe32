//! The three-way join in the app's own order of steps (issue 14), over the real server with
//! real WebRTC on loopback: what `src-tauri/src/calls.rs` and `src-tauri/src/consult*.rs` do,
//! one call after another, on the machine the app's WebDriver test runs on (no sound card:
//! each session gets a headset with no microphone, the app's `MemoryIo::default()`) and with
//! every stage of the microphone path on (the app's default):
//!
//! 1. the client calls; the specialist answers and starts the call's engine at once, before
//!    the media is up (`Calls::pick_up`);
//! 2. "Consult first": `ConsultCall`, the client's call on hold (`Call::hold(true)`), the
//!    consultation's peer offered once the line announced it, and its engine started at once
//!    (`Consultations::start`);
//! 3. the colleague answers and talks; "Join all": `JoinConsultation`, the headset shared
//!    (`CallSession::share_headset_with`), the client's call off hold (`Call::hold(false)`,
//!    `Calls::join_media`).
//!
//! Microphones are tones (client 700 Hz, colleague 440 Hz), so who hears whom is read off
//! the spectrum in whole seconds, as the app's test `app_call_join` reads it.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{available_specialist, demo_server};
use linedesk_audio::MemoryIo;
use linedesk_call::{Call, CallConfig, CallState};
use linedesk_client_sim::{CallPlan, EndedBy, place_call};
use linedesk_domain::presence::PresenceStatus;
use linedesk_engine::line::LineLink;
use linedesk_engine::{CallSession, SessionConfig, SharedIo, Side, Stages};
use linedesk_protocol::{Action, CallEndReason, Event, Role, SignalPayload};
use linedesk_server::auth::hash_password;
use linedesk_server::demo::DEMO_CLIENT_PASSWORD;
use linedesk_server::storage::Storage;

const RATE: f32 = 48_000.0;
const CLIENT_HZ: f32 = 700.0;
const COLLEAGUE_HZ: f32 = 440.0;
/// Seconds the colleague hears the client through the join before the specialist ends it.
const JOINED_SECONDS: usize = 4;

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

/// Whole seconds of `heard` mostly (over half their power) the tone of `hz`.
fn seconds_of(heard: &[f32], hz: f32) -> usize {
    heard
        .chunks_exact(RATE as usize)
        .filter(|w| share_at(w, hz) > 0.5)
        .count()
}

/// The app's engine of a call: no microphone (no sound card), every stage on.
fn app_session(peer: &Arc<Call>, packets: ChannelPackets, path: std::path::PathBuf) -> CallSession {
    let mut config = SessionConfig::new(Side::Specialist, path);
    config.processing = Stages::ALL;
    CallSession::start(peer.clone(), packets, Box::new(MemoryIo::default()), config)
        .expect("the app's engine")
}

type ChannelPackets = tokio::sync::mpsc::Receiver<linedesk_call::ReceivedPacket>;

async fn wait_state(peer: &Call, want: CallState, what: &str) {
    let mut states = peer.watch();
    let reached =
        tokio::time::timeout(Duration::from_secs(20), states.wait_for(|s| *s == want)).await;
    assert!(
        matches!(reached, Ok(Ok(_))),
        "{what}: the call is {:?}, {want:?} wanted",
        peer.state()
    );
}

/// Wait until `session` has received `packets` more packets than `from`.
async fn heard_packets(session: &CallSession, from: u64, packets: u64, what: &str) -> u64 {
    let mut quality = session.quality();
    let reached = tokio::time::timeout(
        Duration::from_secs(20),
        quality.wait_for(|q| q.is_some_and(|q| q.received >= from + packets)),
    )
    .await;
    let seen = session.quality().borrow().map_or(0, |q| q.received);
    assert!(
        matches!(reached, Ok(Ok(_))),
        "{what}: {seen} packets received, {} wanted",
        from + packets
    );
    seen
}

/// Wait until `io`'s speaker played `seconds` whole seconds mostly of the tone of `hz` (read
/// as it plays, at most 60 s).
async fn wait_heard(io: &SharedIo, hz: f32, seconds: usize, what: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let heard = seconds_of(&io.played(), hz);
        if heard >= seconds {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: {heard} s of the {hz} Hz tone in 60 s, {seconds} s wanted"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The colleague: answers the consultation, says her tone on headset `io` and plays there
/// what she hears until it ends.
async fn colleague(mut link: LineLink, me: u64, dir: std::path::PathBuf, io: SharedIo) {
    let consultation = link
        .event(|e| match e {
            Event::CallConsulting {
                consultation, to, ..
            } if *to == me => Some(*consultation),
            _ => None,
        })
        .await
        .expect("the consultation rings her");
    link.submit(Action::AnswerCall { call: consultation })
        .await
        .expect("she picks up");
    let SignalPayload::Offer { sdp } = link.signal(consultation).await.expect("a signal") else {
        panic!("the consulting app offers first");
    };
    let (peer, channels) = Call::answer(CallConfig::loopback(), &sdp)
        .await
        .expect("answered");
    let peer = Arc::new(peer);
    link.attach(consultation, &peer, channels.signals);
    wait_state(&peer, CallState::Connected, "her consultation").await;
    let session = CallSession::start(
        peer.clone(),
        channels.packets,
        Box::new(io),
        SessionConfig::new(Side::Specialist, dir.join("consultation.ogg")),
    )
    .expect("her engine");
    let reason = link
        .event_within(Some(Duration::from_secs(90)), |e| match e {
            Event::ConsultationEnded {
                consultation: c,
                reason,
                ..
            } if *c == consultation => Some(*reason),
            _ => None,
        })
        .await
        .expect("the session")
        .expect("the consultation ends");
    peer.remote_ended(reason).await;
    session.finish().await.expect("her report");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_apps_join_carries_each_party_to_the_other() {
    let _turn = common::one_call_at_a_time().await;
    let dir = tempfile::tempdir().expect("dir");
    let demo = demo_server().await;
    // The demo's colleague Orlova, as in the app's test.
    demo.storage
        .set_password("orlova", &hash_password("orlova-pass").expect("hash"))
        .expect("her password");
    let orlova = demo
        .storage
        .account_by_login("orlova")
        .expect("read")
        .expect("Orlova")
        .subject
        .id;
    let mut app = available_specialist(&demo).await;
    let mut her = LineLink::join(&demo.addr, "orlova", "orlova-pass", demo.line)
        .await
        .expect("Orlova signs in");
    her.submit(Action::SetPresence {
        status: PresenceStatus::Available,
    })
    .await
    .expect("available");
    let her_ear = SharedIo::new(&tone(COLLEAGUE_HZ, 120.0));
    let her_side = tokio::spawn(colleague(
        her,
        orlova,
        dir.path().to_path_buf(),
        her_ear.clone(),
    ));

    let plan = CallPlan::new(tone(CLIENT_HZ, 120.0), Duration::from_secs(90));
    let addr = demo.addr.clone();
    let client =
        tokio::spawn(
            async move { place_call(&addr, "client-1", DEMO_CLIENT_PASSWORD, plan).await },
        );

    // 1. Answered in the panel: the engine starts with the peer, before its media is up.
    let call = app
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
    app.submit(Action::AnswerCall { call })
        .await
        .expect("picked up");
    let SignalPayload::Offer { sdp } = app.signal(call).await.expect("a signal") else {
        panic!("the client's offer comes first");
    };
    let (client_peer, channels) = Call::answer(CallConfig::loopback(), &sdp)
        .await
        .expect("answered");
    let client_peer = Arc::new(client_peer);
    app.attach(call, &client_peer, channels.signals);
    let client_session = app_session(&client_peer, channels.packets, dir.path().join("call.ogg"));
    heard_packets(&client_session, 0, 25, "the client's audio in the app").await;

    // 2. "Consult first": the line first, then the hold, then the consultation's media.
    app.submit(Action::ConsultCall { call, to: orlova })
        .await
        .expect("the line rings the colleague");
    client_peer.hold(true).expect("the client on hold");
    let consultation = app
        .event(|e| match e {
            Event::CallConsulting {
                call: c,
                consultation,
                to,
                ..
            } if *c == call && *to == orlova => Some(*consultation),
            _ => None,
        })
        .await
        .expect("the line announces the consultation");
    let (consult_peer, channels) = Call::offer(CallConfig::loopback())
        .await
        .expect("the consultation's offer");
    let consult_peer = Arc::new(consult_peer);
    let consult_session = app_session(
        &consult_peer,
        channels.packets,
        dir.path().join("consultation.ogg"),
    );
    app.attach(consultation, &consult_peer, channels.signals);
    wait_state(&consult_peer, CallState::Connected, "the consultation").await;
    heard_packets(&consult_session, 0, 25, "the colleague's voice in the app").await;

    // 3. "Join all": the line, then the shared headset, then the client off hold.
    app.submit(Action::JoinConsultation { consultation })
        .await
        .expect("the line joins the three");
    client_session.share_headset_with(&consult_session);
    client_peer.hold(false).expect("the client off hold");
    wait_state(&client_peer, CallState::Connected, "the client's call").await;
    wait_heard(
        &her_ear,
        CLIENT_HZ,
        JOINED_SECONDS,
        "the colleague hears the client through the join",
    )
    .await;

    // The specialist ends it for all: the client's call, then the consultation.
    for id in [call, consultation] {
        app.submit(Action::HangUp {
            call: id,
            reason: CallEndReason::HungUp,
        })
        .await
        .expect("hung up");
    }
    client_peer.hang_up().await;
    consult_peer.hang_up().await;
    client_session
        .finish()
        .await
        .expect("the client call's report");
    consult_session
        .finish()
        .await
        .expect("the consultation's report");
    let outcome = client
        .await
        .expect("the client's task")
        .expect("the client's call");
    assert!(
        matches!(outcome.ended_by, EndedBy::Specialist(_)),
        "{:?}",
        outcome.ended_by
    );
    her_side.await.expect("her task");
    let client_heard = seconds_of(&outcome.heard, COLLEAGUE_HZ);
    let she_heard = seconds_of(&her_ear.played(), CLIENT_HZ);
    println!(
        "joined: the client heard the colleague for {client_heard} s, the colleague heard the \
         client for {she_heard} s"
    );
    // The client hears her over the same kind of path from the same moment: short of hers by
    // at most the seconds cut at either end.
    assert!(
        client_heard + 2 >= JOINED_SECONDS,
        "the client hears the colleague through the join: {client_heard} s (she heard the \
         client {she_heard} s)"
    );
}
