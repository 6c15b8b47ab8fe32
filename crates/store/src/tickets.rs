//! Tickets (T1-T5) as this app sees them: registered from a chat through the outbox, listed
//! for the client (C5: open tickets) from the line's log.

use serde::{Deserialize, Serialize};

use crate::error::{Result, StoreError};
use crate::{Store, outbox};

/// Longest subject, in characters; the text shares the chat's limit.
pub const MAX_SUBJECT_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TicketRow {
    pub id: i64,
    /// The readable number, e.g. `26-000042` (T5: given to the client).
    pub number: String,
    pub subject: String,
    /// `open`, `open_dispatch`, `open_reject_return`, `open_forwarded`, `closed`.
    pub state: String,
    /// T5: marked REPEAT.
    pub repeat: bool,
    pub created_at: i64,
}

impl Store {
    /// T1: register a ticket for the client (with the client's open appeal, if any). It goes to
    /// the server through the outbox and shows once the server numbered it.
    pub fn create_ticket(
        &self,
        line_id: i64,
        client_id: i64,
        subject: &str,
        text: &str,
        now_ms: i64,
    ) -> Result<()> {
        let subject = subject.trim();
        if subject.is_empty() || subject.chars().count() > MAX_SUBJECT_CHARS {
            return Err(StoreError::invalid(
                "subject",
                format!("1 to {MAX_SUBJECT_CHARS} characters"),
            ));
        }
        let text = text.trim();
        if text.is_empty() || text.chars().count() > crate::chat::MAX_MESSAGE_CHARS {
            return Err(StoreError::invalid(
                "text",
                "the ticket needs a description",
            ));
        }
        crate::clients::require_line_client(&self.conn, line_id, client_id)?;
        let appeal = self.open_appeal_id(line_id, client_id)?;
        let device = self.device_id()?;
        let tx = self.conn.unchecked_transaction()?;
        let payload = serde_json::json!({
            "lineId": line_id, "clientId": client_id, "appealId": appeal,
            "subject": subject, "text": text,
        });
        outbox::push(&tx, &device, "ticket.create", &payload, now_ms)?;
        tx.commit()?;
        Ok(())
    }

    /// The client's tickets on the line, newest first.
    pub fn tickets_of(&self, line_id: i64, client_id: i64) -> Result<Vec<TicketRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, number, subject, state, repeat, created_at FROM tickets
             WHERE line_id = ?1 AND client_id = ?2 ORDER BY created_at DESC, id DESC",
        )?;
        let rows = stmt
            .query_map([line_id, client_id], |r| {
                Ok(TicketRow {
                    id: r.get(0)?,
                    number: r.get(1)?,
                    subject: r.get(2)?,
                    state: r.get(3)?,
                    repeat: r.get(4)?,
                    created_at: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}

/// T3/T4: a ticket as the personal folder, a queue and the search by number show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TicketView {
    pub id: i64,
    pub line_id: i64,
    pub client_id: i64,
    pub client_name: String,
    pub number: String,
    /// Its type, as the folder lists it.
    pub subject: String,
    pub text: String,
    pub state: String,
    pub repeat: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub queue_id: Option<i64>,
    pub queue_name: Option<String>,
    /// Server ids of the specialist who registered it and of the one working on it.
    pub creator: Option<i64>,
    pub owner: Option<i64>,
    pub appeal_id: Option<i64>,
}

/// T4: one entry of a ticket's action history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TicketHistoryRow {
    pub at: i64,
    pub by: i64,
    /// The specialist's name when they serve one of this app's lines.
    pub by_name: Option<String>,
    /// `created`, `saved`, `dispatched`, `taken`, `rejected`, `forwarded`, `commented`,
    /// `marked_repeat`, `closed`, `replaced_by`.
    pub action: String,
    pub queue_id: Option<i64>,
    pub queue_name: Option<String>,
    /// The reason, comment or new number.
    pub text: Option<String>,
}

/// T2: a ticket queue of a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TicketQueue {
    pub id: i64,
    pub name: String,
}

const TICKET_VIEW: &str = "
    SELECT t.id, t.line_id, t.client_id, COALESCE(c.name, ''), t.number, t.subject, t.text,
           t.state, t.repeat, t.created_at, t.updated_at, t.queue_id, q.name, t.creator,
           t.owner, t.appeal_id
    FROM tickets t
    LEFT JOIN clients c ON c.id = t.client_id
    LEFT JOIN ticket_queues q ON q.id = t.queue_id";

fn ticket_view(r: &rusqlite::Row<'_>) -> rusqlite::Result<TicketView> {
    Ok(TicketView {
        id: r.get(0)?,
        line_id: r.get(1)?,
        client_id: r.get(2)?,
        client_name: r.get(3)?,
        number: r.get(4)?,
        subject: r.get(5)?,
        text: r.get(6)?,
        state: r.get(7)?,
        repeat: r.get(8)?,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
        queue_id: r.get(11)?,
        queue_name: r.get(12)?,
        creator: r.get(13)?,
        owner: r.get(14)?,
        appeal_id: r.get(15)?,
    })
}

impl Store {
    fn ticket_views(&self, filter: &str, param: impl rusqlite::Params) -> Result<Vec<TicketView>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{TICKET_VIEW} WHERE {filter}"))?;
        let rows = stmt
            .query_map(param, ticket_view)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// T3: the personal folder of specialist `me` (their server id): the tickets they
    /// registered that are not closed, newest first.
    pub fn ticket_folder(&self, me: i64) -> Result<Vec<TicketView>> {
        self.ticket_views(
            "t.creator = ?1 AND t.state <> 'closed' ORDER BY t.created_at DESC, t.id DESC",
            [me],
        )
    }

    /// T4: a ticket by the number a person types (`26-004217`, `№ 26 4217`), in any state.
    pub fn find_ticket(&self, number: &str) -> Result<Option<TicketView>> {
        let parsed: linedesk_domain::ticket::TicketNumber =
            number
                .parse()
                .map_err(|e: linedesk_domain::ticket::TicketError| {
                    StoreError::invalid("number", e.to_string())
                })?;
        Ok(self
            .ticket_views("t.number = ?1", [parsed.to_string()])?
            .into_iter()
            .next())
    }

    /// A ticket by id, in any state.
    pub fn ticket(&self, ticket: i64) -> Result<Option<TicketView>> {
        Ok(self.ticket_views("t.id = ?1", [ticket])?.into_iter().next())
    }

    /// The not-closed tickets in a queue, oldest first (what its workers take).
    pub fn tickets_in_queue(&self, queue: i64) -> Result<Vec<TicketView>> {
        self.ticket_views(
            "t.queue_id = ?1 AND t.state <> 'closed' ORDER BY t.updated_at, t.id",
            [queue],
        )
    }

    /// T4: the ticket's action history, oldest first.
    pub fn ticket_history(&self, ticket: i64) -> Result<Vec<TicketHistoryRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT h.at, h.by_specialist,
                    (SELECT name FROM colleagues WHERE specialist_id = h.by_specialist LIMIT 1),
                    h.action, h.queue_id, q.name, h.text
             FROM ticket_history h LEFT JOIN ticket_queues q ON q.id = h.queue_id
             WHERE h.ticket_id = ?1 ORDER BY h.id",
        )?;
        let rows = stmt
            .query_map([ticket], |r| {
                Ok(TicketHistoryRow {
                    at: r.get(0)?,
                    by: r.get(1)?,
                    by_name: r.get(2)?,
                    action: r.get(3)?,
                    queue_id: r.get(4)?,
                    queue_name: r.get(5)?,
                    text: r.get(6)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// T2: the line's ticket queues, in the server's order (the default one first).
    pub fn ticket_queues(&self, line: i64) -> Result<Vec<TicketQueue>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, name FROM ticket_queues WHERE line_id = ?1 ORDER BY id")?;
        let rows = stmt
            .query_map([line], |r| {
                Ok(TicketQueue {
                    id: r.get(0)?,
                    name: r.get(1)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}
