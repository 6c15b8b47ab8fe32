//! `migrate` copies every table a line server keeps: a table added by a migration and not
//! listed in `transfer::TABLES` (or named in `NOT_COPIED`) would be lost silently.

use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::transfer::{NOT_COPIED, TABLES};

#[test]
fn every_table_of_the_schema_is_copied_or_said_not_to_be() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("server.db");
    drop(SqliteStorage::open(&path).expect("a new server database"));
    let conn = rusqlite::Connection::open(&path).expect("open");
    let mut stmt = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
             ORDER BY name",
        )
        .expect("prepare");
    let tables: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("names");
    // A full-text index (a virtual table and its shadow tables) is built by the target from
    // the rows it indexes.
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'")
        .expect("prepare");
    let indexes: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("names");
    let derived = |t: &str| {
        indexes
            .iter()
            .any(|index| t == index || t.starts_with(&format!("{index}_")))
    };
    let missing: Vec<&String> = tables
        .iter()
        .filter(|t| {
            !TABLES.contains(&t.as_str()) && !NOT_COPIED.contains(&t.as_str()) && !derived(t)
        })
        .collect();
    assert!(
        missing.is_empty(),
        "tables migrate would not copy: {missing:?}"
    );
    let unknown: Vec<&&str> = TABLES
        .iter()
        .filter(|t| !tables.iter().any(|name| name == *t))
        .collect();
    assert!(
        unknown.is_empty(),
        "listed but not in the schema: {unknown:?}"
    );
}
