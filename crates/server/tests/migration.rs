//! Databases written by older servers open forward: a migration-3 database gets the default
//! ticket queue and the built-in SLA level (migration 4), keeps its tokens and gains admins and
//! revocations (migration 5); a migration-6 database gains calls (migration 7); a migration-7
//! database keeps its calls and gains their statistics and recordings (migration 8); a
//! migration-8 database keeps its clients and appeals and gains remote sessions (migration 10).

use linedesk_protocol::{Action, Event};
use linedesk_server::app::now_ms;
use linedesk_server::auth::{hash_password, new_token};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Applied, Revoked, Storage, Subject};

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
