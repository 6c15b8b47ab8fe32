//! Presence history (P1): every change is kept, the last one is the current status.

use linedesk_domain::presence::PresenceStatus;
use rusqlite::OptionalExtension;

use crate::Store;
use crate::error::{Result, StoreError};
use crate::outbox;

impl Store {
    /// The current status: the last one set, or Available on a new workstation.
    pub fn presence(&self) -> Result<PresenceStatus> {
        let code: Option<String> = self
            .conn
            .query_row(
                "SELECT status FROM presence_history ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        match code {
            None => Ok(PresenceStatus::Available),
            Some(code) => PresenceStatus::from_code(&code)
                .ok_or_else(|| StoreError::invalid("presence", format!("unknown status {code:?}"))),
        }
    }

    /// Record a change of status and queue it for the server, in one transaction.
    pub fn set_presence(&self, status: PresenceStatus, now_ms: i64) -> Result<()> {
        let device = self.device_id()?;
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO presence_history (status, at) VALUES (?1, ?2)",
            rusqlite::params![status.code(), now_ms],
        )?;
        let payload = serde_json::json!({ "status": status.code(), "at": now_ms });
        outbox::push(&tx, &device, "presence.set", &payload, now_ms)?;
        tx.commit()?;
        Ok(())
    }

    /// The last `limit` changes, newest first: (status, at).
    pub fn presence_history(&self, limit: u32) -> Result<Vec<(PresenceStatus, i64)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT status, at FROM presence_history ORDER BY id DESC LIMIT ?1")?;
        let rows = stmt
            .query_map([limit], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(code, at)| {
                PresenceStatus::from_code(&code)
                    .map(|s| (s, at))
                    .ok_or_else(|| {
                        StoreError::invalid("presence", format!("unknown status {code:?}"))
                    })
            })
            .collect()
    }
}
