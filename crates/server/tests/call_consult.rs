//! A consultative call transfer over real sockets: the consultation rings the colleague, its
//! signalling flows between the two specialists only (the client can neither signal on it nor
//! sees any of its events), a refusal names the domain's rule, and the hand-over moves the
//! client's signalling to a leg with the colleague at once, without ringing her again.

mod common;

use common::signalling::{available, next_signal, offer, signal_refused};
use common::{Client, ack, events, next_event, submit, subscribed, world};
use linedesk_protocol::{
    Action, CallEndReason, ClientFrame, ErrorCode, Event, Role, ServerFrame, SignalPayload,
};

#[tokio::test]
async fn a_consultation_is_the_specialists_own_and_its_hand_over_moves_the_client_at_once() {
    let w = world().await;
    let vera_id = w
        .storage
        .account_by_login("vera")
        .expect("read")
        .expect("vera")
        .subject
        .id;
    let mut anna = subscribed(&w, "anna", "anna-pass").await;
    let mut vera = subscribed(&w, "vera", "vera-pass").await;
    let mut ivanova = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    events(&mut ivanova, w.line_a, 0).await;
    ack(&mut anna, "p1", available()).await;
    ack(
        &mut ivanova,
        "c1",
        Action::PlaceCall {
            line: w.line_a,
            client: None,
        },
    )
    .await;
    let call = next_event(&mut anna, |e| match e {
        Event::CallRinging {
            call,
            from: Role::Client,
            ..
        } => Some(*call),
        _ => None,
    })
    .await;
    ack(&mut anna, "a1", Action::AnswerCall { call }).await;

    // Vera is offline: refused with the domain's rule.
    match submit(&mut anna, "k1", Action::ConsultCall { call, to: vera_id }).await {
        ServerFrame::Error { rule, .. } => {
            assert_eq!(rule.as_deref(), Some("call_transfer.colleague_unavailable"));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    ack(&mut vera, "p2", available()).await;
    ack(&mut anna, "k2", Action::ConsultCall { call, to: vera_id }).await;
    let consultation = next_event(&mut vera, |e| match e {
        Event::CallConsulting {
            call: c,
            consultation,
            to,
            ..
        } if *c == call && *to == vera_id => Some(*consultation),
        _ => None,
    })
    .await;
    // Nobody to signal before she answers; then Anna's offer reaches only her.
    assert_eq!(
        signal_refused(&mut ivanova, consultation).await,
        ErrorCode::Forbidden
    );
    ack(&mut vera, "a2", Action::AnswerCall { call: consultation }).await;
    next_event(&mut anna, |e| match e {
        Event::ConsultationConnected {
            consultation: c, ..
        } if *c == consultation => Some(()),
        _ => None,
    })
    .await;
    anna.send(&ClientFrame::Signal {
        call: consultation,
        payload: offer(),
    })
    .await;
    assert_eq!(
        next_signal(&mut vera).await,
        (consultation, Role::Specialist, offer())
    );
    let hold = SignalPayload::Hold { on: true };
    anna.send(&ClientFrame::Signal {
        call,
        payload: hold.clone(),
    })
    .await;
    assert_eq!(
        next_signal(&mut ivanova).await,
        (call, Role::Specialist, hold),
        "the client hears the hold on her own call"
    );

    // Anna hands the client over: the client follows to a leg already connected with Vera.
    ack(
        &mut anna,
        "o1",
        Action::HandOverCall {
            consultation,
            reason: "к бухгалтеру".into(),
        },
    )
    .await;
    let leg = next_event(&mut ivanova, |e| match e {
        Event::CallTransferred { call: c, leg, .. } if *c == call => Some(*leg),
        _ => None,
    })
    .await;
    next_event(&mut vera, |e| match e {
        Event::CallConnected {
            call: c,
            specialist,
            ..
        } if *c == leg && *specialist == vera_id => Some(()),
        _ => None,
    })
    .await;
    ivanova
        .send(&ClientFrame::Signal {
            call: leg,
            payload: offer(),
        })
        .await;
    assert_eq!(next_signal(&mut vera).await, (leg, Role::Client, offer()));
    assert_eq!(signal_refused(&mut anna, leg).await, ErrorCode::Forbidden);
    assert_eq!(
        signal_refused(&mut anna, consultation).await,
        ErrorCode::OutOfOrder
    );
    ack(
        &mut ivanova,
        "h1",
        Action::HangUp {
            call: leg,
            reason: CallEndReason::HungUp,
        },
    )
    .await;

    // The client's log has the hand-over and nothing of the consultation; the line's has it.
    let mine = events(&mut ivanova, w.line_a, 0).await;
    assert!(
        !mine.iter().any(|e| matches!(
            e,
            Event::CallConsulting { .. }
                | Event::ConsultationConnected { .. }
                | Event::ConsultationEnded { .. }
        )),
        "{mine:?}"
    );
    assert!(
        mine.iter()
            .any(|e| matches!(e, Event::CallTransferred { .. }))
    );
    let line = events(&mut anna, w.line_a, 0).await;
    assert!(line.iter().any(|e| matches!(e,
        Event::ConsultationEnded { consultation: c, reason: CallEndReason::Transferred, .. }
            if *c == consultation)));
}
