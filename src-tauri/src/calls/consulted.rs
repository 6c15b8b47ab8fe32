//! The consulted colleague's side of a consultative transfer (A3 for calls): a colleague's
//! consultation rings this app like a call (`CallConsulting`; the panel says who consults
//! about which client) and is answered the same way (the consulting side offers); when the
//! colleague hands the client over, the line connects this specialist with the client on a
//! leg at once (`CallTransferred` to this specialist for a leg this app never rang), and the
//! app takes the client's new offer on it without ringing again.

use std::sync::Arc;
use std::time::Instant;

use linedesk_protocol::{Action, CallEndReason};

use super::{Active, Calls, idle};

fn fresh(id: u64, consultation: bool) -> Active {
    Active {
        id,
        call: None,
        session: None,
        offer: None,
        feed: None,
        early: Vec::new(),
        connected_at: None,
        consultation,
    }
}

impl Calls {
    /// Colleague `from` consults this specialist about `client`'s call: it rings, unless a
    /// call holds the headset (the line rings only a colleague in no call).
    pub(super) async fn consulted(&self, line: u64, consultation: u64, client: u64, from: u64) {
        let mut active = self.active.lock().await;
        if active.is_some() {
            return;
        }
        *active = Some(fresh(consultation, true));
        self.set_view(|v| {
            *v = idle();
            v.state = "ringing_in".into();
            v.call = u32::try_from(consultation).ok();
            v.line_id = i64::try_from(line).ok();
            v.client_id = i64::try_from(client).ok();
            v.consult_from = i64::try_from(from).ok();
        });
    }

    /// The colleague handed `client` over on `leg`, connected with this specialist by the
    /// line: take the client's offer. A leg this app answered itself (a blind transfer) is its
    /// call already.
    pub(super) async fn handed_over(self: &Arc<Self>, line: u64, leg: u64, client: u64) {
        {
            let mut active = self.active.lock().await;
            if active.is_some() {
                return;
            }
            let mut taken = fresh(leg, false);
            taken.connected_at = Some(Instant::now());
            *active = Some(taken);
        }
        self.set_view(|v| {
            *v = idle();
            v.state = "connected".into();
            v.call = u32::try_from(leg).ok();
            v.line_id = i64::try_from(line).ok();
            v.client_id = i64::try_from(client).ok();
        });
        let calls = self.clone();
        tauri::async_runtime::spawn(async move {
            if calls.pick_up(false).await.is_err() {
                let reason = CallEndReason::Failed;
                let _ = calls
                    .sync
                    .submit_now(Action::HangUp { call: leg, reason })
                    .await;
                calls.end(leg, "failed").await;
            }
        });
    }
}
