//! The signalling of calls: the line's events (a client's call rings, a colleague consults or
//! hands a client over, the other side answered or hung up) and the peers' signals relayed
//! both ways, and a call whose media path fails ended by itself.

use std::sync::Arc;
use std::time::Instant;

use linedesk_call::{Call, CallState};
use linedesk_protocol::{Action, Event, Role, SignalPayload};
use linedesk_sync::Incoming;
use tokio::sync::{broadcast, mpsc};

use super::{Active, Calls, idle, reason_code};

impl Calls {
    /// A call that never connects (no answer within the connect timeout) or whose network path
    /// breaks ends by itself: the server is told why and the panel frees the specialist.
    pub(super) fn watch_failure(self: &Arc<Self>, id: u64, call: &Arc<Call>) {
        let calls = self.clone();
        let mut states = call.watch();
        tauri::async_runtime::spawn(async move {
            while states.changed().await.is_ok() {
                let state = *states.borrow();
                match state {
                    CallState::Failed(why) => {
                        let connected = calls
                            .active
                            .lock()
                            .await
                            .as_ref()
                            .is_some_and(|a| a.id == id && a.connected_at.is_some());
                        let reason = why.end_reason(connected);
                        let _ = calls
                            .sync
                            .submit_now(Action::HangUp { call: id, reason })
                            .await;
                        // A relay-only call whose TURN server refused says so, not just
                        // "failed".
                        let code = match why {
                            linedesk_call::FailReason::NoCandidates => "no_relay",
                            // The network path broke for good (ICE failed): said as such.
                            linedesk_call::FailReason::IceFailed => "ice_failed",
                            _ => reason_code(reason),
                        };
                        calls.end(id, code).await;
                        return;
                    }
                    s if s.is_over() => return,
                    _ => {}
                }
            }
        });
    }

    /// Relay the call's own signals (offer or answer, candidates, hold) to the other party.
    pub(crate) fn relay(
        &self,
        id: u64,
        mut signals: tokio::sync::mpsc::UnboundedReceiver<SignalPayload>,
    ) {
        let sync = self.sync.clone();
        tauri::async_runtime::spawn(async move {
            while let Some(payload) = signals.recv().await {
                if sync.signal(id, payload).await.is_err() {
                    return;
                }
            }
        });
    }

    /// Follow the server: a client's call rings, the other side answered or hung up, signals.
    pub(super) async fn listen(self: Arc<Self>, mut incoming: broadcast::Receiver<Incoming>) {
        loop {
            let item = match incoming.recv().await {
                Ok(item) => item,
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return,
            };
            match item {
                Incoming::Event {
                    line,
                    event:
                        Event::CallRinging {
                            call,
                            client,
                            specialist,
                            from: Role::Client,
                            ..
                        },
                    me,
                } if specialist.is_none_or(|s| s == me) => {
                    let mut active = self.active.lock().await;
                    if active.is_none() {
                        *active = Some(Active {
                            id: call,
                            call: None,
                            session: None,
                            offer: None,
                            feed: None,
                            early: Vec::new(),
                            connected_at: None,
                            consultation: false,
                        });
                        self.set_view(|v| {
                            *v = idle();
                            v.state = "ringing_in".into();
                            v.call = u32::try_from(call).ok();
                            v.line_id = i64::try_from(line).ok();
                            v.client_id = i64::try_from(client).ok();
                        });
                    }
                }
                Incoming::Event {
                    line,
                    event:
                        Event::CallConsulting {
                            consultation,
                            client,
                            from,
                            to,
                            ..
                        },
                    me,
                } if to == me => self.consulted(line, consultation, client, from).await,
                Incoming::Event {
                    line,
                    event:
                        Event::CallTransferred {
                            leg, client, to, ..
                        },
                    me,
                } if to == me => self.handed_over(line, leg, client).await,
                Incoming::Event {
                    event:
                        Event::CallConnected { call, .. }
                        | Event::ConsultationConnected {
                            consultation: call, ..
                        },
                    ..
                } => {
                    let mut active = self.active.lock().await;
                    if let Some(a) = active.as_mut().filter(|a| a.id == call) {
                        a.connected_at = Some(Instant::now());
                        self.set_view(|v| v.state = "connected".into());
                    }
                }
                Incoming::Event {
                    event:
                        Event::CallEnded { call, reason, .. }
                        | Event::ConsultationEnded {
                            consultation: call,
                            reason,
                            ..
                        },
                    ..
                } => {
                    let ours = {
                        let active = self.active.lock().await;
                        active
                            .as_ref()
                            .filter(|a| a.id == call)
                            .and_then(|a| a.call.clone())
                    };
                    if let Some(c) = ours {
                        c.remote_ended(reason).await;
                    }
                    self.end(call, reason_code(reason)).await;
                }
                Incoming::Signal { call, payload, .. } => {
                    let mut active = self.active.lock().await;
                    if let Some(a) = active.as_mut().filter(|a| a.id == call) {
                        match (&a.feed, payload) {
                            (Some(feed), payload) => {
                                let _ = feed.send(payload);
                            }
                            (None, SignalPayload::Offer { sdp }) => a.offer = Some(sdp),
                            // Candidates before the peer exists wait for it.
                            (None, payload) => a.early.push(payload),
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// The task that hands relayed signals to `call`'s peer, one at a time.
pub(crate) fn feed(call: &Arc<Call>) -> mpsc::UnboundedSender<SignalPayload> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let call = call.clone();
    tauri::async_runtime::spawn(async move {
        while let Some(payload) = rx.recv().await {
            // A bad signal is the peer's typed error; the call's state tells the panel.
            let _ = call.signal(payload).await;
        }
    });
    tx
}
