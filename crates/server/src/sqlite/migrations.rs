//! The server's numbered migrations (`crates/server/migrations`), applied at open in one
//! transaction and recorded with the sha256 of their SQL, as the app's store does. Opening
//! refuses, before writing anything, a database with a migration this build does not know
//! ([`StorageError::NewerThanKnown`]) or one whose shipped text changed since it was applied
//! ([`StorageError::MigrationChanged`]): a shipped migration is history and is never edited.
//!
//! Databases from before the checksums (`PRAGMA user_version` only) get the shipped checksums
//! of the versions they have recorded once, at the first open by this build.

pub use linedesk_schema::{Migration, checksum};
use linedesk_schema::{Recorded, Refusal};
use rusqlite::{Connection, OptionalExtension, params};

use crate::storage::StorageError;

macro_rules! migration {
    ($version:literal, $name:literal) => {
        Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("../../migrations/", $name, ".sql")),
        }
    };
}

pub const MIGRATIONS: &[Migration] = &[
    migration!(1, "0001_server"),
    migration!(2, "0002_routing"),
    migration!(3, "0003_client_fields"),
    migration!(4, "0004_tickets_sla"),
    migration!(5, "0005_admins"),
    migration!(6, "0006_client_profile"),
    migration!(7, "0007_calls"),
    migration!(8, "0008_call_stats"),
    migration!(9, "0009_workstation"),
    migration!(10, "0010_remote_sessions"),
    migration!(11, "0011_line_heads"),
    migration!(12, "0012_remote_password_expiry"),
    migration!(13, "0013_account_admin"),
    migration!(14, "0014_guests_ratings"),
    migration!(15, "0015_call_transfers"),
    migration!(16, "0016_unanswered"),
    migration!(17, "0017_call_far_side"),
    migration!(19, "0019_waiting"),
    migration!(20, "0020_reports"),
    migration!(21, "0021_call_consultations"),
    migration!(22, "0022_line_admin"),
    migration!(23, "0023_quick_reply_files"),
    migration!(24, "0024_appeal_types"),
    migration!(25, "0025_login_throttle"),
    migration!(26, "0026_appeal_priority"),
    migration!(27, "0027_groups"),
    migration!(28, "0028_profile_disputes"),
    migration!(29, "0029_staff_line"),
    migration!(31, "0031_consultation_joined"),
];

pub fn latest_version() -> i64 {
    linedesk_schema::latest(MIGRATIONS)
}

const TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at INTEGER NOT NULL
)";

/// The recorded migrations, oldest first.
fn recorded(conn: &Connection) -> Result<Vec<Recorded>, StorageError> {
    let exists: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if exists.is_none() {
        return Ok(Vec::new());
    }
    let mut stmt =
        conn.prepare("SELECT version, name, checksum FROM schema_migrations ORDER BY version")?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Recorded {
                version: r.get(0)?,
                name: r.get(1)?,
                checksum: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Refuse a database this build must not touch. Reads only.
pub fn check(conn: &Connection) -> Result<(), StorageError> {
    let known = latest_version();
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > known {
        return Err(StorageError::NewerThanKnown {
            found: version,
            known,
        });
    }
    linedesk_schema::check(MIGRATIONS, &recorded(conn)?).map_err(|refusal| match refusal {
        Refusal::NewerThanKnown { found, known } => StorageError::NewerThanKnown { found, known },
        Refusal::Changed { version, name } => StorageError::MigrationChanged { version, name },
    })
}

/// Check, then apply every shipped migration not applied yet, in one transaction.
pub fn migrate(conn: &mut Connection, now_ms: i64) -> Result<(), StorageError> {
    check(conn)?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let done = recorded(conn)?;
    let tx = conn.transaction()?;
    tx.execute_batch(TABLE)?;
    let record = |m: &Migration| {
        tx.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![m.version, m.name, m.checksum(), now_ms],
        )
    };
    for m in linedesk_schema::pending(MIGRATIONS, &done, latest_version()) {
        if m.version > version {
            tx.execute_batch(m.sql)?;
            tx.pragma_update(None, "user_version", m.version)?;
        }
        // Applied before the checksums were recorded (or just now): record it.
        record(m)?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_increase_from_one_and_names_are_numbered() {
        linedesk_schema::check_list(MIGRATIONS).expect("the shipped list");
    }

    #[test]
    fn every_file_in_migrations_is_shipped() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .expect("migrations dir")
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
