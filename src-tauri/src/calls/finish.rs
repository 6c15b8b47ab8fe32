//! The end of a call: the engine finished, its quality reported to the line, its recording
//! queued for upload (a consultation's scratch recording removed); and the upload of queued
//! recordings, retried until the server has them.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use linedesk_engine::{Bare, Connector, UploadQueue};
use linedesk_protocol::Action;

use super::{Calls, consulted};

impl Calls {
    pub(super) fn recordings(&self) -> PathBuf {
        self.data_dir.join("recordings")
    }

    /// The call `id` is over: finish the engine, report its quality, queue the recording.
    /// Nothing when `id` is not the call in progress (handled already).
    pub(crate) async fn end(&self, id: u64, reason: &str) {
        let Some(active) = self.active.lock().await.take_if(|a| a.id == id) else {
            return;
        };
        let mut mos = None;
        if active.consultation {
            consulted::discard(active.session).await;
        } else if let Some(session) = active.session
            && let Ok(report) = session.finish().await
        {
            mos = Some(report.mos as f32);
            if active.connected_at.is_some() {
                let _ = self
                    .sync
                    .submit_now(Action::CallStats {
                        call: id,
                        quality: report.quality(),
                    })
                    .await;
            }
            // Queued (or never connected: nothing to keep), the journal goes; a recording that
            // could not be queued keeps it and is queued at the next start.
            let queued = active.connected_at.is_none()
                || UploadQueue::open(&self.recordings().join("outbox"))
                    .and_then(|queue| {
                        queue.enqueue_with_gaps(
                            id,
                            &report.recording,
                            &self.server(),
                            &report.recording_gaps,
                        )
                    })
                    .is_ok();
            if queued {
                let _ = linedesk_engine::journal::remove(&report.recording);
            }
        }
        let reason = reason.to_string();
        self.set_view(|v| {
            v.state = "ended".into();
            v.reason = Some(reason);
            v.mos = mos;
            v.connected_ms = None;
        });
    }

    /// Upload queued recordings whenever the session has a token, over the server's scheme
    /// (HTTPS with the sync's CA file for `https://`); retried with backoff. A recording that
    /// can never be uploaded is set aside by the queue (the file kept), logged here and shown
    /// on its call's timeline entry with retry and save (`recording_aside.rs`). A recording
    /// goes to the server its call was made on; of several servers of one database, each is
    /// tried with the session's token (one database: the token is good on every one), so a
    /// recording made before a failover goes once its server is back.
    pub(super) async fn upload_loop(self: Arc<Self>) {
        // A bare address is the embedded server's: the app's own, plain on 127.0.0.1.
        let connectors = match linedesk_sync::addresses(&self.servers)
            .into_iter()
            .map(|server| Connector::parse(server, Bare::Plain, self.ca_file.as_deref()))
            .collect::<Result<Vec<_>, _>>()
        {
            Ok(connectors) => connectors,
            Err(err) => {
                // The sync has the same settings and says so in the header.
                eprintln!("linedesk: recordings are not uploaded: {err}");
                return;
            }
        };
        loop {
            tokio::time::sleep(Duration::from_secs(2)).await;
            let Some(token) = self.sync.token() else {
                continue;
            };
            let outbox = self.recordings().join("outbox");
            let Ok(queue) = UploadQueue::open(&outbox) else {
                continue;
            };
            for connector in &connectors {
                let Ok(pass) = queue
                    .pass(connector, &token, std::time::SystemTime::now())
                    .await
                else {
                    continue;
                };
                for (call, why) in pass.set_aside {
                    eprintln!(
                        "linedesk: the recording of call {call} cannot be uploaded ({why}); \
                         it is kept in {}",
                        outbox.join(linedesk_engine::queue::SET_ASIDE_DIR).display()
                    );
                }
            }
        }
    }
}
