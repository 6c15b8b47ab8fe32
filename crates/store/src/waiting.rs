//! S4 in the app: the specialist puts the open appeal they hold into "waiting for the
//! client" (queued for the server like any appeal action, shown at once), and the server's
//! `AppealWaiting` / `AppealResumed` keep the conversation's `waiting` flag and its moved
//! resolution deadline ([`apply`], called by the replica).

use crate::error::{Result, StoreError};
use crate::{Store, outbox};

impl Store {
    /// S4: wait for the client in their open appeal of mine. The server refuses it (the
    /// outbox item then fails with the reason) when the appeal is no longer mine.
    pub fn wait_for_client(&self, line_id: i64, client_id: i64, now_ms: i64) -> Result<()> {
        let appeal = self
            .open_appeal_id(line_id, client_id)?
            .ok_or_else(|| StoreError::invalid("appeal", "this client has no open appeal of yours"))?;
        let device = self.device_id()?;
        let tx = self.conn.unchecked_transaction()?;
        let payload = serde_json::json!({ "appealId": appeal });
        outbox::push(&tx, &device, "appeal.wait", &payload, now_ms)?;
        set(&tx, line_id, client_id, true, None)?;
        tx.commit()?;
        Ok(())
    }
}

/// The conversation waits (or no longer does); a resumed wait brings the moved resolution
/// deadline.
pub(crate) fn set(
    tx: &rusqlite::Connection,
    line: i64,
    client: i64,
    waiting: bool,
    resolution_due: Option<i64>,
) -> Result<()> {
    tx.execute(
        "UPDATE conversations SET waiting = ?3, resolution_due = COALESCE(?4, resolution_due)
         WHERE line_id = ?1 AND client_id = ?2",
        rusqlite::params![line, client, waiting, resolution_due],
    )?;
    Ok(())
}
