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
