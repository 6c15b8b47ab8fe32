//! Tickets of a line's log (T1-T5) in the store: the ticket with its creator, queue and
//! worker, each history entry (who did what, when, why), and the line's ticket queues.

use linedesk_domain::ticket::{TicketAction, TicketHistoryEntry};

use crate::error::Result;

/// The history row of `entry`: (action kind, queue, reason/comment/new number).
fn entry_parts(entry: &TicketHistoryEntry) -> (String, Option<i64>, Option<String>) {
    let kind = serde_json::to_value(&entry.action)
        .ok()
        .and_then(|v| v["kind"].as_str().map(str::to_string))
        .unwrap_or_default();
    let queue_id = |q: &linedesk_domain::ids::QueueId| i64::try_from(q.0).ok();
    let (queue, text) = match &entry.action {
        TicketAction::Dispatched { queue } | TicketAction::Forwarded { queue } => {
            (queue_id(queue), None)
        }
        TicketAction::Rejected { reason } => (None, Some(reason.clone())),
        TicketAction::Commented { text } => (None, Some(text.clone())),
        TicketAction::MarkedRepeat { comment } => (None, Some(comment.clone())),
        TicketAction::ReplacedBy { number } => (None, Some(number.to_string())),
        TicketAction::Created
        | TicketAction::Saved
        | TicketAction::Taken
        | TicketAction::Closed => (None, None),
    };
    (kind, queue, text)
}

fn specialist(entry: &TicketHistoryEntry) -> i64 {
    i64::try_from(entry.by.0).unwrap_or(i64::MAX)
}

pub(super) fn add_history(
    tx: &rusqlite::Transaction<'_>,
    ticket: i64,
    entry: &TicketHistoryEntry,
) -> Result<()> {
    let (action, queue, text) = entry_parts(entry);
    tx.execute(
        "INSERT INTO ticket_history (ticket_id, at, by_specialist, action, queue_id, text)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        rusqlite::params![
            ticket,
            entry.at.timestamp_millis(),
            specialist(entry),
            action,
            queue,
            text
        ],
    )?;
    Ok(())
}

/// A created ticket: the creator is its first owner.
pub(super) fn created(
    tx: &rusqlite::Transaction<'_>,
    ticket: i64,
    appeal: Option<i64>,
    entry: &TicketHistoryEntry,
) -> Result<()> {
    let creator = specialist(entry);
    tx.execute(
        "UPDATE tickets SET creator = ?2, owner = ?2, appeal_id = ?3 WHERE id = ?1",
        rusqlite::params![ticket, creator, appeal],
    )?;
    add_history(tx, ticket, entry)
}

/// A changed ticket: its queue now, its worker when it was taken.
pub(super) fn changed(
    tx: &rusqlite::Transaction<'_>,
    ticket: i64,
    queue: Option<i64>,
    entry: &TicketHistoryEntry,
) -> Result<()> {
    tx.execute(
        "UPDATE tickets SET queue_id = ?2 WHERE id = ?1",
        rusqlite::params![ticket, queue],
    )?;
    if entry.action == TicketAction::Taken {
        tx.execute(
            "UPDATE tickets SET owner = ?2 WHERE id = ?1",
            [ticket, specialist(entry)],
        )?;
    }
    add_history(tx, ticket, entry)
}

pub(super) fn queue_named(
    tx: &rusqlite::Transaction<'_>,
    line: i64,
    queue: i64,
    name: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO ticket_queues (id, line_id, name) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name",
        rusqlite::params![queue, line, name],
    )?;
    Ok(())
}
