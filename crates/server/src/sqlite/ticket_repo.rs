//! Tickets and ticket queues over SQLite: [`TicketRepo`] for the line's ticket rules, and the
//! queues a line has. A stored ticket is the domain's value (JSON) with copies of its state,
//! queue and owner in columns for folders and queues.

use linedesk_domain::ticket::{Ticket, TicketNumber, TicketState};
use linedesk_line::{NewTicket, RepoError, TicketRepo, TicketRow};
use linedesk_protocol::Event;
use rusqlite::{Connection, OptionalExtension, params};

use super::line_repo::{SqliteRepo, run};
use super::{append_event, id, sql_id};
use crate::storage::StorageError;

pub(crate) fn state_code(state: TicketState) -> &'static str {
    match state {
        TicketState::Open => "open",
        TicketState::OpenDispatch => "open_dispatch",
        TicketState::OpenRejectReturn => "open_reject_return",
        TicketState::OpenForwarded => "open_forwarded",
        TicketState::Closed => "closed",
    }
}

fn json(e: serde_json::Error) -> RepoError {
    RepoError::new("json", e.to_string())
}

/// A new queue of `line`, announced in the line's log (`TicketQueueNamed`) so the app can
/// list the queues to dispatch to.
pub(crate) fn add_queue(
    conn: &Connection,
    line: u64,
    name: &str,
    now_ms: i64,
) -> Result<u64, StorageError> {
    let name = linedesk_line::tickets::queue_name(name)?;
    let known: Option<i64> = conn
        .query_row("SELECT 1 FROM lines WHERE id = ?1", [sql_id(line)], |r| {
            r.get(0)
        })
        .optional()?;
    if known.is_none() {
        return Err(StorageError::Invalid(format!("no line {line}")));
    }
    conn.execute(
        "INSERT INTO ticket_queues (line_id, name) VALUES (?1, ?2)",
        params![sql_id(line), name],
    )
    .map_err(|e| name_taken(e, name))?;
    let queue = id(conn.last_insert_rowid());
    append_event(
        conn,
        line,
        Event::TicketQueueNamed {
            queue,
            name: name.to_string(),
        },
        now_ms,
    )?;
    Ok(queue)
}

/// T2: queue `queue` of `line` is called `name` from now on, announced in the line's log
/// (`TicketQueueNamed` again: the apps replace the name). `false`: the line has no such queue.
pub(crate) fn rename_queue(
    conn: &Connection,
    line: u64,
    queue: u64,
    name: &str,
    now_ms: i64,
) -> Result<bool, StorageError> {
    let name = linedesk_line::tickets::queue_name(name)?;
    let renamed = conn
        .execute(
            "UPDATE ticket_queues SET name = ?3 WHERE id = ?1 AND line_id = ?2",
            params![sql_id(queue), sql_id(line), name],
        )
        .map_err(|e| name_taken(e, name))?;
    if renamed == 0 {
        return Ok(false);
    }
    append_event(
        conn,
        line,
        Event::TicketQueueNamed {
            queue,
            name: name.to_string(),
        },
        now_ms,
    )?;
    Ok(true)
}

/// A queue of the line already has `name` (the unique index refused it); any other failure
/// as it is.
fn name_taken(e: rusqlite::Error, name: &str) -> StorageError {
    match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StorageError::Exists {
                what: "queue",
                name: name.to_string(),
            }
        }
        other => other.into(),
    }
}

pub(crate) fn queues(conn: &Connection, line: u64) -> Result<Vec<(u64, String)>, StorageError> {
    let mut stmt =
        conn.prepare_cached("SELECT id, name FROM ticket_queues WHERE line_id = ?1 ORDER BY id")?;
    let rows = stmt
        .query_map([sql_id(line)], |r| Ok((id(r.get(0)?), r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

impl TicketRepo for SqliteRepo<'_> {
    fn ticket(&mut self, ticket: u64) -> Result<Option<TicketRow>, RepoError> {
        let found: Option<(i64, i64, Option<i64>, String)> = run(|| {
            self.tx
                .query_row(
                    "SELECT line_id, client_id, due_at, body FROM tickets WHERE id = ?1",
                    [sql_id(ticket)],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()
        })?;
        found
            .map(|(line, client, due_ms, body)| {
                Ok(TicketRow {
                    id: ticket,
                    line: id(line),
                    client: id(client),
                    due_ms,
                    ticket: serde_json::from_str(&body).map_err(json)?,
                })
            })
            .transpose()
    }

    fn queue_dispute_line(&mut self, queue: u64) -> Result<Option<u64>, RepoError> {
        run(|| {
            self.tx
                .prepare_cached("SELECT dispute_line FROM ticket_queues WHERE id = ?1")?
                .query_row([sql_id(queue)], |r| r.get::<_, Option<i64>>(0))
                .optional()
        })
        .map(|found| found.flatten().map(super::id))
    }

    fn queue_on_line(&mut self, queue: u64, line: u64) -> Result<bool, RepoError> {
        run(|| {
            Ok(self
                .tx
                .query_row(
                    "SELECT 1 FROM ticket_queues WHERE id = ?1 AND line_id = ?2",
                    params![sql_id(queue), sql_id(line)],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?
                .is_some())
        })
    }

    fn last_ticket_number(&mut self) -> Result<Option<TicketNumber>, RepoError> {
        let last: Option<(i64, i64)> = run(|| {
            self.tx
                .query_row(
                    "SELECT year, seq FROM tickets ORDER BY year DESC, seq DESC LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
        })?;
        last.map(|(year, seq)| {
            Ok(TicketNumber {
                year: u16::try_from(year)
                    .map_err(|_| RepoError::new("corrupt", format!("ticket year {year}")))?,
                seq: u32::try_from(seq)
                    .map_err(|_| RepoError::new("corrupt", format!("ticket number {seq}")))?,
            })
        })
        .transpose()
    }

    fn insert_ticket(&mut self, t: &NewTicket<'_>) -> Result<u64, RepoError> {
        let body = serde_json::to_string(t.ticket).map_err(json)?;
        run(|| {
            self.tx.execute(
                "INSERT INTO tickets (line_id, client_id, appeal_id, year, seq, subject, text,
                     state, queue_id, creator, owner, due_at, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, ?9, ?9, ?10, ?11)",
                params![
                    sql_id(t.line),
                    sql_id(t.client),
                    t.appeal.map(sql_id),
                    t.ticket.number.year,
                    t.ticket.number.seq,
                    t.subject,
                    t.text,
                    state_code(t.ticket.state()),
                    sql_id(t.creator),
                    t.due_ms,
                    body
                ],
            )?;
            Ok(id(self.tx.last_insert_rowid()))
        })
    }

    fn put_ticket(&mut self, ticket: u64, value: &Ticket) -> Result<(), RepoError> {
        let body = serde_json::to_string(value).map_err(json)?;
        run(|| {
            self.tx.execute(
                "UPDATE tickets SET state = ?2, queue_id = ?3, owner = ?4, body = ?5
                 WHERE id = ?1",
                params![
                    sql_id(ticket),
                    state_code(value.state()),
                    value.queue().map(|q| sql_id(q.0)),
                    sql_id(value.owner().0),
                    body
                ],
            )?;
            Ok(())
        })
    }
}
