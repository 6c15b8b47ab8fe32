//! Live sessions of a revoked token are closed, and expired tokens are deleted.
//!
//! Revocations are written to storage (a logout deletes one token, `revoke-tokens` every token
//! of an account) and noted in a log there. The running server reads that log every
//! [`POLL`] and broadcasts what it finds to the sessions, so a revocation made by another
//! process (the `revoke-tokens` command next to a running server) closes sessions too. A line
//! taken away from a specialist (`Revoked::Line`) travels the same broadcast; before it goes
//! out, the line's routing catches up when another process did it
//! ([`crate::storage::Storage::resync_team`]), so nothing is routed to them from then on.
//!
//! Beside it, every [`crate::session_limits::SessionLimits::token_sweep_every`] the tokens
//! expired by then are deleted (a session ends at its token's expiry on its own timer).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use linedesk_protocol::Action;

use crate::context::{Server, now_ms};
use crate::storage::Revoked;

/// How often the revocation log is read: a revoked session closes within about this long.
pub const POLL: Duration = Duration::from_millis(500);

/// Start reading the revocation log and sweeping expired tokens (once per server; later calls
/// do nothing). The tasks end when the server is dropped.
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
                    if let Revoked::Line { specialist, line } = r.revoked {
                        // Taken off by another process: routing catches up before the
                        // sessions hear of it. A failure leaves routing as it was (the
                        // storage still refuses their actions on the line).
                        let storage = server.storage.clone();
                        let resynced = tokio::task::spawn_blocking(move || {
                            storage.resync_team(line, specialist)
                        })
                        .await;
                        if let Ok(Err(err)) = resynced {
                            eprintln!("linedesk-server: routing of line {line}: {err}");
                        }
                    }
                    // No session listening is fine.
                    let _ = server.revoked.send(r.revoked);
                }
            }
        }
    });
    let weak = Arc::downgrade(server);
    let every = server.limits.token_sweep_every;
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            let Some(server) = weak.upgrade() else {
                return;
            };
            let storage = server.storage.clone();
            let swept =
                tokio::task::spawn_blocking(move || storage.delete_expired_tokens(now_ms())).await;
            // A failed sweep is retried at the next one; an expired token is refused anyway.
            match swept {
                Ok(Ok(_)) => {}
                Ok(Err(err)) => eprintln!("linedesk-server: expired tokens: {err}"),
                Err(err) => eprintln!("linedesk-server: expired tokens: {err}"),
            }
        }
    });
}

/// The line an action names outright, for refusing it at once on a line taken away (actions
/// naming an appeal, a ticket or a call are refused by storage, which checks who serves what).
pub(crate) fn named_line(action: &Action) -> Option<u64> {
    match action {
        Action::SendMessage { line, .. }
        | Action::SendMessageConfirmed { line, .. }
        | Action::CreateTicket { line, .. }
        | Action::PlaceCall { line, .. }
        | Action::PlaceCallConfirmed { line, .. }
        | Action::LogPbxCall { line, .. }
        | Action::RequestCallBack { line }
        | Action::RequestRemoteSession { line, .. }
        | Action::StartAppeal { line, .. }
        | Action::CreateGroup { line, .. }
        | Action::SaveKbDraft { line, .. } => Some(*line),
        _ => None,
    }
}
