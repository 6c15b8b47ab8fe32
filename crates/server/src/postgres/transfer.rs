//! Copying a line server (issue 17, `migrate`; the driver is `crate::transfer`) on
//! PostgreSQL's side: every row of a table as it is stored (flags as integers, as SQLite keeps
//! them), rows written as they come with each value in its column's type, and afterwards the
//! identity sequences moved past the ids written.

use tokio_postgres::types::ToSql;

use super::db::Db;
use crate::storage::StorageError;
use crate::transfer::{Cell, RowSink, TABLES, is_local, known_table};

/// Parameters one statement may carry (PostgreSQL's wire protocol counts them in 16 bits).
const MAX_PARAMS: usize = 65_535;
/// Rows one INSERT writes at most.
const ROWS_PER_INSERT: usize = 500;

/// The types a line server's columns have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Big,
    Int,
    Flag,
    Text,
    Bytes,
}

/// `table`'s columns in order, with their types.
fn columns(db: &Db, table: &str) -> Result<Vec<(String, Kind)>, StorageError> {
    db.rows(
        "SELECT column_name::text, data_type::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        &[&table],
    )?
    .iter()
    .map(|r| {
        let (name, kind): (String, String) = (r.get(0), r.get(1));
        let kind = match kind.as_str() {
            "bigint" => Kind::Big,
            "integer" => Kind::Int,
            "boolean" => Kind::Flag,
            "text" => Kind::Text,
            "bytea" => Kind::Bytes,
            other => {
                return Err(StorageError::Corrupt(format!(
                    "{table}.{name} is of type {other}, which a line server does not keep"
                )));
            }
        };
        Ok((name, kind))
    })
    .collect()
}

fn cell(row: &tokio_postgres::Row, i: usize, kind: Kind) -> Result<Cell, StorageError> {
    let int = |v: Option<i64>| v.map_or(Cell::Null, Cell::Int);
    Ok(match kind {
        Kind::Big => int(row.try_get::<_, Option<i64>>(i)?),
        Kind::Int => int(row.try_get::<_, Option<i32>>(i)?.map(i64::from)),
        Kind::Flag => int(row.try_get::<_, Option<bool>>(i)?.map(i64::from)),
        Kind::Text => row
            .try_get::<_, Option<String>>(i)?
            .map_or(Cell::Null, Cell::Text),
        Kind::Bytes => row
            .try_get::<_, Option<Vec<u8>>>(i)?
            .map_or(Cell::Null, Cell::Bytes),
    })
}

/// `cell` as a parameter for a column of `kind`.
fn param(cell: &Cell, kind: Kind, column: &str) -> Result<Box<dyn ToSql + Sync>, StorageError> {
    let wrong = || StorageError::Invalid(format!("{column}: {cell:?} does not fit a {kind:?}"));
    Ok(match (kind, cell) {
        (Kind::Big, Cell::Null) => Box::new(None::<i64>),
        (Kind::Big, Cell::Int(v)) => Box::new(*v),
        (Kind::Int, Cell::Null) => Box::new(None::<i32>),
        (Kind::Int, Cell::Int(v)) => Box::new(i32::try_from(*v).map_err(|_| wrong())?),
        (Kind::Flag, Cell::Null) => Box::new(None::<bool>),
        (Kind::Flag, Cell::Int(v)) => Box::new(*v != 0),
        (Kind::Text, Cell::Null) => Box::new(None::<String>),
        (Kind::Text, Cell::Text(v)) => Box::new(v.clone()),
        (Kind::Bytes, Cell::Null) => Box::new(None::<Vec<u8>>),
        (Kind::Bytes, Cell::Bytes(v)) => Box::new(v.clone()),
        _ => return Err(wrong()),
    })
}

/// The first table with a row.
pub(super) fn first_table_with_rows(db: &Db) -> Result<Option<String>, StorageError> {
    for table in TABLES {
        let any: bool = db
            .one(&format!("SELECT EXISTS (SELECT 1 FROM {table})"), &[])?
            .get(0);
        if any {
            return Ok(Some((*table).to_string()));
        }
    }
    Ok(None)
}

/// Every row of `table` to `sink` (a group's members in the order they joined), streamed.
pub(super) fn export_table(db: &Db, table: &str, sink: RowSink<'_>) -> Result<(), StorageError> {
    let table = known_table(table)?;
    let columns = columns(db, table)?;
    let names: Vec<String> = columns.iter().map(|(n, _)| n.clone()).collect();
    let order = if table == "client_group_members" {
        " ORDER BY joined_order"
    } else {
        ""
    };
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    let sql = format!("SELECT {} FROM {table}{order}", quoted.join(", "));
    db.each_row(&sql, &mut |row| {
        let cells = columns
            .iter()
            .enumerate()
            .map(|(i, (_, kind))| cell(row, i, *kind))
            .collect::<Result<Vec<_>, _>>()?;
        sink(&names, cells)
    })
}

/// Write `rows` of `table` (its `columns` named) in one transaction, ids as given.
pub(super) fn import_rows(
    db: &Db,
    table: &str,
    columns: &[String],
    rows: &[Vec<Cell>],
) -> Result<(), StorageError> {
    let table = known_table(table)?;
    let have = self::columns(db, table)?;
    let mut kept = Vec::new();
    for (i, column) in columns.iter().enumerate() {
        if is_local(table, column) {
            continue;
        }
        match have.iter().find(|(name, _)| name == column) {
            Some((name, kind)) => kept.push((i, name.as_str(), *kind)),
            None => {
                return Err(StorageError::Invalid(format!(
                    "{table}.{column} has no column in this database"
                )));
            }
        }
    }
    // The names are this database's own (`have`), never the caller's text.
    let names: Vec<String> = kept.iter().map(|(_, n, _)| format!("\"{n}\"")).collect();
    // Many rows a statement (a round trip each, not one a row), within PostgreSQL's limit of
    // parameters.
    let per = (MAX_PARAMS / kept.len().max(1)).clamp(1, ROWS_PER_INSERT);
    db.transaction(|db| {
        for chunk in rows.chunks(per) {
            let mut params = Vec::with_capacity(chunk.len() * kept.len());
            let mut tuples = Vec::with_capacity(chunk.len());
            for row in chunk {
                if row.len() != columns.len() {
                    return Err(StorageError::Invalid(format!(
                        "a row of {table} with {} values for {} columns",
                        row.len(),
                        columns.len()
                    )));
                }
                let first = params.len();
                for (i, name, kind) in &kept {
                    params.push(param(&row[*i], *kind, name)?);
                }
                let marks: Vec<String> = (first + 1..=params.len())
                    .map(|n| format!("${n}"))
                    .collect();
                tuples.push(format!("({})", marks.join(", ")));
            }
            let sql = format!(
                "INSERT INTO {table} ({}) VALUES {}",
                names.join(", "),
                tuples.join(", ")
            );
            let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref()).collect();
            db.exec(&sql, &refs)?;
        }
        Ok(())
    })
}

/// Move every identity sequence past the largest id its table holds.
pub(super) fn settle_ids(db: &Db) -> Result<(), StorageError> {
    let identities = db.rows(
        "SELECT table_name::text, column_name::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND is_identity = 'YES'
           AND identity_generation = 'BY DEFAULT'",
        &[],
    )?;
    for r in identities {
        let (table, column): (String, String) = (r.get(0), r.get(1));
        // Only the line server's own tables (not the migrations' record).
        let Ok(table) = known_table(&table) else {
            continue;
        };
        if !columns(db, table)?.iter().any(|(name, _)| *name == column) {
            continue;
        }
        db.one(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{column}'),
                               COALESCE(MAX(\"{column}\"), 1), MAX(\"{column}\") IS NOT NULL)
                 FROM {table}"
            ),
            &[],
        )?;
    }
    Ok(())
}
