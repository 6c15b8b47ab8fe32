//! S4's part of the contract: an appeal put into waiting stays waiting across a reopen, its
//! resolution clock stands still meanwhile, and the deadline the client's answer moves is
//! what the backend keeps (the alerts follow it, also after another reopen). The line has no
//! levels: the built-in default (Mon-Fri 09-18 Moscow, 1 h / 8 h).

use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, Event, SlaDeadline};
use linedesk_server::storage::{Storage, StorageError, Subject};

use super::{NOW, Open, done, message, seed};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;

/// (deadline, breached) of the alerts due at `now`.
fn alerts<S: Storage>(s: &S, now: i64) -> Vec<(SlaDeadline, bool)> {
    s.due_alerts(now)
        .expect("alerts")
        .into_iter()
        .map(|e| match e.event {
            Event::SlaAtRisk { deadline, .. } => (deadline, false),
            Event::SlaBreached { deadline, .. } => (deadline, true),
            other => panic!("{other:?}"),
        })
        .collect()
}

pub(super) fn waiting_moves_the_deadline<S: Storage>(open: Open<'_, S>) {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("server.db");
    let s = open(&path);
    let l = seed(&s);
    let anna = Subject::specialist(l.anna);
    let available = Action::SetPresence {
        status: PresenceStatus::Available,
    };
    done(s.apply(anna, "p", &available, NOW));
    // Mon 13:00 Moscow: resolution due Tue 12:00 (NOW + 23 h).
    let opened = done(s.apply(Subject::client(l.client), "m", &message("Помогите"), NOW));
    let appeal = opened
        .iter()
        .find_map(|e| match e.event {
            Event::AppealOpened { appeal, .. } => Some(appeal),
            _ => None,
        })
        .expect("opened");
    let answer = Action::SendMessage {
        line: l.line,
        client: l.client,
        text: "Смотрю".into(),
    };
    done(s.apply(anna, "a", &answer, NOW + 10 * MINUTE));
    let wait = Action::WaitForClient { appeal };
    done(s.apply(anna, "w1", &wait, NOW + HOUR));

    drop(s);
    let s = open(&path);
    let twice = s.apply(anna, "w2", &wait, NOW + HOUR);
    assert!(
        matches!(&twice, Err(StorageError::Rule { code, .. }) if *code == "appeal.illegal_transition"),
        "still waiting after the reopen: {twice:?}"
    );
    assert_eq!(
        alerts(&s, NOW + 30 * HOUR),
        [],
        "the resolution clock stands still"
    );
    // The client answers at 15:00 Moscow: 1 working hour waited, due Tue 13:00.
    let back = done(s.apply(
        Subject::client(l.client),
        "m2",
        &message("Вот"),
        NOW + 2 * HOUR,
    ));
    assert!(
        back.iter().any(|e| matches!(e.event,
            Event::AppealResumed { appeal: a, resolution_due_ms: Some(d), .. }
                if a == appeal && d == NOW + 24 * HOUR)),
        "{back:?}"
    );

    drop(s);
    let s = open(&path);
    // At risk at 80 % moved by the hour too (Tue 11:24), the breach at Tue 13:00.
    assert_eq!(alerts(&s, NOW + 22 * HOUR + 23 * MINUTE), []);
    assert_eq!(
        alerts(&s, NOW + 22 * HOUR + 24 * MINUTE),
        [(SlaDeadline::Resolution, false)]
    );
    assert_eq!(alerts(&s, NOW + 24 * HOUR - MINUTE), []);
    assert_eq!(
        alerts(&s, NOW + 24 * HOUR),
        [(SlaDeadline::Resolution, true)]
    );
}
