//! A database written before migration 4 opens forward: its lines get the default ticket
//! queue and the built-in SLA level, and new appeals get deadlines.

use linedesk_protocol::{Action, Event};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Applied, Storage, Subject};

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
