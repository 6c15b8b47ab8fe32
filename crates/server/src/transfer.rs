//! Copying a line server from one backend to another (issue 17, `linedesk-server migrate`):
//! the tables both backends keep, in an order where every row's references come before it,
//! the values their columns hold, and the driver that copies every table of one [`Storage`]
//! into another that holds nothing yet. The backends keep the same tables with the same
//! columns (the PostgreSQL schema is the SQLite one in PostgreSQL's types), so a row travels as
//! it is stored: ids, sequence numbers, argon2 hashes, idempotency keys, fired timers. The
//! apps' cursors (a line and a sequence number) stay valid, and so do their tokens.
//!
//! A backend reads its rows with [`Storage::export_table`] and writes them with
//! [`Storage::import_rows`]; where it keeps something outside its tables (SQLite: a call's
//! recording in a file beside the database) it gives and takes it as the column the other
//! backend has (`call_recordings.ogg`). Columns only one backend has for its own bookkeeping
//! ([`LOCAL_COLUMNS`]) are left to the target's default. The login throttle's state
//! (`login_throttle`) is not copied: it is minutes of memory, not the line's.

use crate::storage::{Storage, StorageError};

/// A value of a stored row: what the backends' columns hold (SQLite keeps flags as integers,
/// PostgreSQL as booleans: both travel as [`Cell::Int`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

/// Every table a line server keeps, in an order where every row's references come first.
pub const TABLES: &[&str] = &[
    "lines",
    "specialists",
    "line_specialists",
    "clients",
    "admins",
    "tokens",
    "revocations",
    "line_heads",
    "events",
    "actions",
    "presence",
    "appeals",
    "appeal_transfers",
    "appeal_sla",
    "sla_levels",
    "ticket_queues",
    "tickets",
    "kb_articles",
    "kb_drafts",
    "files",
    "calls",
    "call_stats",
    "call_recordings",
    "remote_sessions",
    "remote_password_attempts",
    "line_settings",
    "quick_replies",
    "quick_reply_files",
    "client_groups",
    "client_group_members",
    "staff_line",
    "staff_clients",
];

/// Tables a copy leaves out: the schema's own bookkeeping, and the login throttle's counts
/// (they expire within minutes; a fresh start counts anew).
pub const NOT_COPIED: &[&str] = &["schema_migrations", "login_throttle"];

/// (table, column) that only one backend keeps, for its own bookkeeping: a target without it
/// leaves it out, a target with it takes its default. SQLite's `outcome_pending` marks SLA
/// figures to fill at open (none once open); PostgreSQL's `joined_order` numbers a group's
/// members in the order they are written (SQLite's rowid does).
pub const LOCAL_COLUMNS: &[(&str, &str)] = &[
    ("appeal_sla", "outcome_pending"),
    ("client_group_members", "joined_order"),
];

/// The column a recording's bytes travel in (`call_recordings`).
pub const RECORDING_BYTES: &str = "ogg";

/// `table` if it is one of [`TABLES`] (a backend never puts another name in its SQL).
pub fn known_table(table: &str) -> Result<&'static str, StorageError> {
    TABLES
        .iter()
        .find(|t| **t == table)
        .copied()
        .ok_or_else(|| StorageError::Invalid(format!("{table:?} is no table of a line server")))
}

/// Whether a target without `column` of `table` may leave it out.
pub fn is_local(table: &str, column: &str) -> bool {
    LOCAL_COLUMNS.contains(&(table, column))
}

/// Where every row read is given, with its table's columns.
pub type RowSink<'a> = &'a mut dyn FnMut(&[String], Vec<Cell>) -> Result<(), StorageError>;

/// What a copy did: each table and how many rows it copied, in copy order.
pub type Copied = Vec<(&'static str, u64)>;

/// Rows held before they are written (or fewer, past [`BATCH_BYTES`]).
const BATCH_ROWS: usize = 500;
/// Bytes of rows held before they are written (files and recordings are large).
const BATCH_BYTES: usize = 16 << 20;

#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error(
        "the target database is not empty (table {0} has rows): migrate copies into an empty database only"
    )]
    TargetNotEmpty(&'static str),
    #[error("table {table}: {source}")]
    Table {
        table: &'static str,
        source: StorageError,
    },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

fn size(row: &[Cell]) -> usize {
    row.iter()
        .map(|c| match c {
            Cell::Null | Cell::Int(_) => 8,
            Cell::Text(t) => t.len(),
            Cell::Bytes(b) => b.len(),
        })
        .sum()
}

/// Copy every table of `from` into `to`, which must hold nothing ([`Storage::first_table_with_rows`]):
/// each table in [`TABLES`] order, its rows written in batches; then `to` settles what it
/// derives from its rows ([`Storage::finish_import`]). `progress` hears of each table copied.
pub fn copy(
    from: &dyn Storage,
    to: &dyn Storage,
    progress: &mut dyn FnMut(&'static str, u64),
) -> Result<Copied, TransferError> {
    if let Some(table) = to.first_table_with_rows()? {
        return Err(TransferError::TargetNotEmpty(known_table(&table)?));
    }
    let mut copied = Vec::new();
    for &table in TABLES {
        let in_table = |source| TransferError::Table { table, source };
        let mut columns: Vec<String> = Vec::new();
        let mut batch: Vec<Vec<Cell>> = Vec::new();
        let mut bytes = 0;
        let mut rows = 0u64;
        from.export_table(table, &mut |cols, row| {
            if columns.is_empty() {
                columns = cols.to_vec();
            }
            bytes += size(&row);
            batch.push(row);
            rows += 1;
            if batch.len() >= BATCH_ROWS || bytes >= BATCH_BYTES {
                to.import_rows(table, &columns, &batch)?;
                batch.clear();
                bytes = 0;
            }
            Ok(())
        })
        .map_err(in_table)?;
        if !batch.is_empty() {
            to.import_rows(table, &columns, &batch).map_err(in_table)?;
        }
        progress(table, rows);
        copied.push((table, rows));
    }
    to.finish_import()?;
    Ok(copied)
}
