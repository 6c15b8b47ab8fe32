//! S4 "waiting for the client" and S5's real inputs on the server: the holder puts an appeal
//! into waiting over the wire, the client's next message ends it; while it waits the
//! resolution clock stands still (no resolution alert), and the deadline then moves by the
//! working time waited (time as an input through the server's storage, real SQLite). S5: the
//! level is chosen by the appeal's channel and the client's status.

mod common;

use common::{Client, ack, events, next_event, refused, submit, subscribed, world};
use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, ErrorCode, Event, ServerFrame, SlaDeadline};
use linedesk_server::sla_file::parse_levels;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Applied, Storage, StoredClient, Subject};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
/// Mon 2026-11-23 10:00 UTC.
const T0: i64 = 1_795_428_000_000;

const LEVELS: &str = r#"
[[level]]
name = "Trial by phone"
calendar = "Mon-Sun 00-24"
reaction = "5m"
resolution = "1h"
conditions = { client_statuses = ["trial"], channels = ["call"] }

[[level]]
name = "Trial"
calendar = "Mon-Sun 00-24"
reaction = "10m"
resolution = "2h"
conditions = { client_statuses = ["trial"] }

[[level]]
name = "Update"
calendar = "Mon-Sun 00-24"
reaction = "20m"
resolution = "4h"
conditions = { kinds = ["update"] }

[[level]]
name = "By hand"
calendar = "Mon-Sun 00-24"
reaction = "15m"
resolution = "3h"
conditions = { channels = ["manual"] }

[[level]]
name = "Default"
calendar = "Mon-Fri 09-18"
reaction = "1h"
resolution = "8h"
"#;

struct Line {
    s: SqliteStorage,
    line: u64,
    anna: u64,
    client: u64,
    trial: u64,
}

fn line() -> Line {
    let s = SqliteStorage::open_in_memory().expect("storage");
    let line = s.add_line("Линия").expect("line");
    s.set_sla_levels(
        line,
        &parse_levels("levels.toml", LEVELS).expect("levels").set,
    )
    .expect("set");
    let anna = s.add_specialist("anna", "x", "Анна").expect("anna");
    s.serve_line(anna, line, 0, 5).expect("serve");
    let client = s.add_client(line, "Иванова").expect("client");
    let trial = StoredClient {
        name: "Пробный".into(),
        work_status: Some("trial".into()),
        ..StoredClient::default()
    };
    s.import_clients(line, &[(2, trial)]).expect("trial client");
    let online = Action::SetPresence {
        status: PresenceStatus::Available,
    };
    s.apply(Subject::specialist(anna), "on", &online, T0)
        .expect("online");
    Line {
        s,
        line,
        anna,
        client,
        trial: client + 1,
    }
}

fn apply(s: &SqliteStorage, who: Subject, key: &str, action: Action, now: i64) -> Vec<Event> {
    match s.apply(who, key, &action, now).expect(key) {
        Applied::Done(events) => events.into_iter().map(|e| e.event).collect(),
        Applied::Duplicate => Vec::new(),
    }
}

fn write(l: &Line, client: u64, key: &str, now: i64) -> Vec<Event> {
    let text = "Помогите".to_string();
    apply(
        &l.s,
        Subject::client(client),
        key,
        Action::ClientMessage { text },
        now,
    )
}

/// (appeal, level, resolution due) of the `SlaStarted` among `events`.
fn started(events: &[Event]) -> (u64, String, i64) {
    events
        .iter()
        .find_map(|e| match e {
            Event::SlaStarted {
                appeal,
                level,
                resolution_due_ms,
                ..
            } => Some((*appeal, level.clone(), *resolution_due_ms)),
            _ => None,
        })
        .unwrap_or_else(|| panic!("SlaStarted in {events:?}"))
}

/// (deadline, breached) of the alerts due at `now`.
fn alerts(s: &SqliteStorage, now: i64) -> Vec<(SlaDeadline, bool)> {
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

#[test]
fn s4_waiting_stops_the_resolution_clock_and_the_deadline_moves_by_the_working_time_waited() {
    let l = line();
    // Monday 10:00, working hours Mon-Fri 09-18: 8 working hours end Monday 18:00.
    let (appeal, level, due) = started(&write(&l, l.client, "c1", T0));
    assert_eq!((level.as_str(), due), ("Default", T0 + 8 * HOUR));
    let anna = Subject::specialist(l.anna);
    let answer = Action::SendMessage {
        line: l.line,
        client: l.client,
        text: "Смотрю".into(),
    };
    apply(&l.s, anna, "a1", answer, T0 + 10 * MINUTE);
    let wait = apply(
        &l.s,
        anna,
        "w1",
        Action::WaitForClient { appeal },
        T0 + HOUR,
    );
    assert!(
        wait.iter().any(|e| matches!(e,
            Event::AppealWaiting { appeal: a, specialist, .. } if *a == appeal && *specialist == l.anna)),
        "{wait:?}"
    );
    let again =
        l.s.apply(anna, "w2", &Action::WaitForClient { appeal }, T0 + HOUR)
            .expect_err("already waiting");
    assert_eq!(again.rule(), Some("appeal.illegal_transition"), "{again}");

    // Waiting: the resolution clock stands still, so Monday 18:00 passes without an alert.
    assert_eq!(alerts(&l.s, T0 + 7 * HOUR), [], "at risk would be 16:24");
    assert_eq!(alerts(&l.s, T0 + 9 * HOUR), [], "due would be 18:00");

    // The client answers Tuesday 10:00: Monday 11-18 and Tuesday 09-10 are 8 working hours
    // waited, so the deadline moves from Monday 18:00 to Tuesday 17:00.
    let tuesday_10 = T0 + 24 * HOUR;
    let back = write(&l, l.client, "c2", tuesday_10);
    let moved = back
        .iter()
        .find_map(|e| match e {
            Event::AppealResumed {
                appeal: a,
                resolution_due_ms,
                ..
            } if *a == appeal => Some(*resolution_due_ms),
            _ => None,
        })
        .unwrap_or_else(|| panic!("AppealResumed in {back:?}"));
    assert_eq!(moved, Some(tuesday_10 + 7 * HOUR));
    // In progress again: the same appeal, and the specialist may wait once more.
    assert!(
        back.iter()
            .all(|e| !matches!(e, Event::AppealOpened { .. }))
    );
    // The alerts follow the moved deadline: at risk at 80% (Tuesday 15:24), due at 17:00.
    assert_eq!(alerts(&l.s, tuesday_10 + 5 * HOUR), []);
    assert_eq!(
        alerts(&l.s, tuesday_10 + 5 * HOUR + 24 * MINUTE),
        [(SlaDeadline::Resolution, false)]
    );
    assert_eq!(alerts(&l.s, tuesday_10 + 6 * HOUR + 59 * MINUTE), []);
    assert_eq!(
        alerts(&l.s, tuesday_10 + 7 * HOUR),
        [(SlaDeadline::Resolution, true)]
    );
    apply(
        &l.s,
        anna,
        "w3",
        Action::WaitForClient { appeal },
        tuesday_10 + 8 * HOUR,
    );
}

#[test]
fn s4_a_wait_that_began_after_the_deadline_does_not_erase_the_breach() {
    let l = line();
    let (appeal, _, due) = started(&write(&l, l.client, "c1", T0));
    let anna = Subject::specialist(l.anna);
    apply(
        &l.s,
        anna,
        "w1",
        Action::WaitForClient { appeal },
        due + HOUR,
    );
    let back = write(&l, l.client, "c2", due + 30 * HOUR);
    assert!(
        back.iter().any(|e| matches!(e,
            Event::AppealResumed { resolution_due_ms: Some(d), .. } if *d == due)),
        "{back:?}"
    );
}

#[test]
fn s4_finishing_a_waiting_appeal_ends_it_and_the_next_message_opens_a_new_one() {
    let l = line();
    let (appeal, ..) = started(&write(&l, l.client, "c1", T0));
    let anna = Subject::specialist(l.anna);
    apply(
        &l.s,
        anna,
        "w1",
        Action::WaitForClient { appeal },
        T0 + HOUR,
    );
    let finish = Action::FinishAppeal {
        appeal,
        result: "Решено".into(),
    };
    apply(&l.s, anna, "f1", finish, T0 + 2 * HOUR);
    assert_eq!(alerts(&l.s, T0 + 1000 * HOUR), [], "resolved: nothing more");
    let (next, ..) = started(&write(&l, l.client, "c2", T0 + 3 * HOUR));
    assert_ne!(next, appeal);
}

#[test]
fn s5_the_level_follows_the_channel_and_the_clients_status() {
    let l = line();
    let (_, level, _) = started(&write(&l, l.trial, "t1", T0));
    assert_eq!(level, "Trial", "a trial client's message");
    let (_, level, _) = started(&write(&l, l.client, "c1", T0));
    assert_eq!(level, "Default");
    // A call from the trial client on another line's twin is not needed: a new appeal by
    // phone is opened by the specialist's call.
    let l2 = line();
    let anna = Subject::specialist(l2.anna);
    let place = Action::PlaceCall {
        line: l2.line,
        client: Some(l2.trial),
    };
    let (_, level, _) = started(&apply(&l2.s, anna, "p1", place, T0));
    assert_eq!(level, "Trial by phone");
    let start = Action::StartAppeal {
        line: l2.line,
        client: l2.client,
        appeal_type: None,
    };
    let (_, level, _) = started(&apply(&l2.s, anna, "s1", start, T0));
    assert_eq!(level, "By hand");
}

#[test]
fn s5_the_type_the_specialist_chose_picks_the_level_and_fixes_its_deadlines() {
    let l = line();
    let anna = Subject::specialist(l.anna);
    let start = |client, kind: Option<&str>| Action::StartAppeal {
        line: l.line,
        client,
        appeal_type: kind.map(str::to_string),
    };
    let (_, level, due) = started(&apply(
        &l.s,
        anna,
        "s1",
        start(l.client, Some(" update ")),
        T0,
    ));
    assert_eq!(level, "Update", "the chosen type, spaces aside");
    assert_eq!(due, T0 + 4 * HOUR);
    // The trial client's status comes before the type (the first matching level wins).
    let (_, level, _) = started(&apply(&l.s, anna, "s2", start(l.trial, Some("update")), T0));
    assert_eq!(level, "Trial");
    // A type no level names is none of the line's types: refused, nothing opened (issue 15:
    // the type given at registration is checked against the line's types).
    let l2 = line();
    let anna = Subject::specialist(l2.anna);
    let other = Action::StartAppeal {
        line: l2.line,
        client: l2.client,
        appeal_type: Some("billing".into()),
    };
    let refused = l2.s.apply(anna, "s1", &other, T0);
    assert!(
        matches!(&refused, Err(e) if format!("{e:?}").contains("appeal.unknown_type")),
        "{refused:?}"
    );
    // Without a type: the next matching level (by hand).
    let plain = Action::StartAppeal {
        line: l2.line,
        client: l2.client,
        appeal_type: None,
    };
    let (_, level, _) = started(&apply(&l2.s, anna, "s2", plain, T0));
    assert_eq!(level, "By hand");
}

#[tokio::test]
async fn s4_over_the_wire_the_holder_waits_and_the_clients_message_resumes() {
    let w = world().await;
    let mut anna = subscribed(&w, "anna", "anna-pass").await;
    let mut vera = Client::signed_in(w.addr, "vera", "vera-pass").await;
    let mut ivanova = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    ack(
        &mut anna,
        "s1",
        Action::StartAppeal {
            line: w.line_a,
            client: w.client_a,
            appeal_type: None,
        },
    )
    .await;
    let appeal = next_event(&mut anna, |e| match e {
        Event::AppealAssigned { appeal, .. } => Some(*appeal),
        _ => None,
    })
    .await;
    let due = events(&mut anna, w.line_a, 0)
        .await
        .iter()
        .find_map(|e| match e {
            Event::SlaStarted {
                appeal: a,
                resolution_due_ms,
                ..
            } if *a == appeal => Some(*resolution_due_ms),
            _ => None,
        })
        .expect("SlaStarted");

    // Only the holder puts it into waiting; a client cannot.
    let code = refused(&mut vera, "v1", Action::WaitForClient { appeal }).await;
    assert_eq!(code, ErrorCode::Invalid, "not the holder");
    let code = refused(&mut ivanova, "i1", Action::WaitForClient { appeal }).await;
    assert_eq!(code, ErrorCode::Forbidden, "a client");
    ack(&mut anna, "w1", Action::WaitForClient { appeal }).await;
    let waiting = next_event(&mut anna, |e| match e {
        Event::AppealWaiting {
            appeal: a,
            specialist,
            ..
        } if *a == appeal => Some(*specialist),
        _ => None,
    })
    .await;
    assert_eq!(waiting, 1, "anna");

    let text = "Вот скриншот".to_string();
    match submit(&mut ivanova, "i2", Action::ClientMessage { text }).await {
        ServerFrame::Ack { .. } => {}
        other => panic!("{other:?}"),
    }
    let moved = next_event(&mut anna, |e| match e {
        Event::AppealResumed {
            appeal: a,
            resolution_due_ms,
            ..
        } if *a == appeal => Some(*resolution_due_ms),
        _ => None,
    })
    .await;
    let moved = moved.expect("a deadline");
    assert!(moved >= due, "a wait never brings the deadline closer");
    // The client never sees the line's waiting.
    let seen = events(&mut ivanova, w.line_a, 0).await;
    assert!(
        seen.iter()
            .all(|e| !matches!(e, Event::AppealWaiting { .. } | Event::AppealResumed { .. })),
        "{seen:?}"
    );
}
