//! Presence across servers (issue 17): a specialist connected to several servers of one
//! database goes Offline only when their last session on any of them ended and the grace
//! passed. Each server holds a shared advisory lock per specialist with live sessions on it, on
//! a connection of its own ([`PRESENCE_CLASS`] in the high half of the one-bigint key, the
//! specialist's id in the low one); another server asks `pg_locks` whether someone else holds
//! it. A server that dies (kill -9, a lost machine) loses its connection, and PostgreSQL
//! releases its holds with it: nothing to expire, nothing to clean.
//!
//! The holds are taken and released by a task of the backend's runtime, in the order asked
//! (a session's end never overtakes its start); a connection that failed is opened again and
//! every hold taken anew.

use std::collections::HashSet;

use tokio::sync::{mpsc, oneshot};
use tokio_postgres::Client;

use crate::storage::StorageError;

/// The high half of a presence hold's key ("ldps"; the other advisory keys of the backend are
/// whole bigints or the two-int space).
pub const PRESENCE_CLASS: i64 = 0x6c64_7073;

/// The key of `specialist`'s presence hold (ids past 2^32 share keys: such a specialist may
/// stay present a grace longer, nothing else).
fn key(specialist: u64) -> i64 {
    (PRESENCE_CLASS << 32) | (specialist & 0xffff_ffff) as i64
}

enum Ask {
    Hold(u64, bool),
    Elsewhere(u64, oneshot::Sender<Result<bool, StorageError>>),
}

/// This server's presence holds: the asks go to the holding task.
pub(crate) struct Presence {
    asks: mpsc::UnboundedSender<Ask>,
}

impl Presence {
    pub(crate) fn start(rt: &tokio::runtime::Runtime, config: tokio_postgres::Config) -> Presence {
        let (asks, rx) = mpsc::unbounded_channel();
        rt.spawn(hold(config, rx));
        Presence { asks }
    }

    /// `specialist` has live sessions here (`live`) or none any more.
    pub(crate) fn hold(&self, specialist: u64, live: bool) {
        // The task ends only with the runtime, and the storage with it.
        let _ = self.asks.send(Ask::Hold(specialist, live));
    }

    /// Whether another server holds `specialist`'s presence (blocks on the answer).
    pub(crate) fn elsewhere(&self, specialist: u64) -> Result<bool, StorageError> {
        let (tx, rx) = oneshot::channel();
        self.asks
            .send(Ask::Elsewhere(specialist, tx))
            .map_err(|_| StorageError::Io(std::io::Error::other("the presence task ended")))?;
        futures_executor::block_on(rx)
            .map_err(|_| StorageError::Io(std::io::Error::other("the presence task ended")))?
    }
}

const ELSEWHERE: &str = "SELECT EXISTS (SELECT 1 FROM pg_locks
     WHERE locktype = 'advisory' AND granted AND objsubid = 1
       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND classid::bigint = $1 AND objid::bigint = $2 AND pid <> pg_backend_pid())";

async fn connected(
    config: &tokio_postgres::Config,
    held: &HashSet<u64>,
) -> Result<Client, StorageError> {
    let (client, connection) = config.connect(tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "the PostgreSQL presence connection ended");
        }
    });
    for specialist in held {
        client
            .execute("SELECT pg_advisory_lock_shared($1)", &[&key(*specialist)])
            .await?;
    }
    Ok(client)
}

async fn hold(config: tokio_postgres::Config, mut asks: mpsc::UnboundedReceiver<Ask>) {
    let mut held: HashSet<u64> = HashSet::new();
    let mut client: Option<Client> = None;
    while let Some(ask) = asks.recv().await {
        if client.as_ref().is_none_or(Client::is_closed) {
            client = match connected(&config, &held).await {
                Ok(c) => Some(c),
                Err(e) => {
                    tracing::warn!(error = %e, "the PostgreSQL presence connection");
                    None
                }
            };
        }
        match ask {
            Ask::Hold(specialist, live) => {
                let changed = if live {
                    held.insert(specialist)
                } else {
                    held.remove(&specialist)
                };
                let Some(c) = client.as_ref().filter(|_| changed) else {
                    // Not connected: taken when the connection is made again.
                    continue;
                };
                let sql = if live {
                    "SELECT pg_advisory_lock_shared($1)"
                } else {
                    "SELECT pg_advisory_unlock_shared($1)"
                };
                if let Err(e) = c.execute(sql, &[&key(specialist)]).await {
                    tracing::warn!(error = %e, "a presence hold");
                    client = None;
                }
            }
            Ask::Elsewhere(specialist, answer) => {
                let asked = match client.as_ref() {
                    Some(c) => c
                        .query_one(
                            ELSEWHERE,
                            &[&PRESENCE_CLASS, &((specialist & 0xffff_ffff) as i64)],
                        )
                        .await
                        .map(|row| row.get::<_, bool>(0))
                        .map_err(StorageError::from),
                    None => Err(StorageError::Io(std::io::Error::other(
                        "no connection to PostgreSQL for presence",
                    ))),
                };
                let _ = answer.send(asked);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_the_class_and_the_id() {
        assert_eq!(key(7), 0x6c64_7073_0000_0007);
        assert_eq!(key(0x1_0000_0007), key(7));
    }
}
