//! SLA on the server (S2-S5): levels from a checked TOML file, deadlines fixed when an appeal
//! opens, at-risk and breach alerts exactly once (also across a reopen of the database), the
//! first answer meets the reaction, finishing stops both; the timer over a real server.

mod common;

use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, ClientFrame, Event, SlaDeadline};
use linedesk_server::config_file::ConfigError;
use linedesk_server::sla_file::{load_levels, parse_levels};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Applied, Storage, StoredClient, Subject};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
/// Mon 2026-11-23 10:00 UTC.
const T0: i64 = 1_795_428_000_000;

const GOOD: &str = r#"
[[level]]
name = "VIP"
calendar = "Mon-Sun 00-24"
reaction = "30m"
resolution = "2h"
conditions = { vip = true, channels = ["message"] }

[[level]]
name = "Default"
calendar = "Mon-Sun 00-24"
reaction = "1h"
resolution = "10h"
"#;

fn bad(text: &str) -> String {
    parse_levels("levels.toml", text)
        .expect_err("a bad file")
        .to_string()
}

#[test]
fn s5_a_levels_file_is_checked_whole_and_every_mistake_is_named() {
    let levels = parse_levels("levels.toml", GOOD).expect("good file");
    let names: Vec<&str> = levels
        .set
        .levels()
        .iter()
        .map(|l| l.name.as_str())
        .collect();
    assert_eq!(
        (names, levels.default_added),
        (vec!["VIP", "Default"], false)
    );

    let only_vip = GOOD
        .split("[[level]]\nname = \"Default\"")
        .next()
        .expect("vip");
    let levels = parse_levels("levels.toml", only_vip).expect("no Default");
    assert!(levels.default_added, "the built-in default is added last");
    assert_eq!(levels.set.levels()[1].name, "Default");

    let weekday = GOOD.replace(
        "Mon-Sun 00-24\"\nreaction = \"1h",
        "Mnd-Fri 09-18\"\nreaction = \"1h",
    );
    let message = bad(&weekday);
    assert!(
        message.starts_with("levels.toml: level 2 \"Default\": calendar: ")
            && message.contains("\"Mnd\" is not a weekday"),
        "{message}"
    );
    for (text, expected) in [
        (
            GOOD.replace("\"30m\"", "\"30 minutes\""),
            "levels.toml: level 1 \"VIP\": reaction: ",
        ),
        (
            GOOD.replace("\"10h\"", "\"0m\""),
            "levels.toml: level 2 \"Default\": resolution: ",
        ),
        (
            GOOD.replace("reaction = \"30m\"", "reactoin = \"30m\""),
            "levels.toml: level 1 \"VIP\": ",
        ),
        (
            GOOD.replace("name = \"Default\"", "name = \"VIP\""),
            "levels.toml: level 2 \"VIP\": name: ",
        ),
        (
            GOOD.replace("name = \"VIP\"", "name = \"  \""),
            "levels.toml: level 1 \"  \": name: empty",
        ),
        (
            GOOD.replace(
                "Mon-Sun 00-24\"\nreaction = \"30m",
                "Sun off\"\nreaction = \"30m",
            ),
            "levels.toml: level 1 \"VIP\": calendar: no working hours",
        ),
        (
            GOOD.replace("vip = true", "vip = \"yes\""),
            "levels.toml: level 1 \"VIP\": ",
        ),
        (
            GOOD.replace("\"message\"", "\"pigeon\""),
            "levels.toml: level 1 \"VIP\": ",
        ),
        (
            GOOD.replace("[[level]]", "[[levels]]"),
            "levels.toml: unknown key \"levels\"",
        ),
        ("".to_string(), "levels.toml: no [[level]] entries"),
        ("[[level]\nname=".to_string(), "levels.toml: "),
    ] {
        let message = bad(&text);
        assert!(message.starts_with(expected), "{expected} <- {message}");
        assert!(!message.contains('\n'), "one line: {message}");
    }
    assert!(bad(&GOOD.replace("reaction = \"30m\"", "reactoin = \"30m\"")).contains("reactoin"));
}

#[test]
fn s5_loading_a_bad_file_changes_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let s = SqliteStorage::open_in_memory().expect("storage");
    let line = s.add_line("Линия").expect("line");
    assert_eq!(
        s.sla_levels(line).expect("levels").levels()[0].name,
        "Default"
    );
    let good = dir.path().join("levels.toml");
    std::fs::write(&good, GOOD).expect("write");
    load_levels(&s, line, &good).expect("load");
    assert_eq!(s.sla_levels(line).expect("levels").levels().len(), 2);

    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, GOOD.replace("\"2h\"", "\"2 hours\"")).expect("write");
    let err = load_levels(&s, line, &broken).expect_err("bad");
    assert!(matches!(err, ConfigError::Item { index: 1, .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("broken.toml: level 1 \"VIP\": resolution: ")
    );
    assert_eq!(
        s.sla_levels(line).expect("levels").levels().len(),
        2,
        "unchanged"
    );
    let err = load_levels(&s, 99, &good).expect_err("unknown line");
    assert!(err.to_string().contains("no line 99"), "{err}");
}

struct Line {
    s: SqliteStorage,
    line: u64,
    anna: u64,
    client: u64,
    vip: u64,
}

fn line_with(storage: SqliteStorage, levels: Option<&str>) -> Line {
    let s = storage;
    let line = s.add_line("Линия").expect("line");
    if let Some(text) = levels {
        s.set_sla_levels(
            line,
            &parse_levels("levels.toml", text).expect("levels").set,
        )
        .expect("set");
    }
    let anna = s.add_specialist("anna", "x", "Анна").expect("anna");
    s.serve_line(anna, line, 0, 5).expect("serve");
    let client = s.add_client(line, "Иванова").expect("client");
    let vip = StoredClient {
        name: "Важный".into(),
        vip: true,
        ..StoredClient::default()
    };
    s.import_clients(line, &[(2, vip)]).expect("vip");
    Line {
        s,
        line,
        anna,
        client,
        vip: client + 1,
    }
}

fn apply(s: &SqliteStorage, who: Subject, key: &str, action: Action, now: i64) -> Vec<Event> {
    match s.apply(who, key, &action, now).expect(key) {
        Applied::Done(events) => events.into_iter().map(|e| e.event).collect(),
        Applied::Duplicate => Vec::new(),
    }
}

fn open(l: &Line, client: u64, key: &str, now: i64) -> (u64, i64, i64, String) {
    let events = apply(
        &l.s,
        Subject::client(client),
        key,
        Action::ClientMessage {
            text: "Помогите".into(),
        },
        now,
    );
    events
        .iter()
        .find_map(|e| match e {
            Event::SlaStarted {
                appeal,
                reaction_due_ms,
                resolution_due_ms,
                level,
                ..
            } => Some((*appeal, *reaction_due_ms, *resolution_due_ms, level.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("SlaStarted in {events:?}"))
}

/// (deadline, breached, specialist) of the alerts due at `now`.
fn alerts(s: &SqliteStorage, now: i64) -> Vec<(SlaDeadline, bool, Option<u64>)> {
    s.due_alerts(now)
        .expect("alerts")
        .into_iter()
        .map(|e| match e.event {
            Event::SlaAtRisk {
                deadline,
                specialist,
                ..
            } => (deadline, false, specialist),
            Event::SlaBreached {
                deadline,
                specialist,
                ..
            } => (deadline, true, specialist),
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn s3_s5_deadlines_are_fixed_at_opening_by_the_first_matching_level() {
    let l = line_with(SqliteStorage::open_in_memory().expect("s"), Some(GOOD));
    let (_, reaction, resolution, level) = open(&l, l.client, "c1", T0);
    assert_eq!(
        (level.as_str(), reaction, resolution),
        ("Default", T0 + HOUR, T0 + 10 * HOUR)
    );
    let (_, reaction, resolution, level) = open(&l, l.vip, "v1", T0);
    assert_eq!(
        (level.as_str(), reaction, resolution),
        ("VIP", T0 + 30 * MINUTE, T0 + 2 * HOUR)
    );

    // A line without levels: the built-in default, Mon-Fri 09-18 Moscow, 1h / 8h.
    let plain = line_with(SqliteStorage::open_in_memory().expect("s"), None);
    // Fri 2026-11-27 17:30 Moscow (14:30 UTC) + 1h => Mon 09:30 Moscow (06:30 UTC).
    let friday = T0 + 4 * 24 * HOUR + 4 * HOUR + 30 * MINUTE;
    let (_, reaction, _, level) = open(&plain, plain.client, "c1", friday);
    assert_eq!(level, "Default");
    assert_eq!(reaction, T0 + 7 * 24 * HOUR - 3 * HOUR - 30 * MINUTE);
}

#[test]
fn s2_alerts_fire_once_each_at_80_percent_and_at_the_deadline() {
    let l = line_with(SqliteStorage::open_in_memory().expect("s"), Some(GOOD));
    let anna = Subject::specialist(l.anna);
    apply(
        &l.s,
        anna,
        "p",
        Action::SetPresence {
            status: PresenceStatus::Available,
        },
        T0,
    );
    open(&l, l.client, "c1", T0);
    let who = Some(l.anna);
    assert_eq!(alerts(&l.s, T0 + 47 * MINUTE), []);
    assert_eq!(
        alerts(&l.s, T0 + 48 * MINUTE),
        [(SlaDeadline::Reaction, false, who)]
    );
    assert_eq!(alerts(&l.s, T0 + 50 * MINUTE), [], "once");
    assert_eq!(
        alerts(&l.s, T0 + HOUR),
        [(SlaDeadline::Reaction, true, who)]
    );
    assert_eq!(
        alerts(&l.s, T0 + 8 * HOUR),
        [(SlaDeadline::Resolution, false, who)]
    );
    assert_eq!(
        alerts(&l.s, T0 + 10 * HOUR),
        [(SlaDeadline::Resolution, true, who)]
    );
    assert_eq!(alerts(&l.s, T0 + 1000 * HOUR), [], "nothing ever again");
}

#[test]
fn s2_the_first_answer_meets_the_reaction_and_finishing_stops_both() {
    let l = line_with(SqliteStorage::open_in_memory().expect("s"), Some(GOOD));
    let anna = Subject::specialist(l.anna);
    apply(
        &l.s,
        anna,
        "p",
        Action::SetPresence {
            status: PresenceStatus::Available,
        },
        T0,
    );
    let (appeal, ..) = open(&l, l.client, "c1", T0);
    let answer = Action::SendMessage {
        line: l.line,
        client: l.client,
        text: "Смотрю".into(),
    };
    apply(&l.s, anna, "a1", answer, T0 + 10 * MINUTE);
    assert_eq!(
        alerts(&l.s, T0 + 2 * HOUR),
        [],
        "no reaction alerts after the answer"
    );
    assert_eq!(
        alerts(&l.s, T0 + 8 * HOUR).len(),
        1,
        "the resolution still runs"
    );
    let finish = Action::FinishAppeal {
        appeal,
        result: "Решено".into(),
    };
    apply(&l.s, anna, "f1", finish, T0 + 9 * HOUR);
    assert_eq!(alerts(&l.s, T0 + 1000 * HOUR), [], "finished: no breach");

    let (vip_appeal, ..) = open(&l, l.vip, "v1", T0);
    let finish = Action::FinishAppeal {
        appeal: vip_appeal,
        result: "Решено".into(),
    };
    apply(&l.s, anna, "f2", finish, T0 + MINUTE);
    assert_eq!(
        alerts(&l.s, T0 + 1000 * HOUR),
        [],
        "finishing stops the reaction too"
    );
}

#[test]
fn s2_fired_alerts_survive_a_reopen_and_overdue_ones_fire_once() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("server.db");
    let l = line_with(SqliteStorage::open(&path).expect("s"), Some(GOOD));
    open(&l, l.client, "c1", T0);
    assert_eq!(
        alerts(&l.s, T0 + 50 * MINUTE),
        [(SlaDeadline::Reaction, false, None)]
    );
    drop(l);

    let s = SqliteStorage::open(&path).expect("reopen");
    assert_eq!(alerts(&s, T0 + 50 * MINUTE), [], "fired before the reopen");
    // Long overdue when the server comes back: each breach once, the stale at-risk skipped.
    assert_eq!(
        alerts(&s, T0 + 20 * HOUR),
        [
            (SlaDeadline::Reaction, true, None),
            (SlaDeadline::Resolution, true, None)
        ]
    );
    drop(s);
    let s = SqliteStorage::open(&path).expect("reopen again");
    assert_eq!(alerts(&s, T0 + 40 * HOUR), []);
    let log = s.events_after(1, 0, 1000).expect("log");
    let alerts_in_log = log
        .iter()
        .filter(|e| matches!(e.event, Event::SlaAtRisk { .. } | Event::SlaBreached { .. }))
        .count();
    assert_eq!(alerts_in_log, 3, "in the line's log: {log:?}");
}

#[tokio::test]
async fn s2_the_timer_tells_the_specialist_live_and_never_the_client() {
    let w = common::world().await;
    let mut anna = common::Client::signed_in(w.addr, "anna", "anna-pass").await;
    anna.send(&ClientFrame::Subscribe {
        line: w.line_a,
        after: 0,
    })
    .await;
    while !matches!(
        anna.recv().await,
        linedesk_protocol::ServerFrame::CaughtUp { .. }
    ) {}
    let mut ivanova = common::Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    ivanova
        .send(&ClientFrame::Subscribe {
            line: w.line_a,
            after: 0,
        })
        .await;
    while !matches!(
        ivanova.recv().await,
        linedesk_protocol::ServerFrame::CaughtUp { .. }
    ) {}

    // An appeal opened three working days ago under the built-in level: long overdue.
    let now = linedesk_server::app::now_ms();
    let action = Action::ClientMessage {
        text: "Давно жду".into(),
    };
    match w.storage.apply(
        Subject::client(w.client_a),
        "old",
        &action,
        now - 100 * HOUR,
    ) {
        Ok(Applied::Done(_)) => {}
        other => panic!("{other:?}"),
    }
    let mut breached = Vec::new();
    while breached.len() < 2 {
        if let linedesk_protocol::ServerFrame::Event {
            event: Event::SlaBreached {
                deadline, client, ..
            },
            ..
        } = anna.recv().await
        {
            assert_eq!(client, w.client_a);
            breached.push(deadline);
        }
    }
    breached.sort_by_key(|d| *d == SlaDeadline::Resolution);
    assert_eq!(breached, [SlaDeadline::Reaction, SlaDeadline::Resolution]);
    // The client sees their messages (replayed now), never the line's SLA alerts.
    ivanova
        .send(&ClientFrame::Subscribe {
            line: w.line_a,
            after: 0,
        })
        .await;
    loop {
        match ivanova.recv().await {
            linedesk_protocol::ServerFrame::Event { event, .. } => assert!(
                !matches!(
                    event,
                    Event::SlaBreached { .. } | Event::SlaAtRisk { .. } | Event::SlaStarted { .. }
                ),
                "{event:?}"
            ),
            linedesk_protocol::ServerFrame::CaughtUp { .. } => break,
            other => panic!("{other:?}"),
        }
    }
}
