//! WebRTC signalling between servers (issue 17): a signal for a party connected to another
//! server of the database goes by `NOTIFY` on [`SIGNALS_CHANNEL`], never through the line's
//! log. A payload is limited to 8000 bytes by PostgreSQL, so a body over [`INLINE_MAX`] (an
//! SDP with many candidates) is written to `relayed_signals` (migration 10) and the
//! notification names its row (`#ID`); the listener reads it back before handing it on, in the
//! order the notifications came, so a large offer is never overtaken by the candidates sent
//! after it. A server knows its own notifications by the sending connection's process id and
//! skips them (its sessions had them from its own hub).

use std::sync::{Arc, Mutex};

use tokio::sync::{broadcast, mpsc};
use tokio_postgres::Client;

use super::db::{Db, sql_id};
use crate::storage::StorageError;

/// The channel the servers of a database relay signals on.
pub const SIGNALS_CHANNEL: &str = "linedesk_signals";

/// The largest body sent inside the notification (PostgreSQL refuses payloads of 8000 bytes
/// and more); a larger one goes by a row of `relayed_signals`.
pub(crate) const INLINE_MAX: usize = 7_900;

/// Rows of `relayed_signals` older than this are deleted by the next large signal: a signal is
/// read within milliseconds of its notification, or never.
const KEPT_MS: i64 = 60_000;

/// Signals kept for a server's sessions slow to read them (they lose the oldest, as within
/// one server).
pub(crate) const SIGNALS_KEPT: usize = 1024;

/// Notifications waiting for their body to be read (a row's) before they are handed on; more
/// are dropped (best effort, like a lagging session).
const PENDING_KEPT: usize = 4096;

/// The connection this server sends signals on, and its process id, which its own listener
/// skips.
pub(crate) struct Signaller {
    db: Mutex<Db>,
    pid: i32,
}

impl Signaller {
    pub(crate) fn new(db: Db) -> Result<Signaller, StorageError> {
        let pid: i32 = db.one("SELECT pg_backend_pid()", &[])?.get(0);
        Ok(Signaller {
            db: Mutex::new(db),
            pid,
        })
    }

    pub(crate) fn pid(&self) -> i32 {
        self.pid
    }

    /// Notify the other servers of `body`: inline when it fits, else by a row.
    pub(crate) fn send(&self, body: &str, now_ms: i64) -> Result<(), StorageError> {
        let db = self
            .db
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if body.len() <= INLINE_MAX {
            db.exec("SELECT pg_notify($1, $2)", &[&SIGNALS_CHANNEL, &body])?;
            return Ok(());
        }
        db.transaction(|db| {
            db.exec(
                "DELETE FROM relayed_signals WHERE at_ms < $1",
                &[&(now_ms - KEPT_MS)],
            )?;
            let id: i64 = db
                .one(
                    "INSERT INTO relayed_signals (body, at_ms) VALUES ($1, $2) RETURNING id",
                    &[&body, &now_ms],
                )?
                .get(0);
            // Delivered at COMMIT, when the row is there to read.
            db.exec(
                "SELECT pg_notify($1, $2)",
                &[&SIGNALS_CHANNEL, &format!("#{id}")],
            )?;
            Ok::<_, StorageError>(())
        })
    }
}

/// What a signal's notification carried: its body, or the row holding it.
#[derive(Debug, PartialEq, Eq)]
enum Carried {
    Inline(String),
    Row(i64),
}

fn carried(payload: &str) -> Carried {
    match payload.strip_prefix('#').map(str::parse::<u64>) {
        Some(Ok(id)) => Carried::Row(sql_id(id)),
        _ => Carried::Inline(payload.to_string()),
    }
}

/// The listener's side: notifications of [`SIGNALS_CHANNEL`] go in, in order, and come out of
/// `signals` as bodies, a row's read on the listening connection (`client`) first.
/// Runs on the backend's runtime.
pub(crate) fn resolver(
    client: Arc<Client>,
    signals: broadcast::Sender<Arc<str>>,
) -> mpsc::Sender<String> {
    let (tx, mut rx) = mpsc::channel::<String>(PENDING_KEPT);
    tokio::spawn(async move {
        while let Some(payload) = rx.recv().await {
            let body = match carried(&payload) {
                Carried::Inline(body) => body,
                Carried::Row(id) => match client
                    .query_opt("SELECT body FROM relayed_signals WHERE id = $1", &[&id])
                    .await
                {
                    Ok(Some(row)) => row.get(0),
                    // Deleted as too old (a listener minutes behind): lost, as a late one is.
                    Ok(None) => continue,
                    Err(e) => {
                        tracing::warn!(error = %e, "reading a relayed signal");
                        continue;
                    }
                },
            };
            // Nobody listening (no server yet): nothing to tell.
            let _ = signals.send(Arc::from(body));
        }
    });
    tx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notification_carries_its_body_or_names_its_row() {
        assert_eq!(carried("#42"), Carried::Row(42));
        assert_eq!(carried("{\"to\":1}"), Carried::Inline("{\"to\":1}".into()));
        assert_eq!(carried("#x"), Carried::Inline("#x".into()));
    }
}
