//! The ring timer's part of the contract: what nobody answers ends exactly at its time, once,
//! `no_answer`, into the line's log; answered calls and started sessions are left alone, and
//! a session by password (started at once) never waits. Time is passed in: exact boundaries.

use std::time::Duration;

use linedesk_domain::presence::PresenceStatus;
use linedesk_line::RingTimeouts;
use linedesk_protocol::{Action, CallEndReason, Event, RemoteEndReason, RemoteMode, Role};
use linedesk_server::storage::{Storage, Subject};

use super::{NOW, Open, done, fresh, log, seed};

const T: RingTimeouts = RingTimeouts {
    call: Duration::from_secs(45),
    remote_request: Duration::from_secs(120),
};

fn first<T>(
    events: &[linedesk_server::storage::StoredEvent],
    pick: impl Fn(&Event) -> Option<T>,
) -> T {
    events
        .iter()
        .find_map(|e| pick(&e.event))
        .expect("the event")
}

pub fn unanswered_ends_once_at_its_time<S: Storage>(open: Open<'_, S>) {
    let (_dir, s) = fresh(open);
    let l = seed(&s);
    let (anna, client) = (Subject::specialist(l.anna), Subject::client(l.client));
    let available = Action::SetPresence {
        status: PresenceStatus::Available,
    };
    done(s.apply(anna, "p", &available, NOW));
    let place = Action::PlaceCall {
        line: l.line,
        client: None,
    };
    let ringing = |e: &Event| match e {
        Event::CallRinging { call, .. } => Some(*call),
        _ => None,
    };
    let call = first(&done(s.apply(client, "c1", &place, NOW)), ringing);

    // A millisecond before the ring time: nothing; at it: the call ends, once.
    assert!(
        s.end_unanswered(NOW + 45_000 - 1, &T)
            .expect("timer")
            .is_empty()
    );
    let ended = s.end_unanswered(NOW + 45_000, &T).expect("timer");
    assert_eq!(ended.len(), 1, "{ended:?}");
    match &ended[0].event {
        Event::CallEnded {
            call: c,
            by,
            reason,
            connected_ms,
            ..
        } => {
            assert_eq!(
                (*c, *by, *reason, *connected_ms),
                (call, Role::Client, CallEndReason::NoAnswer, None)
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(
        log(&s, l.line)
            .iter()
            .any(|e| e.seq == ended[0].seq && e.event == ended[0].event),
        "in the log under its number"
    );
    assert!(
        s.end_unanswered(NOW + 90_000, &T)
            .expect("timer")
            .is_empty(),
        "once"
    );

    // An answered call is not the timer's.
    let answered = first(&done(s.apply(client, "c2", &place, NOW + 100_000)), ringing);
    done(s.apply(
        anna,
        "a2",
        &Action::AnswerCall { call: answered },
        NOW + 101_000,
    ));
    assert!(
        s.end_unanswered(NOW + 500_000, &T)
            .expect("timer")
            .is_empty()
    );
    done(s.apply(
        anna,
        "h2",
        &Action::HangUp {
            call: answered,
            reason: CallEndReason::HungUp,
        },
        NOW + 501_000,
    ));

    // A remote request waits its own time; one by password never waits.
    let ask = Action::RequestRemoteSession {
        line: l.line,
        client: l.client,
        mode: RemoteMode::ByRequest,
        password: None,
    };
    let asked_at = NOW + 600_000;
    let session = first(&done(s.apply(anna, "r1", &ask, asked_at)), |e| match e {
        Event::RemoteRequested { session, .. } => Some(*session),
        _ => None,
    });
    assert!(
        s.end_unanswered(asked_at + 120_000 - 1, &T)
            .expect("timer")
            .is_empty()
    );
    let ended = s.end_unanswered(asked_at + 120_000, &T).expect("timer");
    assert_eq!(ended.len(), 1, "{ended:?}");
    match &ended[0].event {
        Event::RemoteEnded {
            session: s_,
            by,
            reason,
            duration_ms,
            ..
        } => assert_eq!(
            (*s_, *by, *reason, *duration_ms),
            (session, Role::Specialist, RemoteEndReason::NoAnswer, None)
        ),
        other => panic!("{other:?}"),
    }
    // The client is free: the same request again is a new session, and accepted it stays.
    let again = first(
        &done(s.apply(anna, "r2", &ask, asked_at + 130_000)),
        |e| match e {
            Event::RemoteRequested { session, .. } => Some(*session),
            _ => None,
        },
    );
    assert_ne!(again, session);
    done(s.apply(
        client,
        "yes",
        &Action::AnswerRemoteSession {
            session: again,
            accept: true,
        },
        asked_at + 131_000,
    ));
    assert!(
        s.end_unanswered(asked_at + 10_000_000, &T)
            .expect("timer")
            .is_empty(),
        "a started session is not the timer's"
    );
}
