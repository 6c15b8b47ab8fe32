//! What the specialist does with the appeal of an open conversation (A1, A3, A4, A6): written
//! to the outbox for the line server and shown at once (the ring goes off), like a sent
//! message.

use linedesk_domain::appeal::TransferTarget;
use rusqlite::OptionalExtension;

use crate::error::{Result, StoreError};
use crate::{Store, outbox};

/// Longest result of a finished appeal or reason of a transfer, in characters.
pub const MAX_REASON_CHARS: usize = 500;

fn reason(field: &'static str, text: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(StoreError::invalid(field, "it is required"));
    }
    if text.chars().count() > MAX_REASON_CHARS {
        return Err(StoreError::invalid(
            field,
            format!("it is longer than {MAX_REASON_CHARS} characters"),
        ));
    }
    Ok(text.to_string())
}

impl Store {
    /// The server's id of the open appeal this specialist holds for the client.
    fn my_open_appeal(&self, line_id: i64, client_id: i64) -> Result<i64> {
        self.open_appeal_id(line_id, client_id)?
            .ok_or_else(|| StoreError::invalid("appeal", "this client has no open appeal of yours"))
    }

    /// A4: finish the client's open appeal with a result. Queued for the server in one
    /// transaction with the local change; the ring goes off at once.
    ///
    /// S5: `appeal_type`, when given, is the type chosen in the finish dialog: queued before the
    /// finish, so the server records it while the appeal is still open.
    pub fn finish_appeal(
        &self,
        line_id: i64,
        client_id: i64,
        result: &str,
        appeal_type: Option<&str>,
        now_ms: i64,
    ) -> Result<()> {
        let result = reason("result", result)?;
        let appeal_type = appeal_type.map(crate::appeal_types::checked).transpose()?;
        let appeal = self.my_open_appeal(line_id, client_id)?;
        let device = self.device_id()?;
        let tx = self.conn.unchecked_transaction()?;
        if let Some(t) = &appeal_type {
            crate::appeal_types::push_choice(&tx, &device, appeal, t, now_ms)?;
        }
        let payload = serde_json::json!({ "appealId": appeal, "result": result });
        outbox::push(&tx, &device, "appeal.finish", &payload, now_ms)?;
        close_locally(&tx, line_id, client_id)?;
        tx.commit()?;
        Ok(())
    }

    /// A2: take the client's appeal from the line's queue. Of two specialists taking the same
    /// appeal the server lets exactly one win; the other's outbox item fails with the reason.
    pub fn take_appeal(&self, line_id: i64, client_id: i64, now_ms: i64) -> Result<()> {
        let appeal: Option<i64> = self
            .conn
            .query_row(
                "SELECT appeal_id FROM conversations
                 WHERE line_id = ?1 AND client_id = ?2 AND queued = 1",
                [line_id, client_id],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        let appeal = appeal
            .ok_or_else(|| StoreError::invalid("appeal", "this client's appeal is not queued"))?;
        let device = self.device_id()?;
        let tx = self.conn.unchecked_transaction()?;
        let payload = serde_json::json!({ "appealId": appeal });
        outbox::push(&tx, &device, "appeal.take", &payload, now_ms)?;
        tx.execute(
            "UPDATE conversations SET queued = 0 WHERE line_id = ?1 AND client_id = ?2",
            [line_id, client_id],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A3: hand the client's open appeal to a colleague (`to`, their id on the server) or back
    /// to the line's queue (`None`), with a reason.
    pub fn transfer_appeal(
        &self,
        line_id: i64,
        client_id: i64,
        to: Option<i64>,
        why: &str,
        now_ms: i64,
    ) -> Result<()> {
        let why = reason("reason", why)?;
        let appeal = self.my_open_appeal(line_id, client_id)?;
        let device = self.device_id()?;
        let tx = self.conn.unchecked_transaction()?;
        let payload = serde_json::json!({ "appealId": appeal, "to": to, "reason": why });
        outbox::push(&tx, &device, "appeal.transfer", &payload, now_ms)?;
        close_locally(&tx, line_id, client_id)?;
        tx.commit()?;
        Ok(())
    }
}

impl Store {
    /// A1: start an appeal of the client by hand; the server assigns it to this specialist
    /// (and refuses when one is open: the outbox item then fails with the reason).
    ///
    /// S5: `appeal_type`, when given, is the type the specialist names at registration: the
    /// server picks the SLA level with it (and refuses a type the line does not have).
    pub fn start_appeal(
        &self,
        line_id: i64,
        client_id: i64,
        appeal_type: Option<&str>,
        now_ms: i64,
    ) -> Result<()> {
        let appeal_type = appeal_type.map(crate::appeal_types::checked).transpose()?;
        crate::clients::require_line_client(&self.conn, line_id, client_id)?;
        let open: Option<bool> = self
            .conn
            .query_row(
                "SELECT appeal_open = 1 OR queued = 1 FROM conversations
                 WHERE line_id = ?1 AND client_id = ?2",
                [line_id, client_id],
                |r| r.get(0),
            )
            .optional()?;
        if open == Some(true) {
            return Err(StoreError::invalid(
                "appeal",
                "this client has an open appeal",
            ));
        }
        let device = self.device_id()?;
        let tx = self.conn.unchecked_transaction()?;
        let mut payload = serde_json::json!({ "lineId": line_id, "clientId": client_id });
        if let Some(t) = appeal_type {
            payload["appealType"] = serde_json::Value::String(t);
        }
        outbox::push(&tx, &device, "appeal.start", &payload, now_ms)?;
        tx.commit()?;
        Ok(())
    }

    /// A6: finish the client's open appeal as spam.
    pub fn mark_spam(&self, line_id: i64, client_id: i64, now_ms: i64) -> Result<()> {
        let appeal = self.my_open_appeal(line_id, client_id)?;
        let device = self.device_id()?;
        let tx = self.conn.unchecked_transaction()?;
        let payload = serde_json::json!({ "appealId": appeal });
        outbox::push(&tx, &device, "appeal.spam", &payload, now_ms)?;
        close_locally(&tx, line_id, client_id)?;
        tx.commit()?;
        Ok(())
    }

    /// A3: hand the client's open appeal on, with a reason: to a colleague, to the first or
    /// second level of the line, or to another line the client is on.
    pub fn transfer_appeal_to(
        &self,
        line_id: i64,
        client_id: i64,
        target: TransferTarget,
        why: &str,
        now_ms: i64,
    ) -> Result<()> {
        let why = reason("reason", why)?;
        if target == TransferTarget::Line(linedesk_domain::ids::LineId(line_id.unsigned_abs())) {
            return Err(StoreError::invalid("target", "the appeal is on that line"));
        }
        let appeal = self.my_open_appeal(line_id, client_id)?;
        let device = self.device_id()?;
        let tx = self.conn.unchecked_transaction()?;
        let payload = serde_json::json!({
            "appealId": appeal, "to": null, "reason": why, "target": target,
        });
        outbox::push(&tx, &device, "appeal.transfer", &payload, now_ms)?;
        close_locally(&tx, line_id, client_id)?;
        tx.commit()?;
        Ok(())
    }
}

/// The appeal is no longer this specialist's (until the server says otherwise).
fn close_locally(tx: &rusqlite::Transaction<'_>, line_id: i64, client_id: i64) -> Result<()> {
    tx.execute(
        "UPDATE conversations SET appeal_open = 0 WHERE line_id = ?1 AND client_id = ?2",
        [line_id, client_id],
    )?;
    Ok(())
}
