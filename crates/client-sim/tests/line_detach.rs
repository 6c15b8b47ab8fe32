//! `LineLink::detach` on its own (issue 14), over the real server with real WebRTC on
//! loopback: the demo specialist answers a simulated client and detaches the call's signalling
//! from the session. The media goes on untouched (the client is still heard); what the peer
//! sends meanwhile stays with the receiver `detach` gave back (a hold the client is never
//! told of); attached again, the peer's signals reach the client through the server once more
//! (a hold silences the client, a resume brings them back).
//!
//! The client's microphone is a steady tone, so "heard" and "silent" are levels.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{available_specialist, demo_server};
use linedesk_call::{Call, CallConfig, CallState};
use linedesk_client_sim::{CallPlan, EndedBy, place_call};
use linedesk_engine::{CallSession, SessionConfig, SharedIo, Side};
use linedesk_protocol::{Action, CallEndReason, Event, Role, SignalPayload};
use linedesk_server::demo::DEMO_CLIENT_PASSWORD;

const RATE: usize = 48_000;

fn tone(seconds: usize) -> Vec<f32> {
    (0..seconds * RATE)
        .map(|i| 0.3 * (2.0 * std::f32::consts::PI * 700.0 * i as f32 / RATE as f32).sin())
        .collect()
}

fn rms(x: &[f32]) -> f32 {
    if x.is_empty() {
        return 0.0;
    }
    (x.iter().map(|s| s * s).sum::<f32>() / x.len() as f32).sqrt()
}

/// The client's tone at full level is about 0.21 RMS; silence (or concealment faded out) is
/// far below this.
const HEARD: f32 = 0.05;
const SILENT: f32 = 0.005;

/// Wait until the last half second the specialist's speaker played satisfies `ok`.
async fn until_speaker(headset: &SharedIo, what: &str, ok: impl Fn(f32) -> bool) {
    let last = || {
        let played = headset.played();
        rms(&played[played.len().saturating_sub(RATE / 2)..])
    };
    let waited = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if headset.played().len() >= RATE / 2 && ok(last()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert!(
        waited.is_ok(),
        "{what}: the speaker's last half second stayed at RMS {:.4}",
        last()
    );
}

/// Wait until the speaker played `seconds` more than `mark` samples (the engine's ticks).
async fn played_on(headset: &SharedIo, mark: usize, seconds: usize) {
    let want = mark + seconds * RATE;
    let waited = tokio::time::timeout(Duration::from_secs(30), async {
        while headset.played().len() < want {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert!(
        waited.is_ok(),
        "the speaker played {} samples, {want} wanted",
        headset.played().len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_detached_call_keeps_its_media_and_its_signalling_attaches_again() {
    let demo = demo_server().await;
    let mut spec = available_specialist(&demo).await;
    let plan = CallPlan::new(tone(120), Duration::from_secs(120));
    let addr = demo.addr.clone();
    let client =
        tokio::spawn(
            async move { place_call(&addr, "client-1", DEMO_CLIENT_PASSWORD, plan).await },
        );

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
    let mut states = peer.watch();
    tokio::time::timeout(
        Duration::from_secs(20),
        states.wait_for(|s| *s == CallState::Connected),
    )
    .await
    .expect("the media comes up in time")
    .expect("the call stays");
    // The specialist's microphone says nothing: only the client is on the speaker.
    let headset = SharedIo::new(&[]);
    let session = CallSession::start(
        peer.clone(),
        channels.packets,
        Box::new(headset.clone()),
        SessionConfig::new(Side::Specialist, demo.dir.path().join("specialist.ogg")),
    )
    .expect("the specialist's engine");
    until_speaker(&headset, "the client heard", |r| r > HEARD).await;

    // Detached: the media goes on untouched.
    let mut outgoing = spec.detach(call).await.expect("the call was attached");
    assert!(spec.detach(call).await.is_none(), "detached once only");
    let mark = headset.played().len();
    played_on(&headset, mark, 2).await;
    let after = rms(&headset.played()[mark + RATE / 2..]);
    assert!(
        after > HEARD,
        "the client is still heard once detached: RMS {after:.4}"
    );
    assert_eq!(peer.state(), CallState::Connected);

    // What the peer sends now stays with the receiver: the client is not told of this hold
    // and goes on talking.
    peer.hold(true).expect("hold here");
    let held = tokio::time::timeout(Duration::from_secs(5), outgoing.recv())
        .await
        .expect("the hold's signal in time");
    assert_eq!(held, Some(SignalPayload::Hold { on: true }));
    let mark = headset.played().len();
    played_on(&headset, mark, 2).await;
    let untold = rms(&headset.played()[mark + RATE / 2..]);
    assert!(
        untold > HEARD,
        "the client was not told of the hold: RMS {untold:.4}"
    );
    peer.hold(false).expect("resume here");

    // Attached again (with what it had not sent: the resume): the peer's signals go out
    // through the server once more. A hold reaches the client, who stops talking...
    spec.attach(call, &peer, outgoing);
    peer.hold(true).expect("hold");
    until_speaker(&headset, "the client on hold falls silent", |r| r < SILENT).await;
    // ...and the resume brings them back.
    peer.hold(false).expect("resume");
    until_speaker(&headset, "the client talks again", |r| r > HEARD).await;

    peer.hang_up().await;
    spec.submit(Action::HangUp {
        call,
        reason: CallEndReason::HungUp,
    })
    .await
    .expect("the specialist hangs up");
    session.finish().await.expect("the specialist's report");
    let outcome = client
        .await
        .expect("the client's task")
        .expect("the client's call");
    assert!(
        matches!(outcome.ended_by, EndedBy::Specialist(_)),
        "{:?}",
        outcome.ended_by
    );
}
