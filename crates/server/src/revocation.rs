//! Live sessions of a revoked token are closed.
//!
//! Revocations are written to storage (a logout deletes one token, `revoke-tokens` every token
//! of an account) and noted in a log there. The running server reads that log every
//! [`POLL`] and broadcasts what it finds to the sessions, so a revocation made by another
//! process (the `revoke-tokens` command next to a running server) closes sessions too.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::context::Server;

/// How often the revocation log is read: a revoked session closes within about this long.
pub const POLL: Duration = Duration::from_millis(500);

/// Start reading the revocation log (once per server; later calls do nothing). The task ends
/// when the server is dropped.
pub fn start_watching(server: &Arc<Server>) {
    if server.watching_revocations.swap(true, Ordering::SeqCst) {
        return;
    }
    // Read the start synchronously: a revocation made once serving has begun is never missed.
    let mut last = server.storage.last_revocation().unwrap_or(0);
    let weak = Arc::downgrade(server);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(POLL).await;
            let Some(server) = weak.upgrade() else {
                return;
            };
            let storage = server.storage.clone();
            let found = tokio::task::spawn_blocking(move || storage.revocations_after(last)).await;
            // A failed read is retried at the next poll from the same place.
            if let Ok(Ok(revocations)) = found {
                for r in revocations {
                    last = r.id;
                    // No session listening is fine.
                    let _ = server.revoked.send(r.revoked);
                }
            }
        }
    });
}
