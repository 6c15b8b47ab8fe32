//! Two peers in one process wired directly (no server): media both ways, hold and mute, bad
//! signals, and a call that cannot connect.

#[path = "common/media.rs"]
mod media;

use std::sync::Arc;
use std::time::Duration;

use linedesk_call::{Call, CallConfig, CallError, CallState, EndReason, FailReason, Sent};
use linedesk_protocol::{CallEndReason, SignalPayload};
use media::{drain, no_loss, send};
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(10);

/// Relay every signal of `rx` to `to`, as the line server would.
fn relay(mut rx: mpsc::UnboundedReceiver<SignalPayload>, to: Arc<Call>) {
    tokio::spawn(async move {
        while let Some(s) = rx.recv().await {
            let _ = to.signal(s).await;
        }
    });
}

async fn wait_for(call: &Call, want: CallState) {
    let mut states = call.watch();
    tokio::time::timeout(WAIT, states.wait_for(|s| *s == want))
        .await
        .unwrap_or_else(|_| panic!("never {want:?}, still {:?}", call.state()))
        .expect("watch");
}

struct Pair {
    a: Arc<Call>,
    b: Arc<Call>,
    a_rx: mpsc::Receiver<linedesk_call::ReceivedPacket>,
    b_rx: mpsc::Receiver<linedesk_call::ReceivedPacket>,
}

async fn connected_pair() -> Pair {
    let (a, mut a_ch) = Call::offer(CallConfig::loopback()).await.expect("offer");
    let Some(SignalPayload::Offer { sdp }) = a_ch.signals.recv().await else {
        panic!("the offer comes first");
    };
    assert!(sdp.contains("a=rtpmap:111 opus/48000/2"), "{sdp}");
    let (b, b_ch) = Call::answer(CallConfig::loopback(), &sdp)
        .await
        .expect("answer");
    let (a, b) = (Arc::new(a), Arc::new(b));
    relay(a_ch.signals, b.clone());
    relay(b_ch.signals, a.clone());
    wait_for(&a, CallState::Connected).await;
    wait_for(&b, CallState::Connected).await;
    Pair {
        a,
        b,
        a_rx: a_ch.packets,
        b_rx: b_ch.packets,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn packets_flow_both_ways_hold_and_mute_silence_them() {
    let mut p = connected_pair().await;
    let (to_b, to_a) = tokio::join!(send(&p.a, 0, 50), send(&p.b, 1000, 50));
    assert_eq!((to_b, to_a), (50, 50));
    no_loss(&drain(&mut p.b_rx, Duration::from_millis(300)).await, 0, 50);
    no_loss(
        &drain(&mut p.a_rx, Duration::from_millis(300)).await,
        1000,
        50,
    );

    // Hold by A: both sides go silent and B sees it.
    p.a.hold(true).expect("hold");
    wait_for(
        &p.b,
        CallState::OnHold {
            local: false,
            remote: true,
        },
    )
    .await;
    assert_eq!(
        p.a.send_packet(media::payload(1), 0).await.expect("send"),
        Sent::OnHold
    );
    assert_eq!(
        p.b.send_packet(media::payload(1), 0).await.expect("send"),
        Sent::OnHold
    );
    p.a.hold(false).expect("resume");
    wait_for(&p.b, CallState::Connected).await;
    // Mute by B: A still sends, B does not.
    p.b.set_muted(true);
    let (to_b, to_a) = tokio::join!(send(&p.a, 50, 10), send(&p.b, 1050, 10));
    assert_eq!((to_b, to_a), (10, 0));
    no_loss(
        &drain(&mut p.b_rx, Duration::from_millis(300)).await,
        50,
        10,
    );
    assert!(
        drain(&mut p.a_rx, Duration::from_millis(100))
            .await
            .is_empty()
    );
    p.b.set_muted(false);
    assert_eq!(send(&p.b, 1060, 5).await, 5);
    let back = drain(&mut p.a_rx, Duration::from_millis(300)).await;
    assert!(back.first().is_some_and(|first| first.seq != 0), "resumes");
    no_loss(&back, 1060, 5);

    // Bad signals are typed errors and the call goes on.
    let bad =
        p.a.signal(SignalPayload::Answer {
            sdp: "v=0\r\nnonsense".into(),
        })
        .await;
    assert!(
        matches!(bad, Err(CallError::UnexpectedSignal(_))),
        "{bad:?}"
    );
    let bad =
        p.b.signal(SignalPayload::Candidate {
            candidate: "candidate:garbage".into(),
            sdp_mid: None,
            sdp_mline_index: Some(0),
        })
        .await;
    assert!(matches!(bad, Err(CallError::BadCandidate(_))), "{bad:?}");
    assert_eq!(p.a.state(), CallState::Connected);

    p.a.hang_up().await;
    p.b.remote_ended(CallEndReason::HungUp).await;
    assert_eq!(p.a.state(), CallState::Ended(EndReason::HungUp));
    assert_eq!(
        p.b.state(),
        CallState::Ended(EndReason::RemoteHungUp(Some(CallEndReason::HungUp)))
    );
    assert!(matches!(
        p.a.send_packet(media::payload(0), 0).await,
        Err(CallError::Over)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_offer_is_refused_and_an_unanswered_call_times_out() {
    let bad = Call::answer(CallConfig::loopback(), "hello").await;
    assert!(matches!(bad, Err(CallError::BadSdp(_))), "{:?}", bad.err());
    let config = CallConfig {
        connect_timeout: Duration::from_millis(500),
        ..CallConfig::loopback()
    };
    let (a, _channels) = Call::offer(config).await.expect("offer");
    wait_for(&a, CallState::Failed(FailReason::Timeout)).await;
    assert!(matches!(a.hold(true), Err(CallError::Over)));
}

/// RTCP flows: B's receiver reports tell A how many of A's packets never arrived (A lost
/// every tenth on purpose), which is what A's encoder protects against.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_far_side_reports_the_loss_of_what_this_side_sent() {
    let mut p = connected_pair().await;
    assert_eq!(p.a.transport_health().await.far_side, None);
    let mut ticks = tokio::time::interval(Duration::from_millis(20));
    let mut lost = 0;
    for k in 0..150u32 {
        ticks.tick().await;
        if k % 10 == 5 {
            assert!(p.a.lose_packet().await.expect("lose"));
            lost += 1;
        } else {
            p.a.send_packet(bytes::Bytes::from_static(&[0xfc, 1, 2, 3]), k * 960)
                .await
                .expect("send");
        }
        while p.b_rx.try_recv().is_ok() {}
    }
    let mut far = None;
    for _ in 0..50 {
        far = p.a.transport_health().await.far_side;
        if far.is_some_and(|f| f.packets_lost >= lost - 2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let far = far.expect("a receiver report came");
    assert!(far.reports >= 1, "{far:?}");
    assert!(
        (lost - 2..=lost).contains(&far.packets_lost),
        "lost {lost}: {far:?}"
    );
    assert!(far.fraction_lost < 0.3, "{far:?}");
}
