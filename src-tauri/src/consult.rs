//! Consultative call transfer in the app (A3 for calls, issue 14): the specialist in a
//! connected call puts the client on hold and calls a colleague of the line (the
//! consultation, a specialist-to-specialist call over the same WebRTC and engine path: this
//! side offers), talks, then either hands the client over (`HandOverCall`: the colleague is
//! connected to the client at once and this side's call ends `transferred`, finished by
//! `calls.rs` as any ended call) or goes back to the client (`HangUp` of the consultation; the
//! client's call comes off hold). The rules are the line's (refusals carry the domain's
//! `rule.call_transfer.*` code); this module runs the consultation's media and follows it.
//!
//! The consultation has its own engine session on the same headset settings as the client's
//! call (the client's session is on hold meanwhile: it sends nothing and the client sends
//! nothing). It keeps no recording and no statistics: it is not the client's conversation.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use linedesk_call::{Call, CallState};
use linedesk_domain::call_consult::CONSULT_RING_MS;
use linedesk_domain::call_transfer::CallTransferError;
use linedesk_engine::CallSession;
use linedesk_protocol::{Action, CallEndReason, Event, SignalPayload, wire_code};
use linedesk_sync::{Incoming, SyncHandle};
use serde::Serialize;
use tauri::State;
use tokio::sync::{broadcast, mpsc};

use crate::calls::Calls;
use crate::error::{CommandError, CommandResult};
use crate::state::lock;
use crate::transfer::{refused, rule_error, wire_id};

mod join;

/// What the transfer dialog shows of a consultation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ConsultView {
    /// `idle`, `ringing` (the colleague's app rings; the client holds), `talking`, `joined`
    /// (the three talk: "Join all"), or how the
    /// last one ended: `transferred` (handed over), `hung_up` (back to the client),
    /// `declined`, `no_answer`, `cancelled`, `failed`.
    pub state: String,
    /// The colleague consulted.
    pub to: Option<i64>,
    /// The client's call it is about.
    pub call: Option<i64>,
    /// The consultation (a call id of its own).
    pub consultation: Option<i64>,
    /// The colleague's voice reaches this side (a packet was heard).
    pub heard: bool,
}

struct Live {
    call: u64,
    to: u64,
    id: u64,
    peer: Arc<Call>,
    session: Option<CallSession>,
    feed: mpsc::UnboundedSender<SignalPayload>,
    answered: bool,
    /// The client was brought in (`join.rs`).
    joined: bool,
}

/// The consultations the line announced as answered or ended lately, kept for the one being
/// set up: its events may come before its peer exists.
#[derive(Default)]
struct Seen {
    answered: Vec<u64>,
    ended: Vec<(u64, CallEndReason)>,
}

const SEEN_KEPT: usize = 8;

pub struct Consultations {
    sync: Arc<SyncHandle>,
    calls: Arc<Calls>,
    live: tokio::sync::Mutex<Option<Live>>,
    view: Mutex<ConsultView>,
    seen: Mutex<Seen>,
}

/// The consultations of the app, when it has a line server.
pub struct ConsultState(pub Option<Arc<Consultations>>);

impl ConsultState {
    pub fn new(state: &crate::state::AppState) -> ConsultState {
        match (state.line(), state.calls()) {
            (Ok(line), Ok(calls)) => {
                ConsultState(Some(Consultations::new(line.sync.clone(), calls.clone())))
            }
            _ => ConsultState(None),
        }
    }

    fn get(&self) -> CommandResult<&Arc<Consultations>> {
        self.0.as_ref().ok_or_else(|| {
            CommandError::unavailable("consultations need the line server, which is not running")
        })
    }
}

fn idle() -> ConsultView {
    ConsultView {
        state: "idle".into(),
        ..ConsultView::default()
    }
}

/// How long the line may take to announce the consultation it accepted.
const ANNOUNCE_WAIT: Duration = Duration::from_secs(15);

impl Consultations {
    pub fn new(sync: Arc<SyncHandle>, calls: Arc<Calls>) -> Arc<Consultations> {
        let me = Arc::new(Consultations {
            sync,
            calls,
            live: tokio::sync::Mutex::new(None),
            view: Mutex::new(idle()),
            seen: Mutex::new(Seen::default()),
        });
        let listener = me.clone();
        let incoming = listener.sync.incoming();
        tauri::async_runtime::spawn(async move { listener.listen(incoming).await });
        me
    }

    pub async fn view(&self) -> ConsultView {
        let mut view = lock(&self.view).clone();
        if let Some(live) = self.live.lock().await.as_ref()
            && let Some(session) = &live.session
        {
            view.heard = session.quality().borrow().is_some_and(|q| q.received > 0);
        }
        view
    }

    /// Put the client on hold and call colleague `to` about the connected call.
    pub async fn start(self: &Arc<Self>, to: u64) -> CommandResult<()> {
        let view = self.calls.view();
        let call = view
            .call
            .map(u64::from)
            .filter(|_| view.state != "idle" && view.state != "ended")
            .ok_or_else(|| rule_error(CallTransferError::NotInCall))?;
        if !matches!(
            view.state.as_str(),
            "connected" | "on_hold" | "reconnecting"
        ) {
            return Err(rule_error(CallTransferError::NotConnected));
        }
        if self.live.lock().await.is_some() {
            return Err(rule_error(CallTransferError::AlreadyConsulting));
        }
        let mut events = self.sync.incoming();
        self.sync
            .submit_now(Action::ConsultCall { call, to })
            .await
            .map_err(refused)?;
        // The client hears the hold, not the consultation.
        self.calls
            .set_hold(true)
            .await
            .map_err(|e| CommandError::unavailable(e.to_string()))?;
        let id = tokio::time::timeout(ANNOUNCE_WAIT, async {
            loop {
                match events.recv().await {
                    Ok(Incoming::Event {
                        event:
                            Event::CallConsulting {
                                call: c,
                                consultation,
                                to: t,
                                ..
                            },
                        ..
                    }) if c == call && t == to => return Some(consultation),
                    Err(broadcast::error::RecvError::Closed) => return None,
                    _ => {}
                }
            }
        })
        .await
        .ok()
        .flatten();
        let Some(id) = id else {
            let _ = self.calls.set_hold(false).await;
            return Err(CommandError::unavailable(
                "the line did not ring the colleague",
            ));
        };
        let (peer, signals, session) = match self.media(id).await {
            Ok(media) => media,
            Err(err) => {
                // No media for it: the consultation ends `failed` and the client comes back.
                let reason = CallEndReason::Failed;
                let _ = self
                    .sync
                    .submit_now(Action::HangUp { call: id, reason })
                    .await;
                let _ = self.calls.set_hold(false).await;
                return Err(CommandError::unavailable(err));
            }
        };
        let feed = crate::calls::feed(&peer);
        {
            let mut live = self.live.lock().await;
            // The colleague may have answered (or ended it) while the peer was made.
            let answered = lock(&self.seen).answered.contains(&id);
            *live = Some(Live {
                call,
                to,
                id,
                peer: peer.clone(),
                session: Some(session),
                feed,
                answered,
                joined: false,
            });
            *lock(&self.view) = ConsultView {
                state: if answered { "talking" } else { "ringing" }.into(),
                to: i64::try_from(to).ok(),
                call: i64::try_from(call).ok(),
                consultation: i64::try_from(id).ok(),
                heard: false,
            };
        }
        self.calls.relay(id, signals);
        let early_end = lock(&self.seen)
            .ended
            .iter()
            .find(|(c, _)| *c == id)
            .map(|(_, reason)| *reason);
        if let Some(reason) = early_end {
            self.ended(id, reason).await;
            return Ok(());
        }
        let me = self.clone();
        tauri::async_runtime::spawn(async move { me.watch(id, peer).await });
        Ok(())
    }

    /// The consultation's peer (this side offers) and its engine.
    async fn media(
        &self,
        id: u64,
    ) -> Result<
        (
            Arc<Call>,
            mpsc::UnboundedReceiver<SignalPayload>,
            CallSession,
        ),
        String,
    > {
        let config = self.calls.call_config().await.map_err(|e| e.to_string())?;
        let (peer, channels) = Call::offer(config).await.map_err(|e| e.to_string())?;
        let peer = Arc::new(peer);
        let session = self
            .calls
            .consult_session(&peer, channels.packets, id)
            .map_err(|e| e.to_string())?;
        Ok((peer, channels.signals, session))
    }

    /// Hand the client over to the colleague of the consultation, with the reason (A3).
    pub async fn hand_over(&self, reason: &str) -> CommandResult<()> {
        let id = self.current().await?;
        self.sync
            .submit_now(Action::HandOverCall {
                consultation: id,
                reason: reason.to_string(),
            })
            .await
            .map_err(refused)?;
        Ok(())
    }

    /// End the consultation (ringing or talking) and go back to the client.
    pub async fn back_to_client(&self) -> CommandResult<()> {
        let (id, answered) = self
            .live
            .lock()
            .await
            .as_ref()
            .map(|l| (l.id, l.answered))
            .ok_or_else(|| rule_error(CallTransferError::NotConsulting))?;
        let reason = if answered {
            CallEndReason::HungUp
        } else {
            CallEndReason::Cancelled
        };
        self.sync
            .submit_now(Action::HangUp { call: id, reason })
            .await
            .map_err(refused)?;
        Ok(())
    }

    async fn current(&self) -> CommandResult<u64> {
        self.live
            .lock()
            .await
            .as_ref()
            .map(|l| l.id)
            .ok_or_else(|| rule_error(CallTransferError::NotConsulting))
    }

    /// The ring time and the media: a consultation nobody answers ends `no_answer`, one whose
    /// connection fails ends `failed`.
    async fn watch(&self, id: u64, peer: Arc<Call>) {
        let ring = u64::try_from(CONSULT_RING_MS).unwrap_or(30_000);
        let mut states = peer.watch();
        let rang_out = tokio::time::sleep(Duration::from_millis(ring));
        tokio::pin!(rang_out);
        loop {
            tokio::select! {
                () = &mut rang_out => {
                    let ringing = self
                        .live
                        .lock()
                        .await
                        .as_ref()
                        .is_some_and(|l| l.id == id && !l.answered);
                    if ringing {
                        let _ = self
                            .sync
                            .submit_now(Action::HangUp { call: id, reason: CallEndReason::NoAnswer })
                            .await;
                    }
                    rang_out.as_mut().reset(tokio::time::Instant::now() + Duration::from_secs(3600));
                }
                changed = states.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    let state = *states.borrow();
                    match state {
                        CallState::Failed(_) => {
                            let _ = self
                                .sync
                                .submit_now(Action::HangUp { call: id, reason: CallEndReason::Failed })
                                .await;
                            return;
                        }
                        s if s.is_over() => return,
                        _ => {}
                    }
                }
            }
        }
    }

    /// The consultation ended (`reason`): its engine stops (nothing kept), and unless the
    /// client was handed over, the client's call comes off hold.
    async fn ended(&self, id: u64, reason: CallEndReason) {
        let Some(live) = self.live.lock().await.take_if(|l| l.id == id) else {
            return;
        };
        live.peer.remote_ended(reason).await;
        if let Some(session) = live.session
            && let Ok(report) = session.finish().await
        {
            let _ = std::fs::remove_file(&report.recording);
        }
        if reason != CallEndReason::Transferred {
            // The client's call may have ended meanwhile (that ended this too): nothing to resume.
            let _ = self.calls.set_hold(false).await;
        }
        if live.joined {
            self.calls.unjoined();
        }
        *lock(&self.view) = ConsultView {
            state: wire_code(reason),
            to: i64::try_from(live.to).ok(),
            call: i64::try_from(live.call).ok(),
            consultation: i64::try_from(id).ok(),
            heard: false,
        };
    }

    /// Follow the line: the colleague answers, the consultation ends, its signals.
    async fn listen(self: Arc<Self>, mut incoming: broadcast::Receiver<Incoming>) {
        loop {
            let item = match incoming.recv().await {
                Ok(item) => item,
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return,
            };
            match item {
                Incoming::Signal { call, payload, .. } => {
                    if let Some(live) = self.live.lock().await.as_ref().filter(|l| l.id == call) {
                        let _ = live.feed.send(payload);
                    }
                }
                Incoming::Event {
                    event: Event::ConsultationConnected { consultation, .. },
                    ..
                } => {
                    {
                        let mut seen = lock(&self.seen);
                        seen.answered.push(consultation);
                        if seen.answered.len() > SEEN_KEPT {
                            seen.answered.remove(0);
                        }
                    }
                    if let Some(live) = self
                        .live
                        .lock()
                        .await
                        .as_mut()
                        .filter(|l| l.id == consultation)
                    {
                        live.answered = true;
                        lock(&self.view).state = "talking".into();
                    }
                }
                Incoming::Event {
                    event:
                        Event::ConsultationEnded {
                            consultation,
                            reason,
                            ..
                        },
                    ..
                } => {
                    {
                        let mut seen = lock(&self.seen);
                        seen.ended.push((consultation, reason));
                        if seen.ended.len() > SEEN_KEPT {
                            seen.ended.remove(0);
                        }
                    }
                    self.ended(consultation, reason).await;
                }
                Incoming::Event {
                    event: Event::CallEnded { call, by, .. },
                    ..
                } => self.client_call_ended(call, by).await,
                _ => {}
            }
        }
    }
}

/// Put the client on hold and call colleague `to` about the call in progress.
#[tauri::command]
#[specta::specta]
pub async fn consult_call(consultations: State<'_, ConsultState>, to: i64) -> CommandResult<()> {
    let to = wire_id(to, "to")?;
    consultations.get()?.start(to).await
}

/// Hand the client over to the colleague consulted, with the reason (A3).
#[tauri::command]
#[specta::specta]
pub async fn hand_over_call(
    consultations: State<'_, ConsultState>,
    reason: String,
) -> CommandResult<()> {
    // The wire's own bounds first (the rules, such as a reason being required, are the line's).
    let check = Action::HandOverCall {
        consultation: 0,
        reason: reason.clone(),
    };
    if let Err(field) = check.validate() {
        return Err(CommandError::invalid(
            field.field,
            format!("at most {} characters", field.max),
        ));
    }
    consultations.get()?.hand_over(&reason).await
}

/// Bring the client into the consultation: the three talk (issue 14).
#[tauri::command]
#[specta::specta]
pub async fn join_consultation(consultations: State<'_, ConsultState>) -> CommandResult<()> {
    consultations.get()?.join().await
}

/// End the consultation and go back to the client.
#[tauri::command]
#[specta::specta]
pub async fn end_consultation(consultations: State<'_, ConsultState>) -> CommandResult<()> {
    consultations.get()?.back_to_client().await
}

/// The consultation in progress, or how the last one ended.
#[tauri::command]
#[specta::specta]
pub async fn consult_state(consultations: State<'_, ConsultState>) -> CommandResult<ConsultView> {
    match consultations.0.as_ref() {
        Some(c) => Ok(c.view().await),
        None => Ok(idle()),
    }
}
