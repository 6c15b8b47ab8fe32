//! Issue 19, upgrades: an app store as the first release left it, kept in the repository
//! (`fixtures/store-v1.db`, made once by `fixtures/make_store_v1.py`: migration 1 only, a line,
//! a company, two clients, a conversation of two messages, the specialist Busy) upgrades in
//! place to this build's migrations with its data intact; a store from a newer app is refused.

use std::path::{Path, PathBuf};

use linedesk_domain::presence::PresenceStatus;
use linedesk_store::{Store, StoreError};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-v1.db")
}

#[test]
fn the_store_of_the_first_release_upgrades_in_place_with_its_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("linedesk.db");
    std::fs::copy(fixture(), &path).expect("copy the fixture");
    {
        let conn = rusqlite::Connection::open(&path).expect("open the fixture");
        let version: i64 = conn
            .query_row("SELECT MAX(version) FROM schema_migrations", [], |r| {
                r.get(0)
            })
            .expect("the fixture's version");
        assert_eq!(version, 1, "the fixture is at migration 1");
    }
    let store = Store::open(&path).expect("upgrade in place");
    assert_eq!(
        store.schema_version().expect("version"),
        linedesk_store::migrate::latest_version()
    );
    assert_eq!(store.presence().expect("presence"), PresenceStatus::Busy);
    let lines = store.lines().expect("lines");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0].name, "Линия поддержки 2025");
    assert_eq!(lines[0].client_count, 2);
    let found = store
        .search_clients(lines[0].id, "Иванова", 10)
        .expect("search");
    assert!(
        found.iter().any(|c| c.name == "Иванова Мария"),
        "the old client is found by the later search index: {found:?}"
    );
    let hits = store
        .search_history(lines[0].id, None, "выписк", 10)
        .expect("history search");
    assert!(!hits.is_empty(), "the old messages are searchable");
    drop(store);
    // Opened again: nothing left to migrate, the same data.
    let again = Store::open(&path).expect("reopen");
    assert_eq!(again.lines().expect("lines")[0].client_count, 2);
}

/// A store a newer app migrated is refused untouched, with a message that says so.
#[test]
fn a_store_from_a_newer_app_is_refused_in_words() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("linedesk.db");
    std::fs::copy(fixture(), &path).expect("copy the fixture");
    {
        let conn = rusqlite::Connection::open(&path).expect("open the fixture");
        conn.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at)
             VALUES (9999, '9999_future', 'x', 0)",
            [],
        )
        .expect("a future migration");
    }
    let before = std::fs::read(&path).expect("read");
    let err = Store::open(&path).err().expect("refused");
    assert!(
        matches!(err, StoreError::NewerThanKnown { found: 9999, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("9999"),
        "the message names the version: {err}"
    );
    assert_eq!(
        std::fs::read(&path).expect("read"),
        before,
        "the file was left alone"
    );
}
