//! The SLA timer's part of the contract (S2): at-risk and breached alerts fire once each, at
//! 80 % of a deadline's working time and at the deadline, into the line's log; the first
//! answer stops the reaction alerts and finishing stops all; fired alerts survive a reopen.
//! The line has no levels: the built-in default (Mon-Fri 09-18 Moscow, 1 h / 8 h).

use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, Event, SlaDeadline};
use linedesk_server::storage::{Storage, Subject};

use super::{NOW, Open, done, log, message, seed};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;

/// (appeal, deadline, breached, specialist) of the alerts due at `now`, checked to be in the
/// log under the numbers they were given.
fn alerts<S: Storage>(s: &S, line: u64, now: i64) -> Vec<(u64, SlaDeadline, bool, Option<u64>)> {
    let fired = s.due_alerts(now).expect("alerts");
    let logged = log(s, line);
    fired
        .into_iter()
        .map(|e| {
            assert!(
                logged.iter().any(|l| l.seq == e.seq && l.event == e.event),
                "{e:?} is in the log"
            );
            match e.event {
                Event::SlaAtRisk {
                    appeal,
                    deadline,
                    specialist,
                    ..
                } => (appeal, deadline, false, specialist),
                Event::SlaBreached {
                    appeal,
                    deadline,
                    specialist,
                    ..
                } => (appeal, deadline, true, specialist),
                other => panic!("{other:?}"),
            }
        })
        .collect()
}

pub(super) fn alerts_fire_once<S: Storage>(open: Open<'_, S>) {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("server.db");
    let s = open(&path);
    let l = seed(&s);
    let anna = Subject::specialist(l.anna);
    let available = Action::SetPresence {
        status: PresenceStatus::Available,
    };
    done(s.apply(anna, "p", &available, NOW));
    // Mon 2026-11-23 13:00 Moscow: reaction due 14:00, resolution due Tue 12:00 (5 h on
    // Monday, 3 h on Tuesday).
    let opened = done(s.apply(Subject::client(l.client), "m", &message("Помогите"), NOW));
    let appeal = opened
        .iter()
        .find_map(|e| match e.event {
            Event::SlaStarted {
                appeal,
                reaction_due_ms,
                resolution_due_ms,
                ..
            } => {
                assert_eq!(
                    (reaction_due_ms, resolution_due_ms),
                    (NOW + HOUR, NOW + 23 * HOUR)
                );
                Some(appeal)
            }
            _ => None,
        })
        .expect("SlaStarted");
    let who = Some(l.anna);
    assert_eq!(alerts(&s, l.line, NOW + 47 * MINUTE), []);
    assert_eq!(
        alerts(&s, l.line, NOW + 48 * MINUTE),
        [(appeal, SlaDeadline::Reaction, false, who)]
    );
    assert_eq!(alerts(&s, l.line, NOW + 50 * MINUTE), [], "once");
    assert_eq!(
        alerts(&s, l.line, NOW + HOUR),
        [(appeal, SlaDeadline::Reaction, true, who)]
    );
    assert_eq!(alerts(&s, l.line, NOW + HOUR), [], "once");

    // A second client's appeal, answered in time: no reaction alert; then finished: none.
    let other = s.add_client(l.line, "Петров").expect("client");
    let second = done(s.apply(Subject::client(other), "m2", &message("Здравствуйте"), NOW));
    let second = second
        .iter()
        .find_map(|e| match e.event {
            Event::AppealOpened { appeal, .. } => Some(appeal),
            _ => None,
        })
        .expect("opened");
    let answer = Action::SendMessage {
        line: l.line,
        client: other,
        text: "Смотрю".into(),
    };
    done(s.apply(anna, "a2", &answer, NOW + 10 * MINUTE));
    assert_eq!(
        alerts(&s, l.line, NOW + 2 * HOUR),
        [],
        "the answer met the reaction"
    );
    let finish = Action::FinishAppeal {
        appeal: second,
        result: "готово".into(),
    };
    done(s.apply(anna, "f2", &finish, NOW + 3 * HOUR));

    // Reopened: what fired stays fired; the first appeal's resolution alerts come once each,
    // the overdue at-risk skipped when the breach is due too.
    drop(s);
    let s = open(&path);
    assert_eq!(alerts(&s, l.line, NOW + 2 * HOUR), []);
    assert_eq!(
        alerts(&s, l.line, NOW + 100 * HOUR),
        [(appeal, SlaDeadline::Resolution, true, who)],
        "only the first appeal, only the breach"
    );
    assert_eq!(
        alerts(&s, l.line, NOW + 1000 * HOUR),
        [],
        "nothing ever again"
    );
}
