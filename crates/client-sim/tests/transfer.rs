//! A blind transfer over the real wire with real WebRTC on loopback: the simulated client
//! calls the line, the demo specialist (engine-driven, as the app drives it) answers and
//! hands the call to a colleague (another engine-driven specialist); the client follows the
//! transfer without hanging up (a new negotiation on the colleague's leg) and its voice
//! reaches the colleague, while the first specialist no longer hears it.
//!
//! Each party's microphone is a tone of its own (client 700 Hz, first specialist 1000 Hz,
//! colleague 440 Hz), so who hears whom is read off each speaker's spectrum.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{available_specialist, demo_server, ended_in_log};
use linedesk_call::{Call, CallConfig, CallState};
use linedesk_client_sim::{CallPlan, EndedBy, place_call};
use linedesk_domain::presence::PresenceStatus;
use linedesk_engine::line::LineLink;
use linedesk_engine::{CallSession, SessionConfig, SharedIo, Side};
use linedesk_protocol::{Action, CallEndReason, Event, Role, SignalPayload};
use linedesk_server::auth::hash_password;
use linedesk_server::demo::DEMO_CLIENT_PASSWORD;
use linedesk_server::storage::Storage;

const RATE: f32 = 48_000.0;
const CLIENT_HZ: f32 = 700.0;
const FIRST_HZ: f32 = 1000.0;
const COLLEAGUE_HZ: f32 = 440.0;

fn tone(hz: f32, seconds: f32) -> Vec<f32> {
    (0..(seconds * RATE) as usize)
        .map(|i| 0.3 * (2.0 * std::f32::consts::PI * hz * i as f32 / RATE).sin())
        .collect()
}

/// Power at `hz` (Goertzel), as a share of the signal's whole power: about 1 for a pure tone
/// of that frequency, near 0 for another tone or silence.
fn share_at(samples: &[f32], hz: f32) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let w = 2.0 * std::f64::consts::PI * f64::from(hz) / f64::from(RATE);
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    let mut energy = 0.0f64;
    for &x in samples {
        let x = f64::from(x);
        energy += x * x;
        let s0 = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    if energy <= 1e-9 {
        return 0.0;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    2.0 * power / (samples.len() as f64 * energy)
}

fn rms_dbfs(samples: &[f32]) -> f64 {
    if samples.is_empty() {
        return -200.0;
    }
    let mean = samples.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>() / samples.len() as f64;
    10.0 * mean.max(1e-20).log10()
}

fn at(seconds: f64) -> usize {
    (seconds * f64::from(RATE)) as usize
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blind_transfer_moves_the_clients_voice_to_the_colleague() {
    let _turn = common::one_call_at_a_time().await;
    let demo = demo_server().await;
    let colleague = demo
        .storage
        .add_specialist(
            "kolesova",
            &hash_password("kolesova-pass").expect("hash"),
            "Колесова Вера",
        )
        .expect("a colleague");
    demo.storage
        .serve_line(colleague, demo.line, 5, 5)
        .expect("she serves the line");
    let mut first = available_specialist(&demo).await;
    let mut second = LineLink::join(&demo.addr, "kolesova", "kolesova-pass", demo.line)
        .await
        .expect("the colleague signs in");
    second
        .submit(Action::SetPresence {
            status: PresenceStatus::Available,
        })
        .await
        .expect("available");

    let mut plan = CallPlan::new(tone(CLIENT_HZ, 30.0), Duration::from_secs(11));
    plan.ring_timeout = Duration::from_secs(10);
    let addr = demo.addr.clone();
    let client =
        tokio::spawn(
            async move { place_call(&addr, "client-1", DEMO_CLIENT_PASSWORD, plan).await },
        );

    // The colleague's side: the leg rings her like a client's call; she picks up and the
    // client offers anew on it.
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
        let picked_up = Instant::now();
        second
            .submit(Action::AnswerCall { call: leg })
            .await
            .expect("she picks up");
        let SignalPayload::Offer { sdp } = second.signal(leg).await.expect("a signal") else {
            panic!("the client's new offer comes first");
        };
        let (peer, channels) = Call::answer(CallConfig::loopback(), &sdp)
            .await
            .expect("answered");
        let peer = Arc::new(peer);
        second.attach(leg, &peer, channels.signals);
        wait_connected(&peer).await;
        // How long the client waits between the two specialists: her pick-up to the leg's
        // media (DTLS up), through the client's new offer.
        println!(
            "transfer: the colleague's pick-up to the leg's media in {} ms",
            picked_up.elapsed().as_millis()
        );
        let io = SharedIo::new(&tone(COLLEAGUE_HZ, 30.0));
        let dir = tempfile::tempdir().expect("dir");
        let session = CallSession::start(
            peer.clone(),
            channels.packets,
            Box::new(io.clone()),
            SessionConfig::new(Side::Specialist, dir.path().join("leg.ogg")),
        )
        .expect("her engine");
        let reason = second
            .event_within(Some(Duration::from_secs(30)), |e| match e {
                Event::CallEnded {
                    call, reason, by, ..
                } if *call == leg => Some((*reason, *by)),
                _ => None,
            })
            .await
            .expect("the session")
            .expect("the client hangs up on her");
        peer.remote_ended(reason.0).await;
        let report = session.finish().await.expect("her report");
        second
            .submit(Action::CallStats {
                call: leg,
                quality: report.quality(),
            })
            .await
            .expect("her stats");
        (leg, reason, io.played())
    });

    // The first specialist answers, talks, transfers, and keeps their engine running a while
    // after the transfer to show that the client's voice no longer comes.
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
        .expect("the client's call rings");
    first
        .submit(Action::AnswerCall { call })
        .await
        .expect("picked up");
    let SignalPayload::Offer { sdp } = first.signal(call).await.expect("a signal") else {
        panic!("the client's offer comes first");
    };
    let (peer, channels) = Call::answer(CallConfig::loopback(), &sdp)
        .await
        .expect("answered");
    let peer = Arc::new(peer);
    first.attach(call, &peer, channels.signals);
    wait_connected(&peer).await;
    let io = SharedIo::new(&tone(FIRST_HZ, 30.0));
    let dir = tempfile::tempdir().expect("dir");
    let session = CallSession::start(
        peer.clone(),
        channels.packets,
        Box::new(io.clone()),
        SessionConfig::new(Side::Specialist, dir.path().join("first.ogg")),
    )
    .expect("the first engine");
    let started = Instant::now();
    tokio::time::sleep(Duration::from_millis(2500)).await;
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
    let transferred_at = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    peer.remote_ended(CallEndReason::Transferred).await;
    let first_report = session.finish().await.expect("the first report");
    first
        .submit(Action::CallStats {
            call,
            quality: first_report.quality(),
        })
        .await
        .expect("the first stats");
    let first_heard = io.played();

    let outcome = client
        .await
        .expect("the client's task")
        .expect("the client's call");
    let (colleague_leg, (leg_reason, leg_by), colleague_heard) =
        colleague_side.await.expect("the colleague's task");

    // The client went on with the colleague on her leg, without hanging up in between.
    assert_eq!(colleague_leg, leg);
    assert_eq!(outcome.call, call);
    assert_eq!(outcome.ended_by, EndedBy::Client);
    let legs: Vec<u64> = outcome.transfers.iter().map(|(c, _)| *c).collect();
    assert_eq!(legs, [leg]);
    assert!(outcome.transfers[0].1.is_some(), "the leg's media came up");
    assert_eq!((leg_reason, leg_by), (CallEndReason::HungUp, Role::Client));

    // Before the transfer the first specialist heard the client; after it, nothing.
    let before = &first_heard[at(0.5).min(first_heard.len())..at(2.3).min(first_heard.len())];
    let after = &first_heard[at(transferred_at + 0.5).min(first_heard.len())..];
    println!(
        "first specialist: before {:.1} dBFS, {:.2} at 700 Hz; after ({} ms) {:.1} dBFS; \
         transferred at {transferred_at:.2} s",
        rms_dbfs(before),
        share_at(before, CLIENT_HZ),
        after.len() * 1000 / 48_000,
        rms_dbfs(after)
    );
    assert!(share_at(before, CLIENT_HZ) > 0.3, "the client was heard");
    assert!(rms_dbfs(after) < -50.0, "nothing after the transfer");

    // The colleague hears the client; the client hears the colleague at the end.
    let late = &colleague_heard[at(1.0).min(colleague_heard.len())..];
    let client_end = &outcome.heard[outcome.heard.len().saturating_sub(at(3.0))..];
    println!(
        "colleague: {:.1} dBFS, {:.2} at 700 Hz over {} ms; client at the end: {:.2} at 440 Hz, \
         {:.2} at 1000 Hz",
        rms_dbfs(late),
        share_at(late, CLIENT_HZ),
        late.len() * 1000 / 48_000,
        share_at(client_end, COLLEAGUE_HZ),
        share_at(client_end, FIRST_HZ),
    );
    assert!(late.len() > at(3.0), "the colleague talked with the client");
    assert!(
        share_at(late, CLIENT_HZ) > 0.3,
        "the colleague hears the client"
    );
    assert!(
        share_at(client_end, COLLEAGUE_HZ) > 0.3,
        "the client hears her"
    );
    assert!(
        share_at(client_end, FIRST_HZ) < 0.05,
        "not the first specialist"
    );

    // The log: the first leg ended `transferred`, each leg has both parties' statistics.
    assert_eq!(
        ended_in_log(&demo, call),
        Some((Role::Specialist, CallEndReason::Transferred))
    );
    for c in [call, leg] {
        let mut roles = common::roles_with_stats(&demo, c);
        roles.sort_by_key(|r| format!("{r:?}"));
        assert_eq!(roles, [Role::Client, Role::Specialist], "call {c}");
    }
}

async fn wait_connected(peer: &Call) {
    let mut states = peer.watch();
    tokio::time::timeout(
        Duration::from_secs(30),
        states.wait_for(|s| *s == CallState::Connected),
    )
    .await
    .expect("the media comes up in time")
    .expect("the call stays");
}
