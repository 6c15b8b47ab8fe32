//! The consulted colleague's side of a consultative transfer (A3 for calls): a colleague's
//! consultation rings this app like a call (`CallConsulting`; the panel says who consults
//! about which client) and is answered the same way (the consulting side offers); when the
//! colleague hands the client over, the line connects this specialist with the client on a
//! leg at once (`CallTransferred` to this specialist for a leg this app never rang), and the
//! app takes the client's new offer on it without ringing again.

use std::sync::Arc;
use std::time::Instant;

use linedesk_call::Call;
use linedesk_engine::{CallSession, SessionConfig, Side};
use linedesk_protocol::{Action, CallEndReason};

use super::{Active, Calls, CallsError, device_choices, headset, idle};

/// A consultation's session ends: it keeps nothing (not the client's conversation).
pub(super) async fn discard(session: Option<CallSession>) {
    if let Some(session) = session
        && let Ok(report) = session.finish().await
    {
        let _ = linedesk_engine::journal::remove(&report.recording);
        let _ = std::fs::remove_file(&report.recording);
    }
}

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
    /// The engine of a consultation (`consult.rs`) placed from this app: the headset as the
    /// saved settings choose it (the client's call is on hold meanwhile), the microphone path's
    /// stages, and a scratch recording the consultation removes when it ends.
    pub(crate) fn consult_session(
        &self,
        call: &Arc<Call>,
        packets: tokio::sync::mpsc::Receiver<linedesk_call::ReceivedPacket>,
        id: u64,
    ) -> Result<CallSession, CallsError> {
        let dir = self.recordings().join("consultations");
        std::fs::create_dir_all(&dir).map_err(|e| CallsError::Call(e.to_string()))?;
        let (input, output) = device_choices(&self.store);
        let (io, _missing) = headset(input, output);
        let mut config = SessionConfig::new(Side::Specialist, dir.join(format!("call-{id}.ogg")));
        config.processing = crate::echo::stages(&self.store);
        CallSession::start(call.clone(), packets, io, config)
            .map_err(|e| CallsError::Call(e.to_string()))
    }

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
