//! The checks before a contact with a client outside an action's transaction (a remote
//! session password is checked before its action runs): the client is on the line and the
//! specialist serves it. Inside an action, `linedesk_line::Work::may_contact` checks the same.

use rusqlite::{Connection, OptionalExtension, params};

use crate::sqlite::sql_id;
use crate::storage::StorageError;

/// `client` is on `line`; otherwise the action is invalid.
pub(crate) fn client_on_line(
    conn: &Connection,
    line: u64,
    client: u64,
) -> Result<(), StorageError> {
    let on_line: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM clients WHERE id = ?1 AND line_id = ?2",
            params![sql_id(client), sql_id(line)],
            |r| r.get(0),
        )
        .optional()?;
    if on_line.is_none() {
        return Err(StorageError::Invalid(format!(
            "client {client} is not on line {line}"
        )));
    }
    Ok(())
}

/// `specialist` serves `line` (else forbidden) and `client` is on it (else invalid).
pub(crate) fn may_contact(
    conn: &Connection,
    specialist: u64,
    line: u64,
    client: u64,
) -> Result<(), StorageError> {
    let serves: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM line_specialists WHERE line_id = ?1 AND specialist_id = ?2",
            params![sql_id(line), sql_id(specialist)],
            |r| r.get(0),
        )
        .optional()?;
    if serves.is_none() {
        return Err(StorageError::Forbidden(line));
    }
    client_on_line(conn, line, client)
}
