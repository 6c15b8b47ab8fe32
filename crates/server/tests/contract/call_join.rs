//! Issue 14, the three-way join: the consulting specialist brings the client into an answered
//! consultation (`ConsultationJoined`, once, only by them); the client hanging up then leaves
//! the two specialists talking (a joined consultation outlives the client's call), and the
//! specialist may still hand the client over after the join. The join is stored: it survives
//! a reopen of the database.

use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, CallEndReason, Event};
use linedesk_server::storage::{CallStage, Storage, StorageError, StoredEvent, Subject};

use super::{NOW, Open, done, fresh, seed};

fn rule(err: StorageError) -> &'static str {
    match err.rule() {
        Some(code) => code,
        None => panic!("expected a rule's refusal, got {err:?}"),
    }
}

fn stage<S: Storage>(s: &S, call: u64) -> CallStage {
    s.call(call).expect("read").expect("the call").stage
}

/// A connected call of the client with the specialist it rings (Anna, or the holder of the
/// client's appeal), and their answered consultation with the other one: (call,
/// consultation, the specialist, the colleague).
fn talking<S: Storage>(s: &S, l: &super::Line, at: i64, n: &str) -> (u64, u64, u64, u64) {
    let client = Subject::client(l.client);
    let available = Action::SetPresence {
        status: PresenceStatus::Available,
    };
    for (who, key) in [(l.anna, "p1"), (l.vera, "p2")] {
        done(s.apply(
            Subject::specialist(who),
            &format!("{n}{key}"),
            &available,
            at,
        ));
    }
    let place = Action::PlaceCall {
        line: l.line,
        client: None,
    };
    let (call, rings) = done(s.apply(client, &format!("{n}c"), &place, at))
        .iter()
        .find_map(|e| match e.event {
            Event::CallRinging {
                call, specialist, ..
            } => Some((call, specialist)),
            _ => None,
        })
        .expect("ringing");
    let (me, her) = match rings {
        Some(v) if v == l.vera => (l.vera, l.anna),
        _ => (l.anna, l.vera),
    };
    let (anna, vera) = (Subject::specialist(me), Subject::specialist(her));
    done(s.apply(
        anna,
        &format!("{n}a"),
        &Action::AnswerCall { call },
        at + 1_000,
    ));
    let consult = Action::ConsultCall { call, to: her };
    let consultation = done(s.apply(anna, &format!("{n}k"), &consult, at + 2_000))
        .iter()
        .find_map(|e| match e.event {
            Event::CallConsulting { consultation, .. } => Some(consultation),
            _ => None,
        })
        .expect("consulting");
    let answer = Action::AnswerCall { call: consultation };
    done(s.apply(vera, &format!("{n}v"), &answer, at + 3_000));
    (call, consultation, me, her)
}

fn joined(events: &[StoredEvent]) -> Option<(u64, u64, u64, u64)> {
    events.iter().find_map(|e| match e.event {
        Event::ConsultationJoined {
            call,
            consultation,
            from,
            to,
            ..
        } => Some((call, consultation, from, to)),
        _ => None,
    })
}

pub(super) fn three_way_join<S: Storage>(open: Open<'_, S>) {
    let (dir, s) = fresh(open);
    let l = seed(&s);
    let (anna, vera, client) = (
        Subject::specialist(l.anna),
        Subject::specialist(l.vera),
        Subject::client(l.client),
    );
    let join = |consultation| Action::JoinConsultation { consultation };

    // Ringing: nobody to join yet; then answered, only Anna joins, once.
    let (call, consultation, me, her) = talking(&s, &l, NOW, "1");
    assert_eq!((me, her), (l.anna, l.vera));
    let by_vera = s.apply(vera, "j0", &join(consultation), NOW + 4_000);
    assert_eq!(
        rule(by_vera.expect_err("only the consulting specialist")),
        "call_transfer.not_consulting"
    );
    let by_client = s.apply(client, "j1", &join(consultation), NOW + 4_000);
    assert!(by_client.is_err(), "{by_client:?}");
    let events = done(s.apply(anna, "j2", &join(consultation), NOW + 5_000));
    assert_eq!(
        joined(&events),
        Some((call, consultation, l.anna, l.vera)),
        "{events:?}"
    );
    assert!(events.iter().all(|e| !e.event.shown_to_client()));
    let twice = s.apply(anna, "j3", &join(consultation), NOW + 6_000);
    assert_eq!(
        rule(twice.expect_err("once")),
        "call_transfer.already_joined"
    );
    // Stored: after a reopen it is still joined.
    drop(s);
    let s = open(&dir.path().join("server.db"));
    let again = s.apply(anna, "j4", &join(consultation), NOW + 7_000);
    assert_eq!(
        rule(again.expect_err("still joined")),
        "call_transfer.already_joined"
    );

    // The client hangs up: Anna and Vera talk on; then Vera hangs up.
    let gone = done(s.apply(
        client,
        "h1",
        &Action::HangUp {
            call,
            reason: CallEndReason::HungUp,
        },
        NOW + 20_000,
    ));
    assert!(
        gone.iter()
            .all(|e| !matches!(e.event, Event::ConsultationEnded { .. })),
        "{gone:?}"
    );
    assert_eq!(stage(&s, call), CallStage::Ended);
    assert_eq!(stage(&s, consultation), CallStage::Connected);
    let over = done(s.apply(
        vera,
        "h2",
        &Action::HangUp {
            call: consultation,
            reason: CallEndReason::HungUp,
        },
        NOW + 30_000,
    ));
    assert!(over.iter().any(|e| matches!(e.event,
        Event::ConsultationEnded { consultation: c, reason: CallEndReason::HungUp,
            by: Some(by), .. } if c == consultation && by == l.vera)));

    // Joined, then handed over: Vera takes the client on a leg, Anna's call ends transferred.
    let (call, consultation, me, her) = talking(&s, &l, NOW + 40_000, "2");
    let anna = Subject::specialist(me);
    done(s.apply(anna, "j5", &join(consultation), NOW + 45_000));
    let moved = done(s.apply(
        anna,
        "o1",
        &Action::HandOverCall {
            consultation,
            reason: "к Вере".into(),
        },
        NOW + 50_000,
    ));
    let leg = moved
        .iter()
        .find_map(|e| match e.event {
            Event::CallTransferred {
                call: c, leg, to, ..
            } if c == call && to == her => Some(leg),
            _ => None,
        })
        .expect("handed over after the join");
    assert_eq!(stage(&s, call), CallStage::Ended);
    assert_eq!(stage(&s, consultation), CallStage::Ended);
    assert_eq!(stage(&s, leg), CallStage::Connected);
    done(s.apply(
        client,
        "h3",
        &Action::HangUp {
            call: leg,
            reason: CallEndReason::HungUp,
        },
        NOW + 60_000,
    ));

    // A join the client's call ends before: not connected any more.
    let (call, consultation, me, _) = talking(&s, &l, NOW + 70_000, "3");
    let anna = Subject::specialist(me);
    done(s.apply(
        anna,
        "h4",
        &Action::HangUp {
            call,
            reason: CallEndReason::HungUp,
        },
        NOW + 75_000,
    ));
    let late = s.apply(anna, "j6", &join(consultation), NOW + 76_000);
    assert!(
        late.is_err(),
        "the consultation ended with the call: {late:?}"
    );
}
