//! Databases written by older servers open forward: a migration-3 database gets the default
//! ticket queue and the built-in SLA level (migration 4), keeps its tokens and gains admins and
//! revocations (migration 5); a migration-6 database gains calls (migration 7); a migration-7
//! database keeps its calls and gains their statistics and recordings (migration 8); a
//! migration-8 database keeps its clients and appeals and gains remote sessions (migration 10);
//! a migration-17 database's decided SLA timers and logged transfers reach the reports
//! (migration 20).

use linedesk_protocol::{Action, Event};
use linedesk_server::app::now_ms;
use linedesk_server::auth::{hash_password, new_token};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Applied, Revoked, Storage, StorageError, Subject};

#[test]
fn a_version_3_database_migrates_to_tickets_and_sla() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("server.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        for sql in [
            include_str!("../migrations/0001_server.sql"),
            include_str!("../migrations/0002_routing.sql"),
            include_str!("../migrations/0003_client_fields.sql"),
        ] {
            conn.execute_batch(sql).expect("old migration");
        }
        conn.pragma_update(None, "user_version", 3)
            .expect("version");
        conn.execute_batch(
            "INSERT INTO lines (name) VALUES ('Старая линия');
             INSERT INTO clients (line_id, name) VALUES (1, 'Иванова');",
        )
        .expect("old data");
    }
    let s = SqliteStorage::open(&path).expect("migrate");
    assert_eq!(
        s.ticket_queues(1).expect("queues"),
        [(1, "Первая линия".to_string())]
    );
    assert_eq!(s.sla_levels(1).expect("levels").levels()[0].name, "Default");
    let action = Action::ClientMessage {
        text: "Здравствуйте".into(),
    };
    let Ok(Applied::Done(events)) = s.apply(Subject::client(1), "k", &action, 1_795_428_000_000)
    else {
        panic!("applied");
    };
    assert!(
        events
            .iter()
            .any(|e| matches!(e.event, Event::SlaStarted { .. })),
        "{events:?}"
    );
}

#[test]
fn a_version_3_database_keeps_its_tokens_and_gains_admins_and_revocations() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("server.db");
    let (token, hash) = new_token().expect("token");
    {
        let conn = rusqlite::Connection::open(&file).expect("open");
        for sql in [
            include_str!("../migrations/0001_server.sql"),
            include_str!("../migrations/0002_routing.sql"),
            include_str!("../migrations/0003_client_fields.sql"),
        ] {
            conn.execute_batch(sql).expect("migrate");
        }
        conn.execute_batch(
            "PRAGMA user_version = 3;
             INSERT INTO specialists (login, password_hash, name) VALUES ('anna', 'x', 'Анна');",
        )
        .expect("seed");
        conn.execute(
            "INSERT INTO tokens (token_hash, role, subject_id, expires_at) VALUES (?1, 'specialist', 1, ?2)",
            rusqlite::params![hash, now_ms() + 60_000],
        )
        .expect("token");
    }
    let storage = SqliteStorage::open(&file).expect("migrated");
    let now = now_ms();
    assert_eq!(
        storage
            .token_owner(&hash, now)
            .expect("owner")
            .map(|t| t.subject),
        Some(Subject::specialist(1)),
        "{token} survives the rebuilt table"
    );
    let root = storage
        .add_admin("root", &hash_password("root-pass").expect("hash"))
        .expect("admin");
    storage
        .save_token("admin-token", Subject::admin(root), now + 60_000)
        .expect("admin token");
    assert_eq!(
        storage
            .token_owner("admin-token", now)
            .expect("owner")
            .map(|t| t.subject),
        Some(Subject::admin(root))
    );
    assert_eq!(storage.last_revocation().expect("last"), 0);
    assert_eq!(
        storage.revoke_login("anna", now).expect("revoke"),
        Some((Subject::specialist(1), 1))
    );
    assert!(storage.revoke_token("admin-token", now).expect("revoke"));
    assert!(!storage.revoke_token("admin-token", now).expect("twice"));
    let log: Vec<Revoked> = storage
        .revocations_after(0)
        .expect("log")
        .into_iter()
        .map(|r| r.revoked)
        .collect();
    assert_eq!(
        log,
        [
            Revoked::Subject(Subject::specialist(1)),
            Revoked::Token("admin-token".into())
        ]
    );
    assert_eq!(storage.token_owner(&hash, now).expect("owner"), None);
}

#[test]
fn a_version_6_database_migrates_to_calls() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("server.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        for sql in [
            include_str!("../migrations/0001_server.sql"),
            include_str!("../migrations/0002_routing.sql"),
            include_str!("../migrations/0003_client_fields.sql"),
            include_str!("../migrations/0004_tickets_sla.sql"),
            include_str!("../migrations/0005_admins.sql"),
            include_str!("../migrations/0006_client_profile.sql"),
        ] {
            conn.execute_batch(sql).expect("old migration");
        }
        conn.pragma_update(None, "user_version", 6)
            .expect("version");
        conn.execute_batch(
            "INSERT INTO lines (name) VALUES ('Линия');
             INSERT INTO clients (line_id, name) VALUES (1, 'Иванова');
             INSERT INTO specialists (login, password_hash, name) VALUES ('anna', 'x', 'Анна');
             INSERT INTO line_specialists (line_id, specialist_id) VALUES (1, 1);",
        )
        .expect("old data");
    }
    let s = SqliteStorage::open(&path).expect("migrate");
    let action = Action::PlaceCall {
        line: 1,
        client: Some(1),
    };
    let Ok(Applied::Done(events)) = s.apply(Subject::specialist(1), "c", &action, now_ms()) else {
        panic!("applied");
    };
    let call = events
        .iter()
        .find_map(|e| match e.event {
            Event::CallRinging { call, .. } => Some(call),
            _ => None,
        })
        .expect("ringing");
    let stored = s.call(call).expect("read").expect("stored");
    assert_eq!(
        (stored.line, stored.client, stored.specialist),
        (1, 1, Some(1))
    );
}

#[test]
fn a_version_7_database_keeps_its_calls_and_gains_their_statistics() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("server.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        for sql in [
            include_str!("../migrations/0001_server.sql"),
            include_str!("../migrations/0002_routing.sql"),
            include_str!("../migrations/0003_client_fields.sql"),
            include_str!("../migrations/0004_tickets_sla.sql"),
            include_str!("../migrations/0005_admins.sql"),
            include_str!("../migrations/0006_client_profile.sql"),
            include_str!("../migrations/0007_calls.sql"),
        ] {
            conn.execute_batch(sql).expect("old migration");
        }
        conn.pragma_update(None, "user_version", 7)
            .expect("version");
        conn.execute_batch(
            "INSERT INTO lines (name) VALUES ('Линия');
             INSERT INTO clients (line_id, name) VALUES (1, 'Иванова');
             INSERT INTO specialists (login, password_hash, name) VALUES ('anna', 'x', 'Анна');
             INSERT INTO line_specialists (line_id, specialist_id) VALUES (1, 1);
             INSERT INTO appeals (line_id, client_id, state, opened_at) VALUES (1, 1, 'queued', 0);
             INSERT INTO calls (line_id, client_id, specialist_id, appeal_id, from_client, state,
                 placed_at, connected_at, ended_at, end_reason)
             VALUES (1, 1, 1, 1, 0, 'ended', 0, 1, 2, 'hung_up');",
        )
        .expect("old data");
    }
    let s = SqliteStorage::open(&path).expect("migrate");
    let quality = linedesk_protocol::CallQuality {
        duration_ms: 1,
        mos_centi: 440,
        ..Default::default()
    };
    let action = Action::CallStats { call: 1, quality };
    assert!(matches!(
        s.apply(Subject::specialist(1), "s", &action, now_ms()),
        Ok(Applied::Done(_))
    ));
    assert_eq!(
        s.call_stats(1).expect("stats"),
        vec![(linedesk_protocol::Role::Specialist, quality)]
    );
}

#[test]
fn a_version_8_database_gains_remote_sessions_on_its_open_appeal() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("server.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        for sql in [
            include_str!("../migrations/0001_server.sql"),
            include_str!("../migrations/0002_routing.sql"),
            include_str!("../migrations/0003_client_fields.sql"),
            include_str!("../migrations/0004_tickets_sla.sql"),
            include_str!("../migrations/0005_admins.sql"),
            include_str!("../migrations/0006_client_profile.sql"),
            include_str!("../migrations/0007_calls.sql"),
            include_str!("../migrations/0008_call_stats.sql"),
        ] {
            conn.execute_batch(sql).expect("old migration");
        }
        conn.pragma_update(None, "user_version", 8)
            .expect("version");
        conn.execute_batch(
            "INSERT INTO lines (name) VALUES ('Линия');
             INSERT INTO clients (line_id, name) VALUES (1, 'Иванова');
             INSERT INTO specialists (login, password_hash, name) VALUES ('anna', 'x', 'Анна');
             INSERT INTO line_specialists (line_id, specialist_id) VALUES (1, 1);
             INSERT INTO appeals (line_id, client_id, state, holder, opened_at)
             VALUES (1, 1, 'assigned', 1, 0);",
        )
        .expect("old data");
    }
    let s = SqliteStorage::open(&path).expect("migrate");
    let ask = Action::RequestRemoteSession {
        line: 1,
        client: 1,
        mode: linedesk_protocol::RemoteMode::ByRequest,
        password: None,
    };
    let Ok(Applied::Done(events)) = s.apply(Subject::specialist(1), "r", &ask, now_ms()) else {
        panic!("applied");
    };
    // The open appeal is reused, not a second one opened.
    assert!(
        matches!(
            events.as_slice(),
            [e] if matches!(e.event, Event::RemoteRequested { appeal: 1, .. })
        ),
        "{events:?}"
    );
    let record = s.remote_session(1).expect("session").expect("stored");
    assert_eq!(record.appeal, 1);
}

#[test]
fn a_version_8_database_announces_its_ticket_queues_and_keeps_its_appeals() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("server.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        for sql in [
            include_str!("../migrations/0001_server.sql"),
            include_str!("../migrations/0002_routing.sql"),
            include_str!("../migrations/0003_client_fields.sql"),
            include_str!("../migrations/0004_tickets_sla.sql"),
            include_str!("../migrations/0005_admins.sql"),
            include_str!("../migrations/0006_client_profile.sql"),
            include_str!("../migrations/0007_calls.sql"),
            include_str!("../migrations/0008_call_stats.sql"),
        ] {
            conn.execute_batch(sql).expect("old migration");
        }
        conn.pragma_update(None, "user_version", 8)
            .expect("version");
        conn.execute_batch(
            "INSERT INTO lines (name) VALUES ('Линия'), ('Другая');
             INSERT INTO ticket_queues (line_id, name) VALUES (1, 'Первая линия'),
                 (2, 'Первая линия'), (1, 'Бухгалтерия');
             INSERT INTO events (line_id, seq, at, body)
                 VALUES (1, 1, 0, '{\"kind\":\"line_named\",\"name\":\"Линия\"}'),
                        (1, 2, 0, '{\"kind\":\"appeal_opened\",\"appeal\":1,\"client\":1}');
             INSERT INTO clients (line_id, name) VALUES (1, 'Иванова');
             INSERT INTO appeals (line_id, client_id, state, opened_at) VALUES (1, 1, 'queued', 0);",
        )
        .expect("old data");
    }
    let s = SqliteStorage::open(&path).expect("migrate");
    let line_1: Vec<(u64, Event)> = s
        .events_after(1, 0, 100)
        .expect("events")
        .into_iter()
        .map(|e| (e.seq, e.event))
        .collect();
    assert_eq!(
        line_1[1],
        (
            2,
            Event::AppealOpened {
                appeal: 1,
                client: 1,
                channel: linedesk_protocol::AppealChannel::Chat
            }
        ),
        "an old event decodes with the default channel"
    );
    assert_eq!(
        line_1[2..],
        [
            (
                3,
                Event::TicketQueueNamed {
                    queue: 1,
                    name: "Первая линия".into()
                }
            ),
            (
                4,
                Event::TicketQueueNamed {
                    queue: 3,
                    name: "Бухгалтерия".into()
                }
            )
        ]
    );
    let line_2 = s.events_after(2, 0, 100).expect("events");
    assert_eq!(
        line_2.iter().map(|e| (e.seq, &e.event)).collect::<Vec<_>>(),
        [(
            1,
            &Event::TicketQueueNamed {
                queue: 2,
                name: "Первая линия".into()
            }
        )]
    );
}

/// A database whose recorded migration differs from the shipped one (a shipped migration was
/// edited after it ran here) is refused at open with a clear error, and nothing is written.
#[test]
fn an_edited_shipped_migration_is_refused_at_open() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("server.db");
    {
        let s = SqliteStorage::open(&path).expect("new database");
        s.add_line("Линия").expect("line");
    }
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        // What the database recorded when migration 4 ran is not what this build ships: as
        // if 0004_tickets_sla.sql had been edited since.
        conn.execute(
            "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 4",
            [],
        )
        .expect("tamper");
    }
    let Err(err) = SqliteStorage::open(&path) else {
        panic!("an edited migration must be refused");
    };
    assert!(
        matches!(err, StorageError::MigrationChanged { version: 4, ref name } if name == "0004_tickets_sla"),
        "{err:?}"
    );
    assert!(err.to_string().contains("must never be edited"), "{err}");
}

/// A database from before the checksums (versions in `user_version` only) records the shipped
/// checksums of what it has at its first open and opens again.
#[test]
fn a_database_without_checksums_records_them_once() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("server.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        for sql in [
            include_str!("../migrations/0001_server.sql"),
            include_str!("../migrations/0002_routing.sql"),
        ] {
            conn.execute_batch(sql).expect("old migration");
        }
        conn.pragma_update(None, "user_version", 2)
            .expect("version");
    }
    drop(SqliteStorage::open(&path).expect("first open"));
    let conn = rusqlite::Connection::open(&path).expect("open");
    let recorded: i64 = conn
        .query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))
        .expect("count");
    assert_eq!(
        recorded as usize,
        linedesk_server::sqlite::migrations::MIGRATIONS.len()
    );
    drop(conn);
    SqliteStorage::open(&path).expect("second open");
}

/// A database a newer server migrated is refused, not half-understood.
#[test]
fn a_newer_database_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("server.db");
    drop(SqliteStorage::open(&path).expect("new database"));
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at)
             VALUES (999, '0999_future', 'x', 0)",
            [],
        )
        .expect("future");
    }
    assert!(matches!(
        SqliteStorage::open(&path),
        Err(StorageError::NewerThanKnown { found: 999, .. })
    ));
}

/// R1 (migration 20): a migration-17 database's decided SLA timers get their figures at the
/// first open, and the transfers already in its log count in the operator statistics.
#[test]
fn a_version_17_database_reports_its_decided_appeals_and_logged_transfers() {
    use linedesk_domain::sla::{SlaClock, SupportLevel, parse_calendar, parse_duration};
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("server.db");
    let hour = 3_600_000i64;
    // Monday 2026-11-23 10:00 UTC: answered at 10:30, finished at 15:00 (5 h: breached).
    let opened = 1_795_428_000_000i64;
    let level = SupportLevel {
        name: "Default".into(),
        calendar: parse_calendar("tz UTC; Mon-Fri 09-18").expect("calendar"),
        reaction: parse_duration("1h").expect("1h"),
        resolution: parse_duration("4h").expect("4h"),
        conditions: Default::default(),
    };
    let at = |ms: i64| chrono::DateTime::from_timestamp_millis(ms).expect("time");
    let mut clock = SlaClock::start(&level, at(opened)).expect("clock");
    clock.record_reaction(at(opened + hour / 2));
    clock
        .resolve(at(opened + 5 * hour), &level.calendar)
        .expect("resolve");
    let clock = serde_json::to_string(&clock).expect("json");
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        for m in linedesk_server::sqlite::migrations::MIGRATIONS
            .iter()
            .filter(|m| m.version <= 17)
        {
            conn.execute_batch(m.sql).expect("old migration");
        }
        conn.pragma_update(None, "user_version", 17)
            .expect("version");
        conn.execute_batch(
            "INSERT INTO lines (name) VALUES ('Линия');
             INSERT INTO clients (line_id, name) VALUES (1, 'Иванова');
             INSERT INTO specialists (login, password_hash, name) VALUES ('anna', 'x', 'Анна');
             INSERT INTO specialists (login, password_hash, name) VALUES ('vera', 'x', 'Вера');
             INSERT INTO line_specialists (line_id, specialist_id) VALUES (1, 1), (1, 2);",
        )
        .expect("old data");
        conn.execute(
            "INSERT INTO appeals (line_id, client_id, state, holder, opened_at, result)
             VALUES (1, 1, 'finished', 2, ?1, 'ok')",
            [opened],
        )
        .expect("appeal");
        conn.execute(
            "INSERT INTO appeal_sla (appeal_id, line_id, level, calendar, clock, reaction_risk_at,
                 reaction_due, resolution_risk_at, resolution_due, reacted_at, resolved_at)
             VALUES (1, 1, 'Default', 'tz UTC; Mon-Fri 09-18', ?1, 0, ?2, 0, ?3, ?4, ?5)",
            rusqlite::params![
                clock,
                opened + hour,
                opened + 4 * hour,
                opened + hour / 2,
                opened + 5 * hour
            ],
        )
        .expect("timer");
        conn.execute(
            "INSERT INTO events (line_id, seq, at, body) VALUES (1, 1, ?1, ?2)",
            rusqlite::params![
                opened + hour / 4,
                r#"{"kind":"appeal_transferred","appeal":1,"client":1,"from":1,"to":2,"reason":"к Вере"}"#
            ],
        )
        .expect("event");
    }
    let s = SqliteStorage::open(&path).expect("migrate");
    let query = linedesk_line::reports::ReportQuery {
        from_ms: opened - hour,
        to_ms: opened + 24 * hour,
        specialist: None,
        level: None,
        appeal_type: None,
    };
    let sla = s.sla_report(1, &query, false, now_ms()).expect("sla");
    assert_eq!(sla.total.appeals, 1);
    assert_eq!(
        (sla.total.reaction.met, sla.total.resolution.breached),
        (1, 1)
    );
    assert_eq!(sla.total.avg_reaction_work_ms, Some(hour / 2));
    assert_eq!(sla.total.avg_resolution_work_ms, Some(5 * hour));
    let ops = s.operator_report(1, &query, false).expect("operators");
    let rows: Vec<(u64, u32, u32)> = ops
        .rows
        .iter()
        .map(|r| (r.specialist, r.handled, r.transfers))
        .collect();
    assert_eq!(rows, [(1, 0, 1), (2, 1, 0)]);
    assert_eq!(s.line_role(1, 1).expect("role"), Some(false));
}
