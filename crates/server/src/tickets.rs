//! Tickets (T1-T5) and ticket queues. Every transition is the domain's [`Ticket`] method; the
//! stored ticket is the domain's value (JSON) with copies of its state, queue and owner in
//! columns for folders and queues. Each new history entry becomes one event.

use chrono::Datelike;
use linedesk_domain::ids::{ClientId, QueueId, SpecialistId};
use linedesk_domain::ticket::{
    RepeatRequest, Ticket, TicketError, TicketNumber, TicketState, next_ticket_number,
};
use linedesk_protocol::{Action, Event, MAX_MESSAGE_CHARS};
use rusqlite::{Connection, OptionalExtension, params};

use crate::contact;
use crate::sla::{instant, ticket_deadline};
use crate::sqlite::batch::{Work, append_event, specialist_only};
use crate::sqlite::{id, sql_id};
use crate::storage::{StorageError, Subject};

/// The queue every line has from its creation.
pub const DEFAULT_TICKET_QUEUE: &str = "Первая линия";

/// Longest ticket subject, in characters.
pub const MAX_SUBJECT_CHARS: usize = 200;

fn state_code(state: TicketState) -> &'static str {
    match state {
        TicketState::Open => "open",
        TicketState::OpenDispatch => "open_dispatch",
        TicketState::OpenRejectReturn => "open_reject_return",
        TicketState::OpenForwarded => "open_forwarded",
        TicketState::Closed => "closed",
    }
}

fn refused(e: TicketError) -> StorageError {
    StorageError::Invalid(e.to_string())
}

fn corrupt(e: serde_json::Error) -> StorageError {
    StorageError::Corrupt(e.to_string())
}

/// A new queue of `line`, announced in the line's log (`TicketQueueNamed`) so the app can
/// list the queues to dispatch to.
pub(crate) fn add_queue(
    conn: &Connection,
    line: u64,
    name: &str,
    now_ms: i64,
) -> Result<u64, StorageError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(StorageError::Invalid("a queue needs a name".into()));
    }
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
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StorageError::Exists {
                what: "queue",
                name: name.to_string(),
            }
        }
        other => other.into(),
    })?;
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

pub(crate) fn queues(conn: &Connection, line: u64) -> Result<Vec<(u64, String)>, StorageError> {
    let mut stmt =
        conn.prepare_cached("SELECT id, name FROM ticket_queues WHERE line_id = ?1 ORDER BY id")?;
    let rows = stmt
        .query_map([sql_id(line)], |r| Ok((id(r.get(0)?), r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// A stored ticket: its line, client, deadline and the domain value.
struct Stored {
    line: u64,
    client: u64,
    due_at: Option<i64>,
    ticket: Ticket,
}

fn load(w: &Work<'_>, ticket: u64) -> Result<Stored, StorageError> {
    let (line, client, due_at, body): (i64, i64, Option<i64>, String) = w
        .repo
        .tx
        .query_row(
            "SELECT line_id, client_id, due_at, body FROM tickets WHERE id = ?1",
            [sql_id(ticket)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?
        .ok_or_else(|| StorageError::Invalid(format!("no ticket {ticket}")))?;
    Ok(Stored {
        line: id(line),
        client: id(client),
        due_at,
        ticket: serde_json::from_str(&body).map_err(corrupt)?,
    })
}

fn queue_on_line(w: &Work<'_>, queue: u64, line: u64) -> Result<QueueId, StorageError> {
    let found: Option<i64> = w
        .repo
        .tx
        .query_row(
            "SELECT 1 FROM ticket_queues WHERE id = ?1 AND line_id = ?2",
            params![sql_id(queue), sql_id(line)],
            |r| r.get(0),
        )
        .optional()?;
    found
        .map(|_| QueueId(queue))
        .ok_or_else(|| StorageError::Invalid(format!("no ticket queue {queue} on line {line}")))
}

fn checked(text: &str, what: &str, max: usize) -> Result<String, StorageError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > max {
        return Err(StorageError::Invalid(format!(
            "a ticket's {what} is 1 to {max} characters"
        )));
    }
    Ok(text.to_string())
}

pub(crate) fn apply(w: &mut Work<'_>, actor: Subject, action: &Action) -> Result<(), StorageError> {
    let by = SpecialistId(specialist_only(actor)?);
    if let Action::CreateTicket {
        line,
        client,
        appeal,
        subject,
        text,
    } = action
    {
        return create(w, by, *line, *client, *appeal, subject, text);
    }
    let ticket = match action {
        Action::SaveTicket { ticket }
        | Action::DispatchTicket { ticket, .. }
        | Action::TakeTicket { ticket }
        | Action::RejectTicket { ticket, .. }
        | Action::ForwardTicket { ticket, .. }
        | Action::CommentTicket { ticket, .. }
        | Action::RepeatTicket { ticket, .. }
        | Action::CloseTicket { ticket } => *ticket,
        _ => return Err(StorageError::Invalid("not a ticket action".into())),
    };
    let mut s = load(w, ticket)?;
    if !w.serves(by.0, s.line)? {
        return Err(StorageError::Forbidden(s.line));
    }
    let at = instant(w.now_ms)?;
    let before = s.ticket.history().len();
    let t = &mut s.ticket;
    match action {
        Action::SaveTicket { .. } => t.save(by, at).map(|_| ()),
        Action::DispatchTicket { queue, .. } => {
            t.dispatch(queue_on_line(w, *queue, s.line)?, by, at)
        }
        Action::TakeTicket { .. } => t.take(by, at),
        Action::RejectTicket { reason, .. } => t.reject(by, reason, at),
        Action::ForwardTicket { queue, .. } => t.forward(queue_on_line(w, *queue, s.line)?, by, at),
        Action::CommentTicket { text, .. } => t.comment(by, text, at),
        Action::RepeatTicket {
            comment,
            client_insists,
            ..
        } => {
            let request = RepeatRequest {
                by,
                comment,
                deadline: s.due_at.map(instant).transpose()?,
                client_insists: *client_insists,
            };
            t.repeat_request(request, at).map(|_| ())
        }
        Action::CloseTicket { .. } => t.close(by, at),
        _ => Ok(()),
    }
    .map_err(refused)?;
    w.repo.tx.execute(
        "UPDATE tickets SET state = ?2, queue_id = ?3, owner = ?4, body = ?5 WHERE id = ?1",
        params![
            sql_id(ticket),
            state_code(s.ticket.state()),
            s.ticket.queue().map(|q| sql_id(q.0)),
            sql_id(s.ticket.owner().0),
            serde_json::to_string(&s.ticket).map_err(corrupt)?
        ],
    )?;
    for entry in s.ticket.history()[before..].iter().cloned() {
        w.append(
            s.line,
            Event::TicketChanged {
                ticket,
                number: s.ticket.number,
                client: s.client,
                state: s.ticket.state(),
                queue: s.ticket.queue().map(|q| q.0),
                repeat: s.ticket.is_repeat(),
                entry,
            },
        )?;
    }
    Ok(())
}

/// T1: register a ticket with the next readable number (`26-000042`, per year, server-wide).
fn create(
    w: &mut Work<'_>,
    by: SpecialistId,
    line: u64,
    client: u64,
    appeal: Option<u64>,
    subject: &str,
    text: &str,
) -> Result<(), StorageError> {
    if !w.serves(by.0, line)? {
        return Err(StorageError::Forbidden(line));
    }
    let subject = checked(subject, "subject", MAX_SUBJECT_CHARS)?;
    let text = checked(text, "text", MAX_MESSAGE_CHARS)?;
    contact::client_on_line(w.repo.tx, line, client)?;
    if let Some(appeal) = appeal {
        let theirs: Option<i64> = w
            .repo
            .tx
            .query_row(
                "SELECT 1 FROM appeals WHERE id = ?1 AND client_id = ?2 AND line_id = ?3",
                params![sql_id(appeal), sql_id(client), sql_id(line)],
                |r| r.get(0),
            )
            .optional()?;
        if theirs.is_none() {
            return Err(StorageError::Invalid(format!(
                "appeal {appeal} is not one of client {client} on line {line}"
            )));
        }
    }
    let last: Option<(i64, i64)> = w
        .repo
        .tx
        .query_row(
            "SELECT year, seq FROM tickets ORDER BY year DESC, seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let last = last.map(|(year, seq)| TicketNumber {
        year: u16::try_from(year).unwrap_or_default(),
        seq: u32::try_from(seq).unwrap_or_default(),
    });
    let at = instant(w.now_ms)?;
    let number = next_ticket_number(last, at.year()).map_err(refused)?;
    let ticket = Ticket::create(number, ClientId(client), by, &subject, at);
    let due_at = ticket_deadline(&mut w.repo, line, client, w.now_ms)?;
    w.repo.tx.execute(
        "INSERT INTO tickets (line_id, client_id, appeal_id, year, seq, subject, text, state,
             queue_id, creator, owner, due_at, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, ?9, ?9, ?10, ?11)",
        params![
            sql_id(line),
            sql_id(client),
            appeal.map(sql_id),
            number.year,
            number.seq,
            subject,
            text,
            state_code(ticket.state()),
            sql_id(by.0),
            due_at,
            serde_json::to_string(&ticket).map_err(corrupt)?
        ],
    )?;
    let id = id(w.repo.tx.last_insert_rowid());
    let entry = ticket
        .history()
        .first()
        .cloned()
        .ok_or_else(|| StorageError::Corrupt("a new ticket without history".into()))?;
    w.append(
        line,
        Event::TicketCreated {
            ticket: id,
            number,
            client,
            appeal,
            subject,
            text,
            entry,
        },
    )?;
    Ok(())
}
