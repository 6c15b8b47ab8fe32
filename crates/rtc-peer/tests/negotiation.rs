//! Two real peer connections on 127.0.0.1 negotiated through [`Negotiation`], signals passed
//! by hand: candidates that arrive before the remote description are kept and still connect
//! the peers, and signals that make no sense on a side are refused with their own error.

use std::sync::Arc;
use std::time::Duration;

use linedesk_protocol::SignalPayload;
use linedesk_rtc_peer::{Negotiation, NegotiationError, candidate_signal};
use tokio::sync::{mpsc, watch};
use webrtc::data_channel::RTCDataChannelInit;
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler, RTCPeerConnectionIceEvent,
    RTCPeerConnectionState,
};

/// Trickles candidates into a channel and publishes the connection state.
struct Handler {
    candidates: mpsc::UnboundedSender<SignalPayload>,
    state: watch::Sender<RTCPeerConnectionState>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_candidate(&self, event: RTCPeerConnectionIceEvent) {
        if let Some(signal) = candidate_signal(&event) {
            let _ = self.candidates.send(signal);
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        self.state.send_replace(state);
    }
}

struct Side {
    negotiation: Negotiation,
    pc: Arc<dyn PeerConnection>,
    candidates: mpsc::UnboundedReceiver<SignalPayload>,
    state: watch::Receiver<RTCPeerConnectionState>,
}

async fn side(offerer: bool) -> Side {
    let (candidates_tx, candidates) = mpsc::unbounded_channel();
    let (state_tx, state) = watch::channel(RTCPeerConnectionState::New);
    let pc = PeerConnectionBuilder::new()
        .with_handler(Arc::new(Handler {
            candidates: candidates_tx,
            state: state_tx,
        }))
        .with_udp_addrs(vec![std::net::SocketAddr::from(([127, 0, 0, 1], 0))])
        .build()
        .await
        .expect("peer connection");
    let pc: Arc<dyn PeerConnection> = Arc::new(pc);
    Side {
        negotiation: Negotiation::new(pc.clone(), offerer),
        pc,
        candidates,
        state,
    }
}

/// Every candidate trickled so far (waiting a little for the first).
async fn trickled(side: &mut Side) -> Vec<SignalPayload> {
    let first = tokio::time::timeout(Duration::from_secs(5), side.candidates.recv())
        .await
        .expect("a candidate in time")
        .expect("open");
    let mut all = vec![first];
    while let Ok(more) = side.candidates.try_recv() {
        all.push(more);
    }
    all
}

async fn connected(side: &mut Side) {
    tokio::time::timeout(
        Duration::from_secs(20),
        side.state
            .wait_for(|s| *s == RTCPeerConnectionState::Connected),
    )
    .await
    .expect("connected in time")
    .expect("state");
}

#[tokio::test]
async fn early_candidates_are_kept_until_the_answer_and_the_peers_connect() {
    let (mut viewer, mut host) = (side(true).await, side(false).await);
    viewer
        .pc
        .create_data_channel("probe", Some(RTCDataChannelInit::default()))
        .await
        .expect("data channel");
    let mut sent = Vec::new();
    viewer
        .negotiation
        .offer(|offer| sent.push(offer))
        .await
        .expect("offer");
    let Some(SignalPayload::Offer { sdp }) = sent.pop() else {
        panic!("the offer goes out first");
    };

    // The offerer's candidates reach the host before its offer does: kept, not refused.
    for candidate in trickled(&mut viewer).await {
        host.negotiation.apply(candidate).await.expect("kept");
    }
    let mut answer = Vec::new();
    host.negotiation
        .answer(sdp, |a| answer.push(a))
        .await
        .expect("answer");
    let answer = answer.pop().expect("the answer goes out");
    assert!(matches!(answer, SignalPayload::Answer { .. }));

    // The answering side's candidates before the answer, then the answer: the same keeping.
    for candidate in trickled(&mut host).await {
        viewer.negotiation.apply(candidate).await.expect("kept");
    }
    viewer
        .negotiation
        .apply(answer.clone())
        .await
        .expect("the answer");
    connected(&mut viewer).await;
    connected(&mut host).await;

    assert!(matches!(
        viewer.negotiation.apply(answer.clone()).await,
        Err(NegotiationError::SecondAnswer)
    ));
    assert!(matches!(
        host.negotiation.apply(answer).await,
        Err(NegotiationError::AnswerToAnswerer)
    ));
    let offer = SignalPayload::Offer { sdp: "v=0".into() };
    assert!(matches!(
        host.negotiation.apply(offer).await,
        Err(NegotiationError::LateOffer)
    ));
    let hold = SignalPayload::Hold { on: true };
    assert!(
        host.negotiation.apply(hold).await.is_ok(),
        "hold is not negotiation"
    );
    let _ = viewer.pc.close().await;
    let _ = host.pc.close().await;
}

#[tokio::test]
async fn unusable_descriptions_and_candidates_are_told_apart() {
    let host = side(false).await;
    let garbage = host.negotiation.answer("not sdp".into(), |_| {}).await;
    assert!(
        matches!(garbage, Err(NegotiationError::BadSdp(_))),
        "{garbage:?}"
    );

    let (viewer, host) = (side(true).await, side(false).await);
    viewer
        .pc
        .create_data_channel("probe", None)
        .await
        .expect("data channel");
    let mut sent = Vec::new();
    viewer
        .negotiation
        .offer(|o| sent.push(o))
        .await
        .expect("offer");
    let Some(SignalPayload::Offer { sdp }) = sent.pop() else {
        panic!("the offer goes out first");
    };
    host.negotiation.answer(sdp, |_| {}).await.expect("answer");
    let bad = SignalPayload::Candidate {
        candidate: "candidate:garbage".into(),
        sdp_mid: Some("0".into()),
        sdp_mline_index: Some(0),
    };
    let refused = host.negotiation.apply(bad).await;
    assert!(
        matches!(refused, Err(NegotiationError::BadCandidate(_))),
        "{refused:?}"
    );
    let _ = viewer.pc.close().await;
    let _ = host.pc.close().await;
}

/// Every candidate trickled within `for_` (none is fine).
async fn trickled_within(side: &mut Side, for_: Duration) -> Vec<SignalPayload> {
    let mut all = Vec::new();
    let deadline = tokio::time::Instant::now() + for_;
    while let Ok(Some(more)) = tokio::time::timeout_at(deadline, side.candidates.recv()).await {
        all.push(more);
    }
    all
}

fn ufrag(sdp: &str) -> Option<&str> {
    sdp.lines().find_map(|l| l.strip_prefix("a=ice-ufrag:"))
}

#[tokio::test]
async fn an_ice_restart_offer_is_answered_by_a_side_that_takes_restarts() {
    let (emit_tx, mut emitted) = mpsc::unbounded_channel();
    let mut viewer = side(true).await;
    let mut host = side(false).await;
    host.negotiation = Negotiation::with_restarts(
        host.pc.clone(),
        false,
        Arc::new(move |signal| {
            let _ = emit_tx.send(signal);
        }),
    );
    viewer
        .pc
        .create_data_channel("probe", Some(RTCDataChannelInit::default()))
        .await
        .expect("data channel");
    let mut sent = Vec::new();
    viewer
        .negotiation
        .offer(|offer| sent.push(offer))
        .await
        .expect("offer");
    let Some(SignalPayload::Offer { sdp: first }) = sent.pop() else {
        panic!("an offer");
    };
    let mut answer = Vec::new();
    host.negotiation
        .answer(first.clone(), |a| answer.push(a))
        .await
        .expect("answer");
    viewer
        .negotiation
        .apply(answer.pop().expect("answer"))
        .await
        .expect("the answer");
    for candidate in trickled(&mut viewer).await {
        host.negotiation.apply(candidate).await.expect("candidate");
    }
    for candidate in trickled(&mut host).await {
        viewer
            .negotiation
            .apply(candidate)
            .await
            .expect("candidate");
    }
    connected(&mut viewer).await;
    connected(&mut host).await;

    // The answering side cannot restart; the offering side can, with fresh ICE credentials.
    assert!(host.negotiation.restart(|_| {}).await.is_err());
    viewer
        .negotiation
        .restart(|offer| sent.push(offer))
        .await
        .expect("restart");
    let Some(SignalPayload::Offer { sdp: again }) = sent.pop() else {
        panic!("a new offer");
    };
    assert_ne!(ufrag(&first), ufrag(&again), "new ICE credentials");
    // An offer to the offering side is still refused.
    assert!(matches!(
        viewer
            .negotiation
            .apply(SignalPayload::Offer { sdp: again.clone() })
            .await,
        Err(NegotiationError::LateOffer)
    ));
    host.negotiation
        .apply(SignalPayload::Offer { sdp: again })
        .await
        .expect("the restart's offer is answered");
    let answer = emitted.recv().await.expect("the restart's answer");
    assert!(matches!(answer, SignalPayload::Answer { .. }));
    viewer
        .negotiation
        .apply(answer.clone())
        .await
        .expect("the restart's answer is taken");
    assert!(matches!(
        viewer.negotiation.apply(answer).await,
        Err(NegotiationError::SecondAnswer)
    ));
    for candidate in trickled_within(&mut viewer, Duration::from_secs(1)).await {
        let _ = host.negotiation.apply(candidate).await;
    }
    for candidate in trickled_within(&mut host, Duration::from_secs(1)).await {
        let _ = viewer.negotiation.apply(candidate).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(*viewer.state.borrow(), RTCPeerConnectionState::Connected);
    assert_eq!(*host.state.borrow(), RTCPeerConnectionState::Connected);
    let _ = viewer.pc.close().await;
    let _ = host.pc.close().await;
}
