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
use crate::state::lock;

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

    /// The three-way join (issue 14): the client's call and the consultation share the headset
    /// (the client's session drives it, `linedesk_engine::conference`), the client comes off
    /// hold, and the panel names the colleague. The client's recording goes on: the client on
    /// one channel, what this side sends (the specialist and the colleague, mixed) on the other.
    pub(crate) async fn join_media(
        &self,
        consultation: &CallSession,
        colleague: u64,
    ) -> Result<(), CallsError> {
        let guard = self.active.lock().await;
        let active = guard.as_ref().ok_or(CallsError::NoCall)?;
        let (Some(call), Some(session)) = (&active.call, &active.session) else {
            return Err(CallsError::NoCall);
        };
        session.share_headset_with(consultation);
        call.hold(false)
            .map_err(|e| CallsError::Call(e.to_string()))?;
        let line = lock(&self.view).line_id.unwrap_or(0);
        let name = lock(&self.store)
            .colleagues(line)
            .ok()
            .and_then(|all| {
                all.into_iter()
                    .find(|c| u64::try_from(c.id).ok() == Some(colleague))
            })
            .map(|c| c.name);
        self.set_view(|v| {
            v.state = "connected".into();
            v.joined_with = i64::try_from(colleague).ok();
            v.joined_name = name;
        });
        Ok(())
    }

    /// The colleague left the join (or it ended): the panel shows the client alone.
    pub(crate) fn unjoined(&self) {
        self.set_view(|v| {
            v.joined_with = None;
            v.joined_name = None;
        });
    }

    /// The client left a three-way join: the consultation with `colleague` goes on as this
    /// app's call (the panel shows it connected, its levels and quality; hanging up ends it).
    /// The client's call is finished first, if its end was not handled yet.
    pub(crate) async fn adopt_consultation(
        &self,
        client_call: u64,
        id: u64,
        peer: Arc<Call>,
        session: Option<CallSession>,
        feed: tokio::sync::mpsc::UnboundedSender<linedesk_protocol::SignalPayload>,
    ) {
        self.end(client_call, "hung_up").await;
        let (line, client, joined, name) = {
            let v = lock(&self.view);
            (v.line_id, v.client_id, v.joined_with, v.joined_name.clone())
        };
        let mut active = self.active.lock().await;
        if active.is_some() {
            return;
        }
        let mut adopted = fresh(id, true);
        adopted.call = Some(peer);
        adopted.session = session;
        adopted.feed = Some(feed);
        adopted.connected_at = Some(Instant::now());
        *active = Some(adopted);
        self.set_view(|v| {
            *v = idle();
            v.state = "connected".into();
            v.call = u32::try_from(id).ok();
            v.line_id = line;
            v.client_id = client;
            v.joined_with = joined;
            v.joined_name = name;
        });
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
