//! The line-admin role of `line_specialists` (migration 22), read and granted; what an admin
//! changes goes through the storage methods every other way of changing it uses.

use linedesk_protocol::line_admin::AdminLine;
use rusqlite::{Connection, OptionalExtension, params};

use super::{id, sql_id};
use crate::storage::StorageError;

/// Whether `specialist` serves `line`, and as its admin.
pub(super) fn line_admin_role(
    conn: &Connection,
    specialist: u64,
    line: u64,
) -> Result<Option<bool>, StorageError> {
    Ok(conn
        .prepare_cached(
            "SELECT line_admin FROM line_specialists WHERE line_id = ?1 AND specialist_id = ?2",
        )?
        .query_row(params![sql_id(line), sql_id(specialist)], |r| r.get(0))
        .optional()?)
}

pub(super) fn set_line_admin(
    conn: &Connection,
    specialist: u64,
    line: u64,
    admin: bool,
) -> Result<bool, StorageError> {
    Ok(conn.execute(
        "UPDATE line_specialists SET line_admin = ?3 WHERE line_id = ?1 AND specialist_id = ?2",
        params![sql_id(line), sql_id(specialist), admin],
    )? == 1)
}

pub(super) fn admin_lines(
    conn: &Connection,
    specialist: u64,
) -> Result<Vec<AdminLine>, StorageError> {
    Ok(conn
        .prepare_cached(
            "SELECT l.id, l.name FROM line_specialists ls JOIN lines l ON l.id = ls.line_id
             WHERE ls.specialist_id = ?1 AND ls.line_admin = 1 ORDER BY l.id",
        )?
        .query_map([sql_id(specialist)], |r| {
            Ok(AdminLine {
                line: id(r.get(0)?),
                name: r.get(1)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}
