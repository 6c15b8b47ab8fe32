//! Calls (V1) over real sockets: placing, answering and hanging up are actions whose events
//! land in the line's log with the call id and open an appeal (A1); the WebRTC signalling is
//! relayed only between the two parties, never logged, and garbage gets typed errors without
//! disturbing anyone.

mod common;

use common::{Client, ack, events, next_event, refused, submit, subscribed, world};
use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{
    Action, CallEndReason, ClientFrame, ErrorCode, Event, Role, ServerFrame, SignalPayload,
};

const SDP: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n";

/// The next relayed signal, skipping events.
async fn next_signal(c: &mut Client) -> (u64, Role, SignalPayload) {
    loop {
        match c.recv().await {
            ServerFrame::Signal {
                call,
                from,
                payload,
            } => return (call, from, payload),
            ServerFrame::Event { .. } | ServerFrame::CaughtUp { .. } => continue,
            other => panic!("expected a signal, got {other:?}"),
        }
    }
}

async fn signal(c: &mut Client, call: u64, payload: SignalPayload) {
    c.send(&ClientFrame::Signal { call, payload }).await;
}

/// Send a signal that must be refused: its error code.
async fn signal_refused(c: &mut Client, call: u64, payload: SignalPayload) -> ErrorCode {
    signal(c, call, payload).await;
    match c.reply().await {
        ServerFrame::Error {
            code, key: None, ..
        } => code,
        other => panic!("expected an error, got {other:?}"),
    }
}

fn offer() -> SignalPayload {
    SignalPayload::Offer { sdp: SDP.into() }
}

fn candidate(port: u16) -> SignalPayload {
    SignalPayload::Candidate {
        candidate: format!("candidate:1 1 udp 2130706431 127.0.0.1 {port} typ host"),
        sdp_mid: Some("0".into()),
        sdp_mline_index: Some(0),
    }
}

#[tokio::test]
async fn a_specialist_calls_a_client_who_answers_signals_flow_between_them_only() {
    let w = world().await;
    let mut anna = subscribed(&w, "anna", "anna-pass").await;
    let mut ivanova = subscribed(&w, "ivanova", "ivanova-pass").await;
    let mut sidorov = subscribed(&w, "sidorov", "sidorov-pass").await;
    let mut vera = subscribed(&w, "vera", "vera-pass").await;
    ack(&mut anna, "p", PresenceStatus::Available.into_action()).await;

    let place = Action::PlaceCall {
        line: w.line_a,
        client: Some(w.client_a),
    };
    ack(&mut anna, "call-1", place.clone()).await;
    let (call, appeal) = next_event(&mut ivanova, |e| match e {
        Event::CallRinging {
            call,
            appeal,
            specialist: Some(_),
            from: Role::Specialist,
            key: Some(key),
            ..
        } if key == "call-1" => Some((*call, *appeal)),
        _ => None,
    })
    .await;
    // The same key again is the same call, not a second one.
    match submit(&mut anna, "call-1", place).await {
        ServerFrame::Ack {
            duplicate: true, ..
        } => {}
        other => panic!("{other:?}"),
    }
    // The caller offers while it rings; only the callee gets it.
    signal(&mut anna, call, offer()).await;
    assert_eq!(
        next_signal(&mut ivanova).await,
        (call, Role::Specialist, offer())
    );
    ack(&mut ivanova, "answer", Action::AnswerCall { call }).await;
    next_event(&mut anna, |e| {
        matches!(e, Event::CallConnected { call: c, .. } if *c == call).then_some(())
    })
    .await;
    let answer = SignalPayload::Answer { sdp: SDP.into() };
    signal(&mut ivanova, call, answer.clone()).await;
    assert_eq!(next_signal(&mut anna).await, (call, Role::Client, answer));

    // Garbage and third parties: typed errors, and the call goes on.
    assert_eq!(
        signal_refused(&mut sidorov, call, candidate(1)).await,
        ErrorCode::Forbidden
    );
    assert_eq!(
        signal_refused(&mut vera, call, candidate(2)).await,
        ErrorCode::Forbidden
    );
    assert_eq!(
        signal_refused(&mut anna, call + 100, candidate(3)).await,
        ErrorCode::Invalid
    );
    let bad_sdp = SignalPayload::Offer {
        sdp: "<html>not sdp</html>".into(),
    };
    assert_eq!(
        signal_refused(&mut anna, call, bad_sdp).await,
        ErrorCode::Invalid
    );
    let bad_candidate = SignalPayload::Candidate {
        candidate: "drop table calls".into(),
        sdp_mid: None,
        sdp_mline_index: None,
    };
    assert_eq!(
        signal_refused(&mut ivanova, call, bad_candidate).await,
        ErrorCode::Invalid
    );
    anna.raw(tokio_tungstenite::tungstenite::Message::Text(
        r#"{"type":"signal","call":"x"}"#.into(),
    ))
    .await;
    assert!(matches!(
        anna.reply().await,
        ServerFrame::Error {
            code: ErrorCode::BadFrame,
            ..
        }
    ));
    signal(&mut anna, call, candidate(5000)).await;
    assert_eq!(
        next_signal(&mut ivanova).await,
        (call, Role::Specialist, candidate(5000))
    );
    // A caller cannot decline; the client hangs up and the specialist learns why.
    assert_eq!(
        refused(
            &mut anna,
            "decline",
            Action::HangUp {
                call,
                reason: CallEndReason::Declined
            }
        )
        .await,
        ErrorCode::Invalid
    );
    let hang_up = Action::HangUp {
        call,
        reason: CallEndReason::HungUp,
    };
    assert_eq!(
        refused(&mut sidorov, "h0", hang_up.clone()).await,
        ErrorCode::Forbidden
    );
    ack(&mut ivanova, "h1", hang_up.clone()).await;
    let (by, reason) = next_event(&mut anna, |e| match e {
        Event::CallEnded {
            call: c,
            by,
            reason,
            connected_ms: Some(_),
            ..
        } if *c == call => Some((*by, *reason)),
        _ => None,
    })
    .await;
    assert_eq!((by, reason), (Role::Client, CallEndReason::HungUp));
    assert_eq!(refused(&mut anna, "h2", hang_up).await, ErrorCode::Conflict);
    assert_eq!(
        signal_refused(&mut anna, call, candidate(6)).await,
        ErrorCode::OutOfOrder
    );

    // The log has the appeal the call opened and its states, and no SDP.
    let mut reader = Client::signed_in(w.addr, "vera", "vera-pass").await;
    let log = events(&mut reader, w.line_a, 0).await;
    let kinds: Vec<&Event> = log
        .iter()
        .filter(|e| e.client() == Some(w.client_a))
        .filter(|e| {
            matches!(
                e,
                Event::AppealOpened { .. }
                    | Event::AppealAssigned { .. }
                    | Event::CallRinging { .. }
                    | Event::CallConnected { .. }
                    | Event::CallEnded { .. }
            )
        })
        .collect();
    assert!(
        matches!(
            kinds.as_slice(),
            [
                Event::AppealOpened { appeal: a1, .. },
                Event::AppealAssigned { .. },
                Event::CallRinging { appeal: a2, .. },
                Event::CallConnected { .. },
                Event::CallEnded { .. },
            ] if *a1 == appeal && *a2 == appeal
        ),
        "{kinds:#?}"
    );
    let text = serde_json::to_string(&log).expect("json");
    assert!(!text.contains("v=0") && !text.contains("candidate:"));
}

#[tokio::test]
async fn a_client_call_rings_the_holder_of_their_open_appeal() {
    let w = world().await;
    let mut anna = subscribed(&w, "anna", "anna-pass").await;
    let mut vera = subscribed(&w, "vera", "vera-pass").await;
    let mut ivanova = subscribed(&w, "ivanova", "ivanova-pass").await;
    ack(&mut anna, "p", PresenceStatus::Available.into_action()).await;
    ack(&mut vera, "p", PresenceStatus::Available.into_action()).await;
    ack(
        &mut ivanova,
        "m",
        Action::ClientMessage {
            text: "Не проводится документ".into(),
        },
    )
    .await;
    let anna_id = next_event(&mut anna, |e| match e {
        Event::AppealAssigned { specialist, .. } => Some(*specialist),
        _ => None,
    })
    .await;
    ack(
        &mut ivanova,
        "call",
        Action::PlaceCall {
            line: w.line_a,
            client: None,
        },
    )
    .await;
    let call = next_event(&mut anna, |e| match e {
        Event::CallRinging {
            call,
            specialist,
            from: Role::Client,
            ..
        } => {
            assert_eq!(*specialist, Some(anna_id), "it rings the appeal's holder");
            Some(*call)
        }
        _ => None,
    })
    .await;
    assert_eq!(
        refused(&mut vera, "v", Action::AnswerCall { call }).await,
        ErrorCode::Forbidden
    );
    // A second call while this one rings is refused.
    assert_eq!(
        refused(
            &mut ivanova,
            "again",
            Action::PlaceCall {
                line: w.line_a,
                client: None
            }
        )
        .await,
        ErrorCode::Conflict
    );
    ack(&mut anna, "answer", Action::AnswerCall { call }).await;
    signal(&mut ivanova, call, offer()).await;
    assert_eq!(next_signal(&mut anna).await, (call, Role::Client, offer()));
    ack(
        &mut anna,
        "bye",
        Action::HangUp {
            call,
            reason: CallEndReason::HungUp,
        },
    )
    .await;
    let (by, reason) = next_event(&mut ivanova, |e| match e {
        Event::CallEnded { by, reason, .. } => Some((*by, *reason)),
        _ => None,
    })
    .await;
    assert_eq!((by, reason), (Role::Specialist, CallEndReason::HungUp));
}

#[tokio::test]
async fn a_client_call_with_nobody_free_rings_the_line_until_a_specialist_takes_it() {
    let w = world().await;
    let mut anna = subscribed(&w, "anna", "anna-pass").await;
    let mut ivanova = subscribed(&w, "ivanova", "ivanova-pass").await;
    ack(&mut anna, "p", PresenceStatus::Busy.into_action()).await;
    ack(
        &mut ivanova,
        "call",
        Action::PlaceCall {
            line: w.line_a,
            client: None,
        },
    )
    .await;
    let call = next_event(&mut anna, |e| match e {
        Event::CallRinging {
            call,
            specialist: None,
            ..
        } => Some(*call),
        _ => None,
    })
    .await;
    // Nobody to signal yet.
    assert_eq!(
        signal_refused(&mut ivanova, call, offer()).await,
        ErrorCode::OutOfOrder
    );
    ack(&mut anna, "take", Action::AnswerCall { call }).await;
    let (assigned, connected) = (
        next_event(&mut ivanova, |e| match e {
            Event::AppealAssigned { specialist, .. } => Some(*specialist),
            _ => None,
        })
        .await,
        next_event(&mut ivanova, |e| match e {
            Event::CallConnected { specialist, .. } => Some(*specialist),
            _ => None,
        })
        .await,
    );
    assert_eq!(assigned, connected, "answering takes the queued appeal");
    signal(&mut ivanova, call, offer()).await;
    assert_eq!(next_signal(&mut anna).await, (call, Role::Client, offer()));
    ack(
        &mut ivanova,
        "cancel-late",
        Action::HangUp {
            call,
            reason: CallEndReason::Failed,
        },
    )
    .await;
}

trait IntoAction {
    fn into_action(self) -> Action;
}

impl IntoAction for PresenceStatus {
    fn into_action(self) -> Action {
        Action::SetPresence { status: self }
    }
}

/// Nobody took the client's call, so the client asks to be called back (the widget's answer
/// to a call nobody can take): the request lands on the client's open appeal, where the
/// line's specialists see it; the client sees their own request and no one else's; a
/// specialist cannot ask, nor a client on a line not theirs.
#[tokio::test]
async fn a_client_whose_call_nobody_took_asks_to_be_called_back() {
    let w = world().await;
    let mut anna = subscribed(&w, "anna", "anna-pass").await;
    let mut ivanova = subscribed(&w, "ivanova", "ivanova-pass").await;
    let mut sidorov = subscribed(&w, "sidorov", "sidorov-pass").await;
    let place = Action::PlaceCall {
        line: w.line_a,
        client: None,
    };
    ack(&mut ivanova, "call", place).await;
    let (call, appeal) = next_event(&mut anna, |e| match e {
        Event::CallRinging {
            call,
            appeal,
            from: Role::Client,
            ..
        } => Some((*call, *appeal)),
        _ => None,
    })
    .await;
    let gave_up = Action::HangUp {
        call,
        reason: CallEndReason::NoAnswer,
    };
    ack(&mut ivanova, "gave-up", gave_up).await;

    let ask = Action::RequestCallBack { line: w.line_a };
    ack(&mut ivanova, "call-back", ask.clone()).await;
    let seen = next_event(&mut anna, |e| match e {
        Event::CallBackRequested { appeal, client } => Some((*appeal, *client)),
        _ => None,
    })
    .await;
    assert_eq!(seen, (appeal, w.client_a));
    let own = next_event(&mut ivanova, |e| match e {
        Event::CallBackRequested { client, .. } => Some(*client),
        _ => None,
    })
    .await;
    assert_eq!(own, w.client_a);

    assert_eq!(
        refused(&mut anna, "anna-asks", ask).await,
        ErrorCode::Forbidden
    );
    let elsewhere = Action::RequestCallBack { line: w.line_b };
    assert_eq!(
        refused(&mut ivanova, "elsewhere", elsewhere).await,
        ErrorCode::Forbidden
    );
    // Another client of the line: their own request opens their own appeal, and theirs is
    // the first request their session sees.
    ack(
        &mut sidorov,
        "mine",
        Action::RequestCallBack { line: w.line_a },
    )
    .await;
    let (their_appeal, client) = next_event(&mut sidorov, |e| match e {
        Event::CallBackRequested { appeal, client } => Some((*appeal, *client)),
        _ => None,
    })
    .await;
    assert_eq!(client, w.client_a2);
    assert_ne!(their_appeal, appeal);
}
