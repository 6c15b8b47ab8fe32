//! Issue 19, upgrades: a line server database as the first server left it, kept in the
//! repository (`fixtures/server-v1.db`, made once by `fixtures/make_server_v1.py`: migration 1
//! only, its version in `user_version` as before the checksums, a line, a specialist serving
//! it, a client and the line's log in the event shapes of that time) upgrades in place to this
//! build's migrations with its data intact; a database from a newer server is refused in words.

use std::path::{Path, PathBuf};

use linedesk_protocol::Event;
use linedesk_server::auth::verify_password;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Storage, StorageError};

fn fixture_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("server.db");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/server-v1.db");
    std::fs::copy(&fixture, &path).expect("copy the fixture");
    (dir, path)
}

#[test]
fn the_database_of_the_first_server_upgrades_in_place_with_its_data() {
    let (_dir, path) = fixture_copy();
    {
        let conn = rusqlite::Connection::open(&path).expect("open the fixture");
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("user_version");
        assert_eq!(version, 1, "the fixture is at migration 1");
    }
    let s = SqliteStorage::open(&path).expect("upgrade in place");
    let lines = s.lines().expect("lines");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0].name, "Линия поддержки 2025");
    let account = s
        .account_by_login("orlova")
        .expect("account")
        .expect("the old specialist is there");
    assert!(
        verify_password("old-server-password", &account.password_hash),
        "the old password still signs in"
    );
    assert_eq!(s.lines_of(account.subject).expect("lines of"), [1]);
    let log = s.events_after(1, 0, 100).expect("the log");
    let texts: Vec<&str> = log
        .iter()
        .filter_map(|e| match &e.event {
            Event::MessagePosted { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        texts,
        [
            "Здравствуйте, не приходит выписка",
            "Добрый день! Проверю и напишу"
        ],
        "the old log reads in the new shapes: {log:?}"
    );
    drop(s);
    // Opened again: recorded, nothing to migrate, the same line.
    let again = SqliteStorage::open(&path).expect("reopen");
    assert_eq!(
        again.lines().expect("lines")[0].name,
        "Линия поддержки 2025"
    );
}

#[test]
fn a_database_from_a_newer_server_is_refused_in_words() {
    let (_dir, path) = fixture_copy();
    drop(SqliteStorage::open(&path).expect("upgrade"));
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at)
             VALUES (9999, '9999_future', 'x', 0)",
            [],
        )
        .expect("a future migration");
    }
    let before = std::fs::read(&path).expect("read");
    let err = SqliteStorage::open(&path).err().expect("refused");
    assert!(
        matches!(err, StorageError::NewerThanKnown { found: 9999, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("newer than this server"),
        "the message says why: {err}"
    );
    assert_eq!(
        std::fs::read(&path).expect("read"),
        before,
        "the file was left alone"
    );
}
