//! C6 in the clients list (C1) for a store that had groups before migration 23: migration 28
//! (the groups) shipped before 23 (a group message in the list), so such a store gets 23 after
//! its groups are written. At the open that applies it, each conversation's newest group
//! message is copied into the list once (`groups::show_earlier_in_list`): a client whose newest
//! message is in a group moves up with it, a client with group messages and no chat gets a
//! conversation, an empty group or a group of a client not on the line changes nothing.
//!
//! The old store is built here as the app before migration 23 left it: every shipped migration
//! of that time applied and recorded (23 and the later 22 and 35 not), its rows written by SQL.

use std::path::Path;

use linedesk_store::Store;
use linedesk_store::migrate::MIGRATIONS;
use rusqlite::{Connection, params};

const NOW: i64 = 1_764_000_000_000;
const LINE: i64 = 7;
const IVANOVA: i64 = 40;
const PETROV: i64 = 41;
const SIDOROVA: i64 = 42;
const ORLOV: i64 = 43;
/// A client of another line, with a group there.
const STRANGER: i64 = 44;

/// The migrations an app of before migration 23 had applied (22 and 35 came later still).
fn shipped_before_23(version: i64) -> bool {
    !matches!(version, 22 | 23) && version < 35
}

fn old_store(path: &Path) {
    let mut conn = Connection::open(path).expect("open");
    linedesk_store::register_collation(&conn).expect("the names' collation");
    let tx = conn.transaction().expect("tx");
    tx.execute_batch(
        "CREATE TABLE schema_migrations (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL,
            applied_at INTEGER NOT NULL)",
    )
    .expect("schema_migrations");
    for m in MIGRATIONS.iter().filter(|m| shipped_before_23(m.version)) {
        tx.execute_batch(m.sql).expect(m.name);
        tx.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at)
             VALUES (?1, ?2, ?3, 0)",
            params![m.version, m.name, m.checksum()],
        )
        .expect("recorded");
    }
    tx.execute_batch(
        "INSERT INTO lines (id, name) VALUES (7, 'Линия'), (8, 'Другая линия');
         INSERT INTO clients (id, name) VALUES
             (40, 'Иванова Анна'), (41, 'Петров Олег'), (42, 'Сидорова Вера'),
             (43, 'Орлов Иван'), (44, 'Чужой Клиент');
         INSERT INTO line_clients (line_id, client_id) VALUES
             (7, 40), (7, 41), (7, 42), (7, 43), (8, 44);
         INSERT INTO conversations (id, line_id, client_id) VALUES (1, 7, 40), (2, 7, 41);",
    )
    .expect("clients");
    for (id, conversation, text, at) in [(1, 1, "Где акт?", NOW), (2, 2, "Спасибо", NOW + 1_000)]
    {
        tx.execute(
            "INSERT INTO messages (id, conversation_id, author, text, sent_at, status)
             VALUES (?1, ?2, 'client', ?3, ?4, 'sent')",
            params![id, conversation, text, at],
        )
        .expect("message");
        tx.execute(
            "UPDATE conversations SET last_message_id = ?1, last_activity_at = ?2 WHERE id = ?3",
            params![id, at, conversation],
        )
        .expect("last message");
    }
    for (group, line, client) in [
        (3, 7, IVANOVA),
        (4, 7, SIDOROVA),
        (5, 7, ORLOV),
        (6, 8, STRANGER),
    ] {
        tx.execute(
            "INSERT INTO client_groups (id, line_id, client_id, title, created_by, created_at)
             VALUES (?1, ?2, ?3, 'Группа', 5, ?4)",
            params![group, line, client, NOW - 10_000],
        )
        .expect("group");
    }
    for (group, from, text, at, status) in [
        (3, Some(6), "Акт у меня", NOW + 2_000, "sent"),
        (3, None, "Раньше", NOW + 500, "sent"),
        (5, None, "Сверка готова", NOW + 3_000, "sent"),
        (5, Some(5), "Смотрю", NOW + 2_500, "pending"),
        (6, None, "Не этой линии", NOW + 4_000, "sent"),
    ] {
        tx.execute(
            "INSERT INTO group_messages (group_id, from_specialist, text, sent_at, status)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![group, from, text, at, status],
        )
        .expect("group message");
    }
    tx.commit().expect("commit");
}

/// (client, last message, its time) of the list, in its order.
fn list(store: &Store) -> Vec<(i64, Option<String>, Option<i64>)> {
    store
        .client_list(LINE, NOW)
        .expect("list")
        .clients
        .into_iter()
        .map(|c| (c.id, c.last_message, c.last_message_at))
        .collect()
}

#[test]
fn c6_group_messages_of_before_migration_23_are_in_the_clients_list_once_it_is_applied() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("linedesk.db");
    old_store(&path);
    let store = Store::open(&path).expect("upgrade");
    assert_eq!(
        store.schema_version().expect("version"),
        linedesk_store::migrate::latest_version()
    );
    let expected = [
        (ORLOV, Some("Сверка готова".to_string()), Some(NOW + 3_000)),
        (IVANOVA, Some("Акт у меня".to_string()), Some(NOW + 2_000)),
        (PETROV, Some("Спасибо".to_string()), Some(NOW + 1_000)),
        (SIDOROVA, None, None),
    ];
    assert_eq!(
        list(&store),
        expected,
        "the newest group messages are in the list"
    );
    let other = store.client_list(8, NOW).expect("the other line").clients;
    assert_eq!(
        other
            .iter()
            .map(|c| c.last_message.as_deref())
            .collect::<Vec<_>>(),
        [Some("Не этой линии")],
        "each line's client gets their own group's message"
    );
    drop(store);

    // Later opens leave the list as the sync keeps it (a newer chat message stays the latest).
    let store = Store::open(&path).expect("again");
    assert_eq!(list(&store), expected);
    store
        .apply_remote(
            LINE,
            &[(
                1,
                linedesk_store::replica::RemoteChange::Message {
                    client: IVANOVA,
                    author: linedesk_store::Author::Client,
                    text: "Нашла".into(),
                    at: NOW + 5_000,
                    origin_key: None,
                },
            )],
        )
        .expect("a new chat message");
    drop(store);
    let store = Store::open(&path).expect("a third time");
    assert_eq!(
        list(&store)[0],
        (IVANOVA, Some("Нашла".to_string()), Some(NOW + 5_000))
    );
}
