//! Copying a line server (issue 17, `migrate`; the driver is `crate::transfer`) on SQLite's
//! side: every row of a table as it is stored, and rows written as they come. A call's
//! recording, kept in a file beside the database, travels as the `call_recordings.ogg` column
//! PostgreSQL keeps it in.

use std::collections::HashSet;

use rusqlite::Connection;
use rusqlite::types::{Value, ValueRef};

use super::call_repo::RecordingFiles;
use super::id;
use crate::storage::StorageError;
use crate::transfer::{Cell, RECORDING_BYTES, RowSink, TABLES, is_local, known_table};

fn cell(value: ValueRef<'_>) -> Result<Cell, StorageError> {
    Ok(match value {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(i) => Cell::Int(i),
        ValueRef::Text(t) => Cell::Text(
            std::str::from_utf8(t)
                .map_err(|e| StorageError::Corrupt(format!("a text column: {e}")))?
                .to_string(),
        ),
        ValueRef::Blob(b) => Cell::Bytes(b.to_vec()),
        ValueRef::Real(r) => {
            return Err(StorageError::Corrupt(format!(
                "a real number {r} where a line server keeps none"
            )));
        }
    })
}

fn value(cell: &Cell) -> Value {
    match cell {
        Cell::Null => Value::Null,
        Cell::Int(i) => Value::Integer(*i),
        Cell::Text(t) => Value::Text(t.clone()),
        Cell::Bytes(b) => Value::Blob(b.clone()),
    }
}

/// The first table with a row.
pub(super) fn first_table_with_rows(conn: &Connection) -> Result<Option<String>, StorageError> {
    for table in TABLES {
        let any: bool =
            conn.query_row(&format!("SELECT EXISTS (SELECT 1 FROM {table})"), [], |r| {
                r.get(0)
            })?;
        if any {
            return Ok(Some((*table).to_string()));
        }
    }
    Ok(None)
}

/// Every row of `table` to `sink`, in the order written (a group's members in the order they
/// joined); a recording's bytes as the last column.
pub(super) fn export_table(
    conn: &Connection,
    files: &RecordingFiles,
    table: &str,
    sink: RowSink<'_>,
) -> Result<(), StorageError> {
    let table = known_table(table)?;
    let order = if table == "client_group_members" {
        " ORDER BY rowid"
    } else {
        ""
    };
    let mut stmt = conn.prepare(&format!("SELECT * FROM {table}{order}"))?;
    let mut columns: Vec<String> = stmt.column_names().map(String::from).collect();
    let width = columns.len();
    let recording = (table == "call_recordings")
        .then(|| columns.iter().position(|c| c == "call_id"))
        .flatten();
    if recording.is_some() {
        columns.push(RECORDING_BYTES.to_string());
    }
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let mut cells = (0..width)
            .map(|i| cell(r.get_ref(i)?))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(at) = recording {
            let call = match cells.get(at) {
                Some(Cell::Int(call)) => id(*call),
                other => {
                    return Err(StorageError::Corrupt(format!(
                        "a recording's call id: {other:?}"
                    )));
                }
            };
            cells.push(Cell::Bytes(files.read(call)?));
        }
        sink(&columns, cells)?;
    }
    Ok(())
}

/// Write `rows` of `table` (its `columns` named) in one transaction, ids as given; a
/// recording's bytes go to its file.
pub(super) fn import_rows(
    conn: &mut Connection,
    files: &RecordingFiles,
    table: &str,
    columns: &[String],
    rows: &[Vec<Cell>],
) -> Result<(), StorageError> {
    let table = known_table(table)?;
    let have: HashSet<String> = conn
        .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut kept = Vec::new();
    let mut recording = None;
    for (i, column) in columns.iter().enumerate() {
        if is_local(table, column) {
            continue;
        }
        if have.contains(column) {
            kept.push(i);
        } else if table == "call_recordings" && column == RECORDING_BYTES {
            recording = Some(i);
        } else {
            return Err(StorageError::Invalid(format!(
                "{table}.{column} has no column in this database"
            )));
        }
    }
    let call_at = columns.iter().position(|c| c == "call_id");
    // The names are this database's own (`have`), never the caller's text.
    let names: Vec<String> = kept
        .iter()
        .map(|&i| format!("\"{}\"", columns[i]))
        .collect();
    let marks: Vec<String> = (1..=kept.len()).map(|n| format!("?{n}")).collect();
    let sql = format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        names.join(", "),
        marks.join(", ")
    );
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare(&sql)?;
        for row in rows {
            if row.len() != columns.len() {
                return Err(StorageError::Invalid(format!(
                    "a row of {table} with {} values for {} columns",
                    row.len(),
                    columns.len()
                )));
            }
            insert.execute(rusqlite::params_from_iter(
                kept.iter().map(|&i| value(&row[i])),
            ))?;
            if let (Some(at), Some(Cell::Int(call))) = (recording, call_at.map(|c| &row[c])) {
                match &row[at] {
                    Cell::Bytes(ogg) => files.write(id(*call), ogg)?,
                    other => {
                        return Err(StorageError::Invalid(format!(
                            "a recording's bytes: {other:?}"
                        )));
                    }
                }
            }
        }
    }
    tx.commit()?;
    Ok(())
}

/// `migrate` copies every table a line server keeps: a table added by a migration and not
/// listed in `transfer::TABLES` (or named in `NOT_COPIED`) would be lost silently.
#[cfg(test)]
mod tests {
    #[test]
    fn every_table_of_the_schema_is_copied_or_said_not_to_be() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("server.db");
        drop(crate::sqlite::SqliteStorage::open(&path).expect("a new server database"));
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
                !crate::transfer::TABLES.contains(&t.as_str())
                    && !crate::transfer::NOT_COPIED.contains(&t.as_str())
                    && !derived(t)
            })
            .collect();
        assert!(
            missing.is_empty(),
            "tables migrate would not copy: {missing:?}"
        );
        let unknown: Vec<&&str> = crate::transfer::TABLES
            .iter()
            .filter(|t| !tables.iter().any(|name| name == *t))
            .collect();
        assert!(
            unknown.is_empty(),
            "listed but not in the schema: {unknown:?}"
        );
    }
}
