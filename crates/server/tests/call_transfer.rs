//! A blind call transfer over real sockets: refusals name the domain's rule (`rule` of the
//! `Error` frame), the leg rings the colleague, the client learns of the hand-over only when
//! the colleague answers, and the signalling then flows between the client and the colleague on
//! the leg while the first leg is closed to everyone.

mod common;

use common::signalling::{available, next_signal, offer, signal_refused};
use common::{Client, ack, events, next_event, submit, subscribed, world};
use linedesk_protocol::{Action, CallEndReason, ClientFrame, ErrorCode, Event, Role, ServerFrame};

fn transfer(call: u64, to: u64) -> Action {
    Action::TransferCall {
        call,
        to,
        reason: "вопрос по зарплате".into(),
    }
}

#[tokio::test]
async fn a_transfer_rings_the_colleague_and_moves_the_clients_signalling_to_her_leg() {
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

    // Vera is offline: refused, and the frame names the domain's rule.
    match submit(&mut anna, "t1", transfer(call, vera_id)).await {
        ServerFrame::Error { rule, key, .. } => {
            assert_eq!(rule.as_deref(), Some("call_transfer.colleague_unavailable"));
            assert_eq!(key.as_deref(), Some("t1"));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    ack(&mut vera, "p2", available()).await;
    ack(&mut anna, "t2", transfer(call, vera_id)).await;
    let leg = next_event(&mut vera, |e| match e {
        Event::CallRinging {
            call: leg,
            specialist: Some(s),
            from: Role::Client,
            ..
        } if *s == vera_id => Some(*leg),
        _ => None,
    })
    .await;
    // The client stays with Anna meanwhile: her signals still reach Anna.
    ivanova
        .send(&ClientFrame::Signal {
            call,
            payload: offer(),
        })
        .await;
    assert_eq!(next_signal(&mut anna).await, (call, Role::Client, offer()));

    ack(&mut vera, "a2", Action::AnswerCall { call: leg }).await;
    let moved = next_event(&mut ivanova, |e| match e {
        Event::CallTransferred {
            call: c, leg: l, ..
        } if *c == call => Some(*l),
        _ => None,
    })
    .await;
    assert_eq!(moved, leg);
    next_event(&mut anna, |e| match e {
        Event::CallEnded {
            call: c,
            reason: CallEndReason::Transferred,
            ..
        } if *c == call => Some(()),
        _ => None,
    })
    .await;

    // The client offers anew on the leg: only Vera gets it.
    ivanova
        .send(&ClientFrame::Signal {
            call: leg,
            payload: offer(),
        })
        .await;
    assert_eq!(next_signal(&mut vera).await, (leg, Role::Client, offer()));
    assert_eq!(signal_refused(&mut anna, leg).await, ErrorCode::Forbidden);
    assert_eq!(signal_refused(&mut anna, call).await, ErrorCode::OutOfOrder);

    // The client never saw the internal `CallTransferring`; the line's log has it.
    let mine = events(&mut ivanova, w.line_a, 0).await;
    assert!(
        !mine
            .iter()
            .any(|e| matches!(e, Event::CallTransferring { .. })),
        "{mine:?}"
    );
    assert!(
        mine.iter()
            .any(|e| matches!(e, Event::CallTransferred { .. }))
    );
}
