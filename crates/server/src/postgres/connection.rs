//! The backend's connections: a small tokio runtime of its own runs their tasks (callers
//! block on each query's future wherever they are, see `db.rs`), two connections for the
//! writer and the readers, and a third that LISTENs for the events every server appends and
//! the signals the others relay.

use std::sync::Arc;

use super::db::Db;
use super::signals::{SIGNALS_CHANNEL, resolver};
use crate::storage::StorageError;

/// The runtime the connections' tasks run on (the callers block on their queries' futures
/// wherever they are); shut down in the background when the storage is dropped, which may be
/// inside another runtime.
pub(crate) struct Runtime(pub(crate) Option<tokio::runtime::Runtime>);

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// The channel PostgreSQL announces appended events on (migration 3's trigger): `LINE:SEQ`.
pub const EVENTS_CHANNEL: &str = "linedesk_events";

/// Announcements kept for a slow listener before it misses some (it then polls).
pub(crate) const ANNOUNCED_KEPT: usize = 4096;

/// Whether `database` names a PostgreSQL database (`postgres://` or `postgresql://`).
pub fn is_url(database: &str) -> bool {
    database.starts_with("postgres://") || database.starts_with("postgresql://")
}

pub(crate) fn connect(
    rt: &tokio::runtime::Runtime,
    config: &tokio_postgres::Config,
) -> Result<Db, StorageError> {
    Ok(Db::new(connect_client(rt, config)?))
}

/// A connection whose task runs on `rt`; its client, which keeps it open.
pub(crate) fn connect_client(
    rt: &tokio::runtime::Runtime,
    config: &tokio_postgres::Config,
) -> Result<tokio_postgres::Client, StorageError> {
    let config = config.clone();
    let connected = futures_executor::block_on(
        rt.spawn(async move { config.connect(tokio_postgres::NoTls).await }),
    )
    .map_err(|e| StorageError::Io(std::io::Error::other(e.to_string())))??;
    let (client, connection) = connected;
    rt.spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "the PostgreSQL connection ended");
        }
    });
    Ok(client)
}

/// `LINE:SEQ` of an announcement.
fn announcement(payload: &str) -> Option<(u64, u64)> {
    let (line, seq) = payload.split_once(':')?;
    Some((line.parse().ok()?, seq.parse().ok()?))
}

/// What the listening connection hands on: the announcements of appended events, and the
/// signals the other servers relay (see `signals.rs`), its own (sent by `own_pid`) skipped.
pub(crate) struct Listened {
    pub(crate) announced: tokio::sync::broadcast::Sender<(u64, u64)>,
    pub(crate) signals: tokio::sync::broadcast::Sender<std::sync::Arc<str>>,
    pub(crate) own_pid: i32,
}

/// A connection of its own that LISTENs on [`EVENTS_CHANNEL`] and [`SIGNALS_CHANNEL`] and
/// forwards each announcement and signal; its client, which keeps it open.
pub(crate) fn listen(
    rt: &tokio::runtime::Runtime,
    config: &tokio_postgres::Config,
    to: Listened,
) -> Result<Arc<tokio_postgres::Client>, StorageError> {
    let config = config.clone();
    futures_executor::block_on(rt.spawn(async move {
        let (client, mut connection) = config.connect(tokio_postgres::NoTls).await?;
        let client = Arc::new(client);
        let Listened {
            announced,
            signals,
            own_pid,
        } = to;
        let pending = resolver(client.clone(), signals);
        tokio::spawn(async move {
            loop {
                match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                    Some(Ok(tokio_postgres::AsyncMessage::Notification(n))) => {
                        if n.channel() == SIGNALS_CHANNEL {
                            if n.process_id() != own_pid {
                                // Full: dropped, as a lagging session's signals are.
                                let _ = pending.try_send(n.payload().to_string());
                            }
                        } else if let Some(appended) = announcement(n.payload()) {
                            // Nobody listening yet (no server): nothing to tell.
                            let _ = announced.send(appended);
                        }
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => {
                        // The log's tail still polls: announcements stop, events do not.
                        tracing::warn!(error = %e, "the PostgreSQL listening connection failed");
                        return;
                    }
                    None => return,
                }
            }
        });
        client
            .batch_execute(&format!(
                "LISTEN {EVENTS_CHANNEL}; LISTEN {SIGNALS_CHANNEL}"
            ))
            .await?;
        Ok::<_, tokio_postgres::Error>(client)
    }))
    .map_err(|e| StorageError::Io(std::io::Error::other(e.to_string())))?
    .map_err(StorageError::from)
}
