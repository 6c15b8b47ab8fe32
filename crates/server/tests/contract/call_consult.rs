//! A3 for calls, consultative: the specialist consults a colleague on a call of their own (the
//! client is no party of it and is shown none of it), then goes back to the client or hands
//! the client over: the colleague is connected to the client at once, the appeal moves, and
//! the client's call ends `transferred` as in a blind transfer. Refusals name the domain's
//! rule; the client's call ending ends the consultation; neither recording nor statistics are
//! kept for a consultation.

use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, CallEndReason, CallQuality, Event};
use linedesk_server::storage::{CallStage, Storage, StorageError, StoredEvent, Subject};

use super::{NOW, Open, done, fresh, seed};

fn rule(err: StorageError) -> &'static str {
    match err.rule() {
        Some(code) => code,
        None => panic!("expected a rule's refusal, got {err:?}"),
    }
}

fn consultation_of(events: &[StoredEvent], to: u64) -> u64 {
    events
        .iter()
        .find_map(|e| match e.event {
            Event::CallConsulting {
                consultation,
                to: t,
                ..
            } if t == to => Some(consultation),
            _ => None,
        })
        .expect("consulting")
}

fn stage<S: Storage>(s: &S, call: u64) -> CallStage {
    s.call(call).expect("read").expect("the call").stage
}

fn hang_up(call: u64, reason: CallEndReason) -> Action {
    Action::HangUp { call, reason }
}

fn ended_so(events: &[StoredEvent], consultation: u64) -> Option<(CallEndReason, Option<u64>)> {
    events.iter().find_map(|e| match e.event {
        Event::ConsultationEnded {
            consultation: c,
            reason,
            by,
            ..
        } if c == consultation => Some((reason, by)),
        _ => None,
    })
}

pub(super) fn consultative_transfer<S: Storage>(open: Open<'_, S>) {
    let (_dir, s) = fresh(open);
    let l = seed(&s);
    let (anna, vera, client) = (
        Subject::specialist(l.anna),
        Subject::specialist(l.vera),
        Subject::client(l.client),
    );
    let available = Action::SetPresence {
        status: PresenceStatus::Available,
    };
    done(s.apply(anna, "p1", &available, NOW));
    let rang = done(s.apply(
        client,
        "c1",
        &Action::PlaceCall {
            line: l.line,
            client: None,
        },
        NOW,
    ));
    let call = rang
        .iter()
        .find_map(|e| match e.event {
            Event::CallRinging { call, .. } => Some(call),
            _ => None,
        })
        .expect("ringing");
    let consult = |to: u64| Action::ConsultCall { call, to };
    let early = s.apply(anna, "k0", &consult(l.vera), NOW);
    assert_eq!(
        rule(early.expect_err("not connected")),
        "call_transfer.not_connected"
    );
    done(s.apply(anna, "a1", &Action::AnswerCall { call }, NOW + 1_000));
    let offline = s.apply(anna, "k1", &consult(l.vera), NOW);
    assert_eq!(
        rule(offline.expect_err("Vera is offline")),
        "call_transfer.colleague_unavailable"
    );
    done(s.apply(vera, "p2", &available, NOW));
    let not_hers = s.apply(vera, "k2", &consult(l.anna), NOW);
    assert_eq!(
        rule(not_hers.expect_err("not Vera's call")),
        "call_transfer.not_in_call"
    );

    // Declined: the consultation ends, Anna is still with the client.
    let first = consultation_of(
        &done(s.apply(anna, "k3", &consult(l.vera), NOW + 2_000)),
        l.vera,
    );
    let twice = s.apply(anna, "k4", &consult(l.vera), NOW);
    assert_eq!(
        rule(twice.expect_err("one at a time")),
        "call_transfer.already_consulting"
    );
    let blind = s.apply(
        anna,
        "t1",
        &Action::TransferCall {
            call,
            to: l.vera,
            reason: "к Вере".into(),
        },
        NOW,
    );
    assert_eq!(
        rule(blind.expect_err("not while consulting")),
        "call_transfer.already_consulting"
    );
    let early_hand_over = s.apply(
        anna,
        "o0",
        &Action::HandOverCall {
            consultation: first,
            reason: "к Вере".into(),
        },
        NOW,
    );
    assert_eq!(
        rule(early_hand_over.expect_err("Vera has not answered")),
        "call_transfer.consultation_not_answered"
    );
    // The client is no party: no answer, no hang-up, no signal of it.
    let by_client = s.apply(client, "x1", &hang_up(first, CallEndReason::HungUp), NOW);
    assert!(
        matches!(by_client, Err(StorageError::NotAllowed(_))),
        "{by_client:?}"
    );
    let record = s.call(first).expect("read").expect("the consultation");
    assert!(!record.is_party(client) && record.other(client).is_none());
    assert_eq!(record.other(anna), Some(vera));
    assert_eq!(record.other(vera), Some(anna));
    let cancel_by_vera = s.apply(vera, "h0", &hang_up(first, CallEndReason::Cancelled), NOW);
    assert!(
        matches!(cancel_by_vera, Err(StorageError::Invalid(_))),
        "{cancel_by_vera:?}"
    );
    let declined = done(s.apply(
        vera,
        "h1",
        &hang_up(first, CallEndReason::Declined),
        NOW + 3_000,
    ));
    assert_eq!(
        ended_so(&declined, first),
        Some((CallEndReason::Declined, Some(l.vera)))
    );
    assert_eq!(stage(&s, call), CallStage::Connected);

    // Nobody answers: the line's ring timer ends it `no_answer` (by nobody), the client's call
    // untouched and nothing of it shown to the client.
    let rung = consultation_of(
        &done(s.apply(anna, "k4b", &consult(l.vera), NOW + 3_500)),
        l.vera,
    );
    let timeouts = linedesk_line::RingTimeouts {
        call: std::time::Duration::from_secs(45),
        remote_request: std::time::Duration::from_secs(120),
    };
    let timed = s
        .end_unanswered(NOW + 3_500 + 45_000, &timeouts)
        .expect("timer");
    assert_eq!(
        ended_so(&timed, rung),
        Some((CallEndReason::NoAnswer, None))
    );
    assert!(
        timed.iter().all(|e| !e.event.shown_to_client()),
        "{timed:?}"
    );
    assert_eq!(stage(&s, call), CallStage::Connected);

    // Talked, then back to the client: either may hang up; nothing is kept of it.
    let second = consultation_of(
        &done(s.apply(anna, "k5", &consult(l.vera), NOW + 4_000)),
        l.vera,
    );
    done(s.apply(
        vera,
        "a2",
        &Action::AnswerCall { call: second },
        NOW + 5_000,
    ));
    let stats = s.apply(
        vera,
        "s1",
        &Action::CallStats {
            call: second,
            quality: CallQuality::default(),
        },
        NOW,
    );
    assert!(matches!(stats, Err(StorageError::Invalid(_))), "{stats:?}");
    let back = done(s.apply(
        anna,
        "h2",
        &hang_up(second, CallEndReason::HungUp),
        NOW + 65_000,
    ));
    assert!(back.iter().any(|e| matches!(e.event,
        Event::ConsultationEnded { consultation, reason: CallEndReason::HungUp,
            connected_ms: Some(60_000), .. } if consultation == second)));
    let recording = s.save_recording(vera, second, b"OggS-talk", 60_000, &[], NOW + 66_000);
    assert!(
        matches!(recording, Err(StorageError::NotAllowed(_))),
        "{recording:?}"
    );
    assert_eq!(stage(&s, call), CallStage::Connected);

    // Handed over: the consultation ends, a leg connects the client with Vera at once, the
    // appeal moves with the reason, and Anna's call ends `transferred`.
    let third = consultation_of(
        &done(s.apply(anna, "k6", &consult(l.vera), NOW + 70_000)),
        l.vera,
    );
    done(s.apply(
        vera,
        "a3",
        &Action::AnswerCall { call: third },
        NOW + 71_000,
    ));
    let by_vera = s.apply(
        vera,
        "o1",
        &Action::HandOverCall {
            consultation: third,
            reason: "к Вере".into(),
        },
        NOW,
    );
    assert_eq!(
        rule(by_vera.expect_err("only Anna hands over")),
        "call_transfer.not_consulting"
    );
    let no_reason = s.apply(
        anna,
        "o2",
        &Action::HandOverCall {
            consultation: third,
            reason: " ".into(),
        },
        NOW,
    );
    assert_eq!(
        rule(no_reason.expect_err("A3: a reason")),
        "appeal.reason_required"
    );
    assert_eq!(stage(&s, third), CallStage::Connected, "nothing changed");
    let moved = done(s.apply(
        anna,
        "o3",
        &Action::HandOverCall {
            consultation: third,
            reason: "к Вере".into(),
        },
        NOW + 80_000,
    ));
    let mut leg = None;
    let kinds: Vec<&str> = moved
        .iter()
        .filter_map(|e| match &e.event {
            Event::ConsultationEnded {
                consultation,
                reason: CallEndReason::Transferred,
                connected_ms: Some(9_000),
                ..
            } if *consultation == third => Some("consultation"),
            Event::CallConnected {
                call: c,
                specialist,
                ..
            } => {
                assert_eq!(*specialist, l.vera);
                leg = Some(*c);
                Some("connected")
            }
            Event::AppealTransferred { to, reason, .. } => {
                assert_eq!((*to, reason.as_str()), (Some(l.vera), "к Вере"));
                Some("appeal")
            }
            Event::CallTransferred {
                call: c,
                leg: g,
                from,
                to,
                ..
            } => {
                assert_eq!((*c, Some(*g), *from, *to), (call, leg, l.anna, l.vera));
                Some("transferred")
            }
            Event::CallEnded {
                call: c,
                reason: CallEndReason::Transferred,
                ..
            } if *c == call => Some("ended"),
            _ => None,
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "consultation",
            "connected",
            "appeal",
            "transferred",
            "ended"
        ]
    );
    let leg = leg.expect("the leg");
    assert_eq!(stage(&s, leg), CallStage::Connected);
    assert_eq!(stage(&s, call), CallStage::Ended);
    assert_eq!(
        s.call(leg).expect("read").expect("leg").other(client),
        Some(vera),
        "the client signals Vera on the leg"
    );
    // Neither the consultation nor its ringing is the client's to see.
    for e in &moved {
        if matches!(e.event, Event::ConsultationEnded { .. }) {
            assert!(!e.event.shown_to_client());
        }
    }

    // Vera consults Anna about the leg; the client hangs up meanwhile: it ends with the call.
    done(s.apply(anna, "p3", &available, NOW + 81_000));
    let fourth = consultation_of(
        &done(s.apply(
            vera,
            "k7",
            &Action::ConsultCall {
                call: leg,
                to: l.anna,
            },
            NOW + 82_000,
        )),
        l.anna,
    );
    let gone = done(s.apply(
        client,
        "h3",
        &hang_up(leg, CallEndReason::HungUp),
        NOW + 90_000,
    ));
    assert_eq!(
        ended_so(&gone, fourth),
        Some((CallEndReason::Cancelled, None))
    );
    // Nothing is left live: the client calls again.
    done(s.apply(
        client,
        "c2",
        &Action::PlaceCall {
            line: l.line,
            client: None,
        },
        NOW + 95_000,
    ));
}
