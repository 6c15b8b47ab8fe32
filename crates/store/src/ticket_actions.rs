//! What the specialist does with a ticket (T2-T5), queued for the line server through the
//! outbox like a message: save, dispatch to a queue, take, reject with a reason, forward,
//! comment, repeat, close, and (T4) close a returned ticket and register a new one in the
//! right category. Inputs are checked here (typed [`StoreError`]s); the ticket's state rules
//! are the server's (the domain's state machine), whose refusal fails the outbox item.

use rusqlite::OptionalExtension;

use crate::error::{Result, StoreError};
use crate::tickets::MAX_SUBJECT_CHARS;
use crate::{Store, outbox};

/// Longest reason or comment, in characters (the chat's limit).
const MAX_TEXT_CHARS: usize = crate::chat::MAX_MESSAGE_CHARS;

pub(crate) fn required(field: &'static str, text: &str, max: usize) -> Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(StoreError::invalid(field, "it is required"));
    }
    if text.chars().count() > max {
        return Err(StoreError::invalid(
            field,
            format!("it is longer than {max} characters"),
        ));
    }
    Ok(text.to_string())
}

/// A ticket as the actions need it: (line, client, state, appeal).
struct Known {
    line: i64,
    client: i64,
    state: String,
    appeal: Option<i64>,
}

impl Store {
    fn known_ticket(&self, ticket: i64) -> Result<Known> {
        self.conn
            .query_row(
                "SELECT line_id, client_id, state, appeal_id FROM tickets WHERE id = ?1",
                [ticket],
                |r| {
                    Ok(Known {
                        line: r.get(0)?,
                        client: r.get(1)?,
                        state: r.get(2)?,
                        appeal: r.get(3)?,
                    })
                },
            )
            .optional()?
            .ok_or(StoreError::NotFound {
                what: "ticket",
                id: ticket,
            })
    }

    fn queue_of_line(&self, queue: i64, line: i64) -> Result<()> {
        let found: Option<i64> = self
            .conn
            .query_row(
                "SELECT 1 FROM ticket_queues WHERE id = ?1 AND line_id = ?2",
                [queue, line],
                |r| r.get(0),
            )
            .optional()?;
        found
            .map(|_| ())
            .ok_or_else(|| StoreError::invalid("queue", "not a ticket queue of the ticket's line"))
    }

    pub(crate) fn push_action(
        &self,
        kind: &str,
        payload: serde_json::Value,
        now_ms: i64,
    ) -> Result<()> {
        let device = self.device_id()?;
        let tx = self.conn.unchecked_transaction()?;
        outbox::push(&tx, &device, kind, &payload, now_ms)?;
        tx.commit()?;
        Ok(())
    }

    /// T3: "Save": the ticket stays in the creator's folder only (no queue works on it).
    pub fn save_ticket(&self, ticket: i64, now_ms: i64) -> Result<()> {
        self.known_ticket(ticket)?;
        self.push_action(
            "ticket.save",
            serde_json::json!({ "ticketId": ticket }),
            now_ms,
        )
    }

    /// T3: "Dispatch" to a queue of the ticket's line.
    pub fn dispatch_ticket(&self, ticket: i64, queue: i64, now_ms: i64) -> Result<()> {
        let t = self.known_ticket(ticket)?;
        self.queue_of_line(queue, t.line)?;
        let payload = serde_json::json!({ "ticketId": ticket, "queueId": queue });
        self.push_action("ticket.dispatch", payload, now_ms)
    }

    /// T2: a worker takes the ticket from its queue.
    pub fn take_ticket(&self, ticket: i64, now_ms: i64) -> Result<()> {
        self.known_ticket(ticket)?;
        self.push_action(
            "ticket.take",
            serde_json::json!({ "ticketId": ticket }),
            now_ms,
        )
    }

    /// T2: the worker returns it as wrongly created, with a reason.
    pub fn reject_ticket(&self, ticket: i64, reason: &str, now_ms: i64) -> Result<()> {
        let reason = required("reason", reason, MAX_TEXT_CHARS)?;
        self.known_ticket(ticket)?;
        let payload = serde_json::json!({ "ticketId": ticket, "reason": reason });
        self.push_action("ticket.reject", payload, now_ms)
    }

    /// T2: move it to another queue of its line.
    pub fn forward_ticket(&self, ticket: i64, queue: i64, now_ms: i64) -> Result<()> {
        let t = self.known_ticket(ticket)?;
        self.queue_of_line(queue, t.line)?;
        let payload = serde_json::json!({ "ticketId": ticket, "queueId": queue });
        self.push_action("ticket.forward", payload, now_ms)
    }

    pub fn comment_ticket(&self, ticket: i64, text: &str, now_ms: i64) -> Result<()> {
        let text = required("comment", text, MAX_TEXT_CHARS)?;
        self.known_ticket(ticket)?;
        let payload = serde_json::json!({ "ticketId": ticket, "text": text });
        self.push_action("ticket.comment", payload, now_ms)
    }

    /// T5: the client asks again about the ticket (REPEAT past its deadline, or when the
    /// client insists).
    pub fn repeat_ticket(
        &self,
        ticket: i64,
        comment: &str,
        client_insists: bool,
        now_ms: i64,
    ) -> Result<()> {
        let comment = required("comment", comment, MAX_TEXT_CHARS)?;
        self.known_ticket(ticket)?;
        let payload = serde_json::json!({
            "ticketId": ticket, "comment": comment, "clientInsists": client_insists,
        });
        self.push_action("ticket.repeat", payload, now_ms)
    }

    /// T2/T4: close it (out of folders; found by number).
    /// T4 (seed 004): the client disagrees with the closed ticket's decision: their appeal goes
    /// to the line the ticket's queue names (the server decides whether it may).
    pub fn dispute_ticket(&self, ticket: i64, reason: &str, now_ms: i64) -> Result<()> {
        let reason = reason.trim();
        if reason.chars().count() > MAX_TEXT_CHARS {
            return Err(StoreError::invalid(
                "reason",
                format!("longer than {MAX_TEXT_CHARS} characters"),
            ));
        }
        self.known_ticket(ticket)?;
        let payload = serde_json::json!({ "ticketId": ticket, "reason": reason });
        self.push_action("ticket.dispute", payload, now_ms)
    }

    pub fn close_ticket(&self, ticket: i64, now_ms: i64) -> Result<()> {
        let t = self.known_ticket(ticket)?;
        if t.state == "closed" {
            return Err(StoreError::invalid("ticket", "it is closed already"));
        }
        self.push_action(
            "ticket.close",
            serde_json::json!({ "ticketId": ticket }),
            now_ms,
        )
    }

    /// T4: a ticket returned as wrongly created is closed and a new one registered in the
    /// right category (`subject`) for the same client, both queued in one transaction.
    pub fn close_and_recreate_ticket(
        &self,
        ticket: i64,
        subject: &str,
        text: &str,
        now_ms: i64,
    ) -> Result<()> {
        let subject = required("subject", subject, MAX_SUBJECT_CHARS)?;
        let text = required("text", text, MAX_TEXT_CHARS)?;
        let t = self.known_ticket(ticket)?;
        if t.state != "open_reject_return" {
            return Err(StoreError::invalid(
                "ticket",
                "only a ticket returned as wrongly created is replaced",
            ));
        }
        let device = self.device_id()?;
        let tx = self.conn.unchecked_transaction()?;
        outbox::push(
            &tx,
            &device,
            "ticket.close",
            &serde_json::json!({ "ticketId": ticket }),
            now_ms,
        )?;
        let create = serde_json::json!({
            "lineId": t.line, "clientId": t.client, "appealId": t.appeal,
            "subject": subject, "text": text,
        });
        outbox::push(&tx, &device, "ticket.create", &create, now_ms)?;
        tx.commit()?;
        Ok(())
    }
}
