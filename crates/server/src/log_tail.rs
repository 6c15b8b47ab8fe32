//! Events appended by another process (the CLI next to a running server: `import-clients`,
//! `remove-from-line`, `add-client`, ...; another server of the same PostgreSQL database) reach
//! the live sessions: every [`POLL`] the heads of the lines' logs are read, and a line whose
//! head stays past what the hub handed out for [`FILL_AFTER`] (so it is not an event on its way
//! from this process's own publisher) is read from storage by the hub
//! ([`crate::hub::Hub::catch_up`]). A backend that announces appends
//! ([`crate::storage::Storage::appended`]: PostgreSQL's NOTIFY) has each announced line looked
//! at the same way at once; the poll stays, so a lost announcement only delays. Events appended
//! by this process outside a session's action (the admin API, the SLA timer) are published or
//! caught up by their callers at once.

use std::sync::Arc;
use std::time::Duration;

use crate::context::Server;
use crate::hub::FILL_AFTER;

/// How often the heads of the logs are read.
pub const POLL: Duration = Duration::from_millis(500);

/// Follow the logs for as long as the server lives.
pub fn start(server: &Arc<Server>) {
    if let Some(announced) = server.storage.appended() {
        follow_announcements(server, announced);
    }
    let weak = Arc::downgrade(server);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(POLL).await;
            let Some(server) = weak.upgrade() else {
                return;
            };
            let lagging = lagging(&server).await;
            if lagging.is_empty() {
                continue;
            }
            tokio::time::sleep(FILL_AFTER).await;
            for (line, head) in lagging {
                if server.hub.lags(line, head) {
                    server.hub.catch_up(line);
                }
            }
        }
    });
}

/// Catch up each line an announcement says is past what the hub handed out, after
/// [`FILL_AFTER`] (this process's own events are published by then).
fn follow_announcements(
    server: &Arc<Server>,
    mut announced: tokio::sync::broadcast::Receiver<(u64, u64)>,
) {
    let weak = Arc::downgrade(server);
    tokio::spawn(async move {
        loop {
            let first = match announced.recv().await {
                Ok(first) => first,
                // Missed announcements: the poll finds those lines.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            };
            let Some(server) = weak.upgrade() else {
                return;
            };
            let mut heads = std::collections::HashMap::from([first]);
            while let Ok((line, seq)) = announced.try_recv() {
                let head = heads.entry(line).or_insert(seq);
                *head = (*head).max(seq);
            }
            heads.retain(|line, head| server.hub.lags(*line, *head));
            if heads.is_empty() {
                continue;
            }
            tokio::time::sleep(FILL_AFTER).await;
            for (line, head) in heads {
                if server.hub.lags(line, head) {
                    server.hub.catch_up(line);
                }
            }
        }
    });
}

/// The lines whose log is past what the hub handed out, with their heads.
async fn lagging(server: &Server) -> Vec<(u64, u64)> {
    let storage = server.storage.clone();
    match tokio::task::spawn_blocking(move || storage.line_heads()).await {
        Ok(Ok(heads)) => heads
            .into_iter()
            .filter(|(line, head)| server.hub.lags(*line, *head))
            .collect(),
        // A failed read is retried at the next poll.
        Ok(Err(err)) => {
            eprintln!("linedesk-server: reading the logs' heads: {err}");
            Vec::new()
        }
        Err(_) => Vec::new(),
    }
}
