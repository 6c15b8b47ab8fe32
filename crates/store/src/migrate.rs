//! Numbered migrations from `migrations/`, applied at open in one transaction.
//!
//! Each applied migration is recorded with the sha256 of its SQL. Opening refuses, before
//! writing anything, a database that has a migration this build does not know
//! ([`StoreError::NewerThanKnown`]) or one whose text changed since it was applied
//! ([`StoreError::MigrationChanged`]): a shipped migration is history and is never edited.

pub use linedesk_schema::{Migration, checksum};
use linedesk_schema::{Recorded, Refusal};
use rusqlite::{Connection, OptionalExtension};

use crate::error::{Result, StoreError};

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_initial",
        sql: include_str!("../../../migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "0002_search",
        sql: include_str!("../../../migrations/0002_search.sql"),
    },
    Migration {
        version: 3,
        name: "0003_drafts",
        sql: include_str!("../../../migrations/0003_drafts.sql"),
    },
    Migration {
        version: 4,
        name: "0004_outbox_failures",
        sql: include_str!("../../../migrations/0004_outbox_failures.sql"),
    },
    Migration {
        version: 5,
        name: "0005_replica",
        sql: include_str!("../../../migrations/0005_replica.sql"),
    },
    Migration {
        version: 6,
        name: "0006_appeal_state",
        sql: include_str!("../../../migrations/0006_appeal_state.sql"),
    },
    Migration {
        version: 7,
        name: "0007_colleagues",
        sql: include_str!("../../../migrations/0007_colleagues.sql"),
    },
    Migration {
        version: 8,
        name: "0008_reference",
        sql: include_str!("../../../migrations/0008_reference.sql"),
    },
    Migration {
        version: 9,
        name: "0009_calls",
        sql: include_str!("../../../migrations/0009_calls.sql"),
    },
    Migration {
        version: 10,
        name: "0010_tickets",
        sql: include_str!("../../../migrations/0010_tickets.sql"),
    },
    Migration {
        version: 11,
        name: "0011_workstation",
        sql: include_str!("../../../migrations/0011_workstation.sql"),
    },
    Migration {
        version: 12,
        name: "0012_remote_sessions",
        sql: include_str!("../../../migrations/0012_remote_sessions.sql"),
    },
    Migration {
        version: 13,
        name: "0013_appeal_notes",
        sql: include_str!("../../../migrations/0013_appeal_notes.sql"),
    },
    Migration {
        version: 14,
        name: "0014_guest_clients",
        sql: include_str!("../../../migrations/0014_guest_clients.sql"),
    },
    Migration {
        version: 17,
        name: "0017_call_quality",
        sql: include_str!("../../../migrations/0017_call_quality.sql"),
    },
    Migration {
        version: 18,
        name: "0018_recording_gaps",
        sql: include_str!("../../../migrations/0018_recording_gaps.sql"),
    },
    Migration {
        version: 19,
        name: "0019_waiting",
        sql: include_str!("../../../migrations/0019_waiting.sql"),
    },
    Migration {
        version: 20,
        name: "0020_quick_reply_files",
        sql: include_str!("../../../migrations/0020_quick_reply_files.sql"),
    },
    Migration {
        version: 21,
        name: "0021_appeal_types",
        sql: include_str!("../../../migrations/0021_appeal_types.sql"),
    },
    Migration {
        version: 22,
        name: "0022_upload_held",
        sql: include_str!("../../../migrations/0022_upload_held.sql"),
    },
    Migration {
        version: 23,
        name: "0023_desk_list_and_hold",
        sql: include_str!("../../../migrations/0023_desk_list_and_hold.sql"),
    },
    Migration {
        version: 24,
        name: "0024_companies_by_name",
        sql: include_str!("../../../migrations/0024_companies_by_name.sql"),
    },
    Migration {
        version: 25,
        name: "0025_notices",
        sql: include_str!("../../../migrations/0025_notices.sql"),
    },
    Migration {
        version: 26,
        name: "0026_client_search_numbers",
        sql: include_str!("../../../migrations/0026_client_search_numbers.sql"),
    },
    Migration {
        version: 27,
        name: "0027_history_search_yo",
        sql: include_str!("../../../migrations/0027_history_search_yo.sql"),
    },
    Migration {
        version: 28,
        name: "0028_groups",
        sql: include_str!("../../../migrations/0028_groups.sql"),
    },
    Migration {
        version: 29,
        name: "0029_colleague_profile",
        sql: include_str!("../../../migrations/0029_colleague_profile.sql"),
    },
    Migration {
        version: 30,
        name: "0030_client_search_prefixes",
        sql: include_str!("../../../migrations/0030_client_search_prefixes.sql"),
    },
    Migration {
        version: 31,
        name: "0031_voice_processing_on",
        sql: include_str!("../../../migrations/0031_voice_processing_on.sql"),
    },
    Migration {
        version: 33,
        name: "0033_client_index_deferred",
        sql: include_str!("../../../migrations/0033_client_index_deferred.sql"),
    },
    Migration {
        version: 35,
        name: "0035_staff_help",
        sql: include_str!("../../../migrations/0035_staff_help.sql"),
    },
];

pub fn latest_version() -> i64 {
    linedesk_schema::latest(MIGRATIONS)
}

/// The migrations already applied; empty for a new database.
fn applied(conn: &Connection) -> Result<Vec<Recorded>> {
    let exists: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
            [],
            |row| row.get(0),
        )
        .optional()?;
    if exists.is_none() {
        return Ok(Vec::new());
    }
    let mut stmt =
        conn.prepare("SELECT version, name, checksum FROM schema_migrations ORDER BY version")?;
    let rows = stmt
        .query_map([], |row| {
            Ok(Recorded {
                version: row.get(0)?,
                name: row.get(1)?,
                checksum: row.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Refuse a database this build must not touch. Reads only.
pub fn check(conn: &Connection) -> Result<()> {
    linedesk_schema::check(MIGRATIONS, &applied(conn)?).map_err(|refusal| match refusal {
        Refusal::NewerThanKnown { found, known } => StoreError::NewerThanKnown { found, known },
        Refusal::Changed { version, name } => StoreError::MigrationChanged { version, name },
    })
}

/// Apply every shipped migration up to `target` that is not applied yet, in one transaction.
pub fn migrate(conn: &mut Connection, target: i64) -> Result<()> {
    check(conn)?;
    let done = applied(conn)?;
    let tx = conn.transaction()?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            checksum TEXT NOT NULL,
            applied_at INTEGER NOT NULL
        )",
    )?;
    for migration in linedesk_schema::pending(MIGRATIONS, &done, target) {
        tx.execute_batch(migration.sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at)
             VALUES (?1, ?2, ?3, CAST(unixepoch('subsec') * 1000 AS INTEGER))",
            rusqlite::params![migration.version, migration.name, migration.checksum()],
        )?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_increase_from_one_and_names_match_files() {
        linedesk_schema::check_list(MIGRATIONS).expect("the shipped list");
    }
}
