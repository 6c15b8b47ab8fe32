//! Actions not yet acknowledged by the line server (the sync issue drains this).

use serde::{Deserialize, Serialize};

use crate::Store;
use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OutboxItem {
    pub id: i64,
    /// What to do on the server, e.g. `message.send`, `presence.set`.
    pub kind: String,
    /// JSON of the action.
    pub payload: String,
    /// `<device id>:<random>`: the server deduplicates on it, so a resend is harmless.
    pub idempotency_key: String,
    pub created_at: i64,
    pub attempts: i64,
}

/// Append an action inside the caller's transaction.
pub(crate) fn push(
    tx: &rusqlite::Transaction<'_>,
    device_id: &str,
    kind: &str,
    payload: &serde_json::Value,
    now_ms: i64,
) -> Result<i64> {
    tx.execute(
        "INSERT INTO outbox (kind, payload, idempotency_key, created_at)
         VALUES (?1, ?2, ?3 || ':' || lower(hex(randomblob(12))), ?4)",
        rusqlite::params![kind, payload.to_string(), device_id, now_ms],
    )?;
    Ok(tx.last_insert_rowid())
}

impl Store {
    /// The oldest actions not yet sent, in the order they were made.
    pub fn outbox_pending(&self, limit: u32) -> Result<Vec<OutboxItem>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, kind, payload, idempotency_key, created_at, attempts
             FROM outbox WHERE sent_at IS NULL AND failed_reason IS NULL ORDER BY id LIMIT ?1",
        )?;
        let rows = stmt
            .query_map([limit], |r| {
                Ok(OutboxItem {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    payload: r.get(2)?,
                    idempotency_key: r.get(3)?,
                    created_at: r.get(4)?,
                    attempts: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The server acknowledged the action. Kept (not deleted) so keys are never reused. A sent
    /// message becomes `sent` in the chat, in the same transaction.
    pub fn outbox_mark_sent(&self, id: i64) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        let changed = tx.execute(
            "UPDATE outbox SET sent_at = COALESCE(sent_at, CAST(unixepoch('subsec') * 1000 AS INTEGER)),
                 attempts = attempts + 1
             WHERE id = ?1",
            [id],
        )?;
        if changed == 0 {
            return Err(crate::StoreError::NotFound {
                what: "outbox item",
                id,
            });
        }
        tx.execute(
            "UPDATE messages SET status = 'sent'
             WHERE status = 'pending' AND id = (
                 SELECT json_extract(payload, '$.messageId') FROM outbox
                 WHERE id = ?1 AND kind = 'message.send')",
            [id],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The server refused the action for good: it leaves the pending queue with the reason
    /// (kept for the UI and for support), so the actions behind it can go.
    pub fn outbox_mark_failed(&self, id: i64, reason: &str) -> Result<()> {
        let changed = self.conn.execute(
            "UPDATE outbox SET failed_reason = ?2, attempts = attempts + 1
             WHERE id = ?1 AND sent_at IS NULL AND failed_reason IS NULL",
            rusqlite::params![id, reason],
        )?;
        if changed == 0 {
            return Err(crate::StoreError::NotFound {
                what: "pending outbox item",
                id,
            });
        }
        Ok(())
    }

    /// The newest action the server refused for good: (outbox id, kind, reason).
    pub fn outbox_last_failure(&self) -> Result<Option<(i64, String, String)>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row(
                "SELECT id, kind, failed_reason FROM outbox WHERE failed_reason IS NOT NULL
                 ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?)
    }

    /// How many actions still wait for the server.
    pub fn outbox_pending_count(&self) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_reason IS NULL",
            [],
            |r| r.get(0),
        )?)
    }
}
