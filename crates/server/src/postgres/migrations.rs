//! The PostgreSQL backend's numbered migrations (`crates/server/migrations-pg`), applied at
//! open in one transaction and recorded with the sha256 of their SQL in `schema_migrations`,
//! under the rules every backend shares (`linedesk-schema`): a database that recorded a
//! migration this build does not know ([`StorageError::NewerThanKnown`]) or whose shipped
//! text changed ([`StorageError::MigrationChanged`]) is refused and nothing is written. Servers
//! starting at once take turns: the transaction holds an advisory lock.

pub use linedesk_schema::{Migration, checksum};
use linedesk_schema::{Recorded, Refusal};

use super::db::Db;
use crate::storage::StorageError;

macro_rules! migration {
    ($version:literal, $name:literal) => {
        Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("../../migrations-pg/", $name, ".sql")),
        }
    };
}

pub const MIGRATIONS: &[Migration] = &[
    migration!(1, "0001_line_server"),
    migration!(2, "0002_recording_bytes"),
    migration!(3, "0003_event_notify"),
    migration!(4, "0004_groups_profile_disputes"),
    migration!(5, "0005_login_throttle"),
    migration!(6, "0006_staff_line"),
    migration!(7, "0007_consultation_joined"),
    migration!(10, "0010_relayed_signals"),
];

/// The advisory lock of migrating (any number the other users of the database do not take).
const MIGRATION_LOCK: i64 = 0x6c69_6e65_6465_736b; // "linedesk"

pub fn latest_version() -> i64 {
    linedesk_schema::latest(MIGRATIONS)
}

fn recorded(db: &Db) -> Result<Vec<Recorded>, StorageError> {
    let exists: bool = db
        .one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])?
        .get(0);
    if !exists {
        return Ok(Vec::new());
    }
    Ok(db
        .rows(
            "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
            &[],
        )?
        .iter()
        .map(|r| Recorded {
            version: r.get(0),
            name: r.get(1),
            checksum: r.get(2),
        })
        .collect())
}

fn refused(refusal: Refusal) -> StorageError {
    match refusal {
        Refusal::NewerThanKnown { found, known } => StorageError::NewerThanKnown { found, known },
        Refusal::Changed { version, name } => StorageError::MigrationChanged { version, name },
    }
}

/// Check, then apply every shipped migration not applied yet, in one transaction.
pub(crate) fn migrate(db: &Db, now_ms: i64) -> Result<(), StorageError> {
    db.transaction(|db| {
        db.exec("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
        let done = recorded(db)?;
        linedesk_schema::check(MIGRATIONS, &done).map_err(refused)?;
        db.batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version BIGINT PRIMARY KEY,
                 name TEXT NOT NULL,
                 checksum TEXT NOT NULL,
                 applied_at BIGINT NOT NULL
             )",
        )?;
        for m in linedesk_schema::pending(MIGRATIONS, &done, latest_version()) {
            db.batch(m.sql)?;
            db.exec(
                "INSERT INTO schema_migrations (version, name, checksum, applied_at)
                 VALUES ($1, $2, $3, $4)",
                &[&m.version, &m.name, &m.checksum(), &now_ms],
            )?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_increase_from_one_and_names_are_numbered() {
        linedesk_schema::check_list(MIGRATIONS).expect("the shipped list");
    }

    #[test]
    fn every_file_in_migrations_pg_is_shipped() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations-pg");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .expect("migrations-pg dir")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let shipped: Vec<String> = MIGRATIONS
            .iter()
            .map(|m| format!("{}.sql", m.name))
            .collect();
        assert_eq!(files, shipped);
    }
}
