//! How a contact with a client (a message, a call, a file, a remote session) reaches the
//! client's appeal (A1): the checks that the client is on the line and that the specialist
//! serves it, and "the open appeal, or a new one routed now" (A2) from either side.

use std::collections::HashMap;

use linedesk_domain::ids::SpecialistId;
use linedesk_domain::routing::Dispatcher;
use linedesk_protocol::AppealChannel;
use rusqlite::{Connection, OptionalExtension, params};

use crate::actions::Work;
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

impl Work<'_> {
    /// The client reached out by `channel`: their open appeal (P4: its holder may no longer
    /// take that), or a new one that routing assigns or queues.
    pub(crate) fn appeal_from_client(
        &mut self,
        line: u64,
        client: u64,
        channel: AppealChannel,
        live: &HashMap<u64, Dispatcher>,
    ) -> Result<u64, StorageError> {
        match self.open_appeal_of(line, client)? {
            Some(appeal) => {
                self.client_activity(line, appeal, live)?;
                Ok(appeal)
            }
            None => self.open_appeal_via(line, client, channel, Vec::new(), live),
        }
    }

    /// `specialist` reached out to the client by `channel`: the client's open appeal as it
    /// is, or a new one routed to `specialist` first.
    pub(crate) fn appeal_from_specialist(
        &mut self,
        line: u64,
        client: u64,
        channel: AppealChannel,
        specialist: u64,
        live: &HashMap<u64, Dispatcher>,
    ) -> Result<u64, StorageError> {
        match self.open_appeal_of(line, client)? {
            Some(appeal) => Ok(appeal),
            None => {
                self.open_appeal_via(line, client, channel, vec![SpecialistId(specialist)], live)
            }
        }
    }
}
