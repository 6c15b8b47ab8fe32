//! A5 and S4 together through the server's storage (real SQLite in a file, time as an input,
//! the storage reopened as a restart): an appeal waiting for the client is not auto-finished,
//! however long the wait; a specialist's message while it waits arms nothing; when the wait
//! ends by a transfer to a colleague (the client said nothing) the auto-finish runs again, a
//! whole period from then; the client's answer ends what was awaited.

use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, Event, NO_CLIENT_REPLY};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Applied, ClosingSettings, Storage, Subject};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
/// Mon 2026-11-23 10:00 UTC.
const T0: i64 = 1_795_428_000_000;

struct Line {
    path: std::path::PathBuf,
    line: u64,
    anna: u64,
    vera: u64,
    client: u64,
    _dir: tempfile::TempDir,
}

fn line() -> Line {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("server.db");
    let s = SqliteStorage::open(&path).expect("storage");
    let line = s.add_line("Линия").expect("line");
    let anna = s.add_specialist("anna", "x", "Анна").expect("anna");
    let vera = s.add_specialist("vera", "x", "Вера").expect("vera");
    s.serve_line(anna, line, 5, 5).expect("serve");
    s.serve_line(vera, line, 0, 5).expect("serve");
    let client = s.add_client(line, "Иванова").expect("client");
    let settings = ClosingSettings {
        auto_finish_minutes: 5,
        closing_phrases: Vec::new(),
    };
    s.set_closing_settings(line, &settings).expect("settings");
    for who in [anna, vera] {
        let online = Action::SetPresence {
            status: PresenceStatus::Available,
        };
        apply(
            &s,
            Subject::specialist(who),
            &format!("on{who}"),
            online,
            T0,
        );
    }
    Line {
        path,
        line,
        anna,
        vera,
        client,
        _dir: dir,
    }
}

fn apply(s: &SqliteStorage, who: Subject, key: &str, action: Action, now: i64) -> Vec<Event> {
    match s.apply(who, key, &action, now).expect(key) {
        Applied::Done(events) => events.into_iter().map(|e| e.event).collect(),
        Applied::Duplicate => Vec::new(),
    }
}

/// The auto-finish instants the `ReplyAwaited` events among `events` announce.
fn countdowns(events: &[Event]) -> Vec<Option<i64>> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::ReplyAwaited {
                auto_finish_at_ms, ..
            } => Some(*auto_finish_at_ms),
            _ => None,
        })
        .collect()
}

/// The appeals the timer's round at `now` finishes without the client's reply.
fn auto_finished(s: &SqliteStorage, now: i64) -> Vec<u64> {
    s.due_alerts(now)
        .expect("round")
        .into_iter()
        .filter_map(|e| match e.event {
            Event::AppealFinished { appeal, result, .. } if result == NO_CLIENT_REPLY => {
                Some(appeal)
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a5_s4_no_auto_finish_while_waiting_across_a_restart_and_again_after_a_transfer() {
    let l = line();
    let s = SqliteStorage::open(&l.path).expect("storage");
    let anna = Subject::specialist(l.anna);
    let ask = Action::ClientMessage {
        text: "Помогите".into(),
    };
    let opened = apply(&s, Subject::client(l.client), "c1", ask, T0);
    let appeal = opened
        .iter()
        .find_map(|e| match e {
            Event::AppealOpened { appeal, .. } => Some(*appeal),
            _ => None,
        })
        .expect("opened");
    let say = |text: &str| Action::SendMessage {
        line: l.line,
        client: l.client,
        text: text.into(),
    };
    // A5: Anna answers at 10:01, the appeal would finish by itself at 10:06.
    let armed = apply(&s, anna, "a1", say("Смотрю"), T0 + MINUTE);
    assert_eq!(countdowns(&armed), [Some(T0 + 6 * MINUTE)]);
    // S4: she waits for the client at 10:02: the countdown is off.
    let waits = apply(
        &s,
        anna,
        "w1",
        Action::WaitForClient { appeal },
        T0 + 2 * MINUTE,
    );
    assert_eq!(countdowns(&waits), [None]);
    assert_eq!(auto_finished(&s, T0 + HOUR), Vec::<u64>::new());
    // Her message while it waits arms nothing either.
    let reminder = apply(&s, anna, "a2", say("Жду скриншот"), T0 + 2 * HOUR);
    assert_eq!(countdowns(&reminder), Vec::<Option<i64>>::new());
    drop(s);

    // A restart: what is stored says the same.
    let s = SqliteStorage::open(&l.path).expect("reopened");
    assert_eq!(auto_finished(&s, T0 + 5 * HOUR), Vec::<u64>::new());

    // Anna hands it to Vera at 15:00 with the client still silent: the wait ends and the
    // auto-finish runs again, five minutes from then.
    let transfer = Action::TransferAppeal {
        appeal,
        to: Some(l.vera),
        reason: "Смена".into(),
        target: None,
    };
    let moved = apply(&s, anna, "t1", transfer, T0 + 5 * HOUR);
    assert!(
        moved
            .iter()
            .any(|e| matches!(e, Event::AppealResumed { appeal: a, .. } if *a == appeal)),
        "{moved:?}"
    );
    assert_eq!(countdowns(&moved), [Some(T0 + 5 * HOUR + 5 * MINUTE)]);
    drop(s);
    let s = SqliteStorage::open(&l.path).expect("reopened again");
    assert_eq!(
        auto_finished(&s, T0 + 5 * HOUR + 4 * MINUTE),
        Vec::<u64>::new()
    );
    assert_eq!(auto_finished(&s, T0 + 5 * HOUR + 5 * MINUTE), [appeal]);
}

#[test]
fn a5_s4_the_clients_answer_ends_the_wait_and_what_was_awaited() {
    let l = line();
    let s = SqliteStorage::open(&l.path).expect("storage");
    let anna = Subject::specialist(l.anna);
    let ask = || Action::ClientMessage {
        text: "Помогите".into(),
    };
    apply(&s, Subject::client(l.client), "c1", ask(), T0);
    let appeal = 1;
    let say = Action::SendMessage {
        line: l.line,
        client: l.client,
        text: "Пришлите скриншот".into(),
    };
    apply(&s, anna, "a1", say, T0 + MINUTE);
    apply(
        &s,
        anna,
        "w1",
        Action::WaitForClient { appeal },
        T0 + 2 * MINUTE,
    );
    let back = apply(&s, Subject::client(l.client), "c2", ask(), T0 + HOUR);
    assert!(
        back.iter()
            .any(|e| matches!(e, Event::AppealResumed { .. }))
    );
    assert_eq!(
        countdowns(&back),
        [None],
        "nothing awaited: the client wrote"
    );
    assert_eq!(auto_finished(&s, T0 + 10 * HOUR), Vec::<u64>::new());
}
