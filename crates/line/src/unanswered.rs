//! What nobody answers ends by itself (V1, V2): a call still ringing after the line's ring
//! time ends `no_answer`, and a remote session asked by request that the client has not
//! answered within its time ends `no_answer`, each with the event every party sees, as if the
//! waiting side had given up. Without this, a client's call that no specialist picks up (the
//! client's page closed, say) rang for ever, and a request whose specialist's app went away
//! kept the client's screen reserved, so a colleague asking got `conflict`.
//!
//! The timer at the edge calls [`end_unanswered`] with `now` and the server's configured
//! [`RingTimeouts`], like the SLA alerts; the backend finds the overdue rows with one query
//! each (`CallRepo::ringing_since`, `RemoteRepo::requested_since`).

use std::time::Duration;

use linedesk_protocol::{CallEndReason, RemoteEndReason, RemoteMode, Role};

use crate::calls::close_call;
use crate::error::LineError;
use crate::remote_repo::RemoteStage;
use crate::remote_sessions::finish;
use crate::repo::Repo;
use crate::work::Work;

/// How long a call may ring and a remote request wait for the client's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingTimeouts {
    /// A ringing call (either direction) nobody answered ends `no_answer` after this.
    pub call: Duration,
    /// A remote session by request the client has not answered ends `no_answer` after this.
    pub remote_request: Duration,
}

/// The web widget gives up after 45 s too; the server's timer is the backstop.
pub const DEFAULT_CALL_RING: Duration = Duration::from_secs(45);
/// The app withdraws its own request after two minutes.
pub const DEFAULT_REMOTE_REQUEST: Duration = Duration::from_secs(120);

impl Default for RingTimeouts {
    fn default() -> RingTimeouts {
        RingTimeouts {
            call: DEFAULT_CALL_RING,
            remote_request: DEFAULT_REMOTE_REQUEST,
        }
    }
}

fn cutoff(now_ms: i64, wait: Duration) -> i64 {
    now_ms.saturating_sub(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX))
}

/// End every call that has rung and every remote request that has waited longer than `t`
/// allows at `w.now_ms`: `CallEnded{no_answer}` by the caller's side, `RemoteEnded{no_answer}`
/// by the specialist's (who asked). Each is ended once: the rows leave their stage in the
/// same transaction.
pub fn end_unanswered<R: Repo>(w: &mut Work<'_, R>, t: &RingTimeouts) -> Result<(), LineError> {
    for call in w.repo.ringing_since(cutoff(w.now_ms, t.call))? {
        let caller = if call.from_client {
            Role::Client
        } else {
            Role::Specialist
        };
        close_call(w, &call, caller, CallEndReason::NoAnswer)?;
    }
    for session in w.repo.requested_since(cutoff(w.now_ms, t.remote_request))? {
        if session.stage == RemoteStage::Requested && session.mode == RemoteMode::ByRequest {
            finish(w, &session, Role::Specialist, RemoteEndReason::NoAnswer)?;
        }
    }
    Ok(())
}
