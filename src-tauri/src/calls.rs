//! Calls in the app (V1): one call at a time, placed or answered by the specialist, carried by
//! `linedesk-call` (WebRTC), run by `linedesk-engine` on the headset (`linedesk-audio`), signalled
//! through the sync client's live channel, recorded, and its recording uploaded afterwards
//! (queued and retried until the server has it).
//!
//! The UI polls [`Calls::view`] (a cheap copy) for the call panel: state, who, since when,
//! mute and hold, both levels and the live quality.
//!
//! A module per concept: this one places, answers, holds and hangs up the call; `view` is what
//! the panel shows, `session` the engine on the headset, `signalling` the line's events and the
//! peers' signals, `finish` the end of a call and the upload of its recording, `consulted` the
//! consulted colleague's side of a transfer and the three-way join's media.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use linedesk_call::{Call, CallConfig};
use linedesk_engine::CallSession;
use linedesk_protocol::{Action, CallEndReason, Event, SignalPayload};
use linedesk_store::Store;
use linedesk_sync::{Incoming, SyncHandle};
use tokio::sync::mpsc;

use crate::state::lock;

mod consulted;
mod finish;
mod pbx_record;
mod session;
mod signalling;
mod view;

pub use pbx_record::PbxCallDone;
pub use session::device_choices;
use session::headset;
pub(crate) use signalling::feed;
use view::idle;
pub use view::{CallView, LevelsView, QualityView};

struct Active {
    id: u64,
    call: Option<Arc<Call>>,
    session: Option<CallSession>,
    /// An offer relayed before the specialist picked up.
    offer: Option<String>,
    /// Signals for the call's peer, fed by their own task: a peer that takes its time over
    /// a candidate must never hold up the events of the line.
    feed: Option<mpsc::UnboundedSender<SignalPayload>>,
    /// Candidates relayed before the peer existed.
    early: Vec<SignalPayload>,
    connected_at: Option<Instant>,
    /// A colleague's consultation about their client's call (`consulted.rs`): no statistics
    /// and no recording are kept of it.
    consultation: bool,
}

pub struct Calls {
    sync: Arc<SyncHandle>,
    /// The panel's channel for the level meters (W2, V1), once it asked.
    levels_sink: Mutex<Option<tauri::ipc::Channel<LevelsView>>>,
    store: Arc<Mutex<Store>>,
    data_dir: PathBuf,
    /// The line servers as the app knows them (what its sync connects to: `https://...`, or
    /// the embedded server's bare `127.0.0.1:PORT`, plain; several separated by commas, the
    /// sync on one of them: [`SyncHandle::server`]) and the extra CA file of its sync.
    servers: String,
    ca_file: Option<PathBuf>,
    active: tokio::sync::Mutex<Option<Active>>,
    view: Arc<Mutex<CallView>>,
    /// The bell's log, for the notice of a call whose media stopped.
    notices: Arc<Mutex<crate::notices::NoticeLog>>,
    /// Silences the ringtone (`ringing.rs`) before the call opens the headset, which a
    /// raw ALSA device would refuse while the ring still holds it.
    release_ring: Mutex<Option<Box<dyn FnOnce() + Send>>>,
    /// Plays recordings from the timeline; stopped when a call takes the headset.
    player: crate::recording_player::Player,
}

#[derive(Debug, thiserror::Error)]
pub enum CallsError {
    #[error("a call is already in progress")]
    Busy,
    #[error("there is no call to do that with")]
    NoCall,
    #[error("the line server: {0}")]
    Server(String),
    /// The line refused the action for good: its code and the rule (C9's
    /// `appeal.held_by_colleague` when a colleague took the appeal just before the call).
    #[error("the line server refused: {message}")]
    Refused {
        code: linedesk_protocol::ErrorCode,
        message: String,
        rule: Option<String>,
    },
    #[error("the call: {0}")]
    Call(String),
}

const RING_WAIT: Duration = Duration::from_secs(15);

impl From<linedesk_sync::LiveError> for CallsError {
    fn from(err: linedesk_sync::LiveError) -> Self {
        match err {
            linedesk_sync::LiveError::Refused {
                code,
                message,
                rule,
            } => CallsError::Refused {
                code,
                message,
                rule,
            },
            other => CallsError::Server(other.to_string()),
        }
    }
}

impl Calls {
    pub fn new(
        sync: Arc<SyncHandle>,
        store: Arc<Mutex<Store>>,
        data_dir: &Path,
        servers: &str,
        ca_file: Option<PathBuf>,
        notices: Arc<Mutex<crate::notices::NoticeLog>>,
    ) -> Arc<Calls> {
        let calls = Arc::new(Calls {
            sync,
            levels_sink: Mutex::new(None),
            store,
            data_dir: data_dir.to_path_buf(),
            servers: servers.to_string(),
            ca_file,
            active: tokio::sync::Mutex::new(None),
            view: Arc::new(Mutex::new(idle())),
            notices,
            release_ring: Mutex::new(None),
            player: crate::recording_player::Player::default(),
        });
        let listener = calls.clone();
        let incoming = calls.sync.incoming();
        tauri::async_runtime::spawn(async move { listener.listen(incoming).await });
        let meters = calls.clone();
        tauri::async_runtime::spawn(async move { meters.stream_levels().await });
        // What a killed run left is queued before the first upload pass.
        crate::recording::recover(&calls.recordings());
        let uploader = calls.clone();
        tauri::async_runtime::spawn(async move { uploader.upload_loop().await });
        calls
    }

    /// What silences the ringtone: run before the call's audio opens the headset.
    pub fn on_audio_start(&self, release: Box<dyn FnOnce() + Send>) {
        *lock(&self.release_ring) = Some(release);
    }

    /// The peer's sockets and the line's STUN/TURN servers for this call.
    pub(crate) async fn call_config(&self) -> Result<CallConfig, CallsError> {
        let mut config = config();
        config.ice = crate::ice::setup(&self.server(), self.ca_file.as_deref(), self.sync.token())
            .await
            .map_err(CallsError::Call)?;
        Ok(config)
    }

    /// The specialist calls a client of a line (`confirmed`, C9: past a colleague's hold on
    /// the client's appeal, after the warning).
    pub async fn place(
        self: &Arc<Self>,
        line: u64,
        client: u64,
        confirmed: bool,
    ) -> Result<(), CallsError> {
        let mut active = self.active.lock().await;
        if active.is_some() {
            return Err(CallsError::Busy);
        }
        let mut events = self.sync.incoming();
        let key = self
            .sync
            .submit_now(if confirmed {
                Action::PlaceCallConfirmed { line, client }
            } else {
                Action::PlaceCall {
                    line,
                    client: Some(client),
                }
            })
            .await
            .map_err(CallsError::from)?;
        let id = tokio::time::timeout(RING_WAIT, async {
            loop {
                if let Ok(Incoming::Event {
                    event:
                        Event::CallRinging {
                            call, key: Some(k), ..
                        },
                    ..
                }) = events.recv().await
                    && k == key
                {
                    return call;
                }
            }
        })
        .await
        .map_err(|_| CallsError::Server("the server did not ring the client".into()))?;
        let (call, channels) = Call::offer(self.call_config().await?)
            .await
            .map_err(|e| CallsError::Call(e.to_string()))?;
        let call = Arc::new(call);
        self.relay(id, channels.signals);
        self.watch_failure(id, &call);
        let session = self.start_session(&call, channels.packets, id, false)?;
        *active = Some(Active {
            id,
            feed: Some(feed(&call)),
            call: Some(call),
            session: Some(session),
            offer: None,
            early: Vec::new(),
            connected_at: None,
            consultation: false,
        });
        self.set_view(|v| {
            *v = idle();
            v.state = "ringing_out".into();
            v.call = u32::try_from(id).ok();
            v.line_id = i64::try_from(line).ok();
            v.client_id = i64::try_from(client).ok();
        });
        Ok(())
    }

    /// The specialist picks up the ringing call.
    pub async fn answer(self: &Arc<Self>) -> Result<(), CallsError> {
        self.pick_up(true).await
    }

    /// Answer the ringing call (`submit`: tell the line; not for a leg a colleague handed over,
    /// which the line connected already) and take the caller's offer.
    async fn pick_up(self: &Arc<Self>, submit: bool) -> Result<(), CallsError> {
        let mut guard = self.active.lock().await;
        let active = guard.as_mut().ok_or(CallsError::NoCall)?;
        if active.call.is_some() {
            return Err(CallsError::Busy);
        }
        let id = active.id;
        let mut events = self.sync.incoming();
        if submit {
            self.sync
                .submit_now(Action::AnswerCall { call: id })
                .await
                .map_err(CallsError::from)?;
            self.set_view(|v| v.state = "connecting".into());
        }
        let sdp = match active.offer.take() {
            Some(sdp) => sdp,
            None => tokio::time::timeout(RING_WAIT, async {
                loop {
                    if let Ok(Incoming::Signal {
                        call,
                        payload: SignalPayload::Offer { sdp },
                        ..
                    }) = events.recv().await
                        && call == id
                    {
                        return sdp;
                    }
                }
            })
            .await
            .map_err(|_| CallsError::Call("the caller sent no offer".into()))?,
        };
        let (call, channels) = Call::answer(self.call_config().await?, &sdp)
            .await
            .map_err(|e| CallsError::Call(e.to_string()))?;
        let call = Arc::new(call);
        self.relay(id, channels.signals);
        self.watch_failure(id, &call);
        active.session =
            Some(self.start_session(&call, channels.packets, id, active.consultation)?);
        let feeder = feed(&call);
        for early in active.early.drain(..) {
            let _ = feeder.send(early);
        }
        active.feed = Some(feeder);
        active.call = Some(call);
        Ok(())
    }

    /// Decline a ringing call, cancel one being placed, or hang up a connected one.
    pub async fn hang_up(&self) -> Result<(), CallsError> {
        let mut guard = self.active.lock().await;
        let active = guard.as_mut().ok_or(CallsError::NoCall)?;
        let reason = match (&active.call, active.connected_at) {
            (None, _) => CallEndReason::Declined,
            (Some(_), None) => CallEndReason::Cancelled,
            (Some(_), Some(_)) => CallEndReason::HungUp,
        };
        if let Some(call) = &active.call {
            call.hang_up().await;
        }
        let id = active.id;
        let _ = self
            .sync
            .submit_now(Action::HangUp { call: id, reason })
            .await;
        drop(guard);
        self.end(id, reason_code(reason)).await;
        Ok(())
    }

    pub async fn set_muted(&self, on: bool) -> Result<(), CallsError> {
        let guard = self.active.lock().await;
        let call = guard
            .as_ref()
            .and_then(|a| a.call.clone())
            .ok_or(CallsError::NoCall)?;
        call.set_muted(on);
        Ok(())
    }

    pub async fn set_hold(&self, on: bool) -> Result<(), CallsError> {
        let guard = self.active.lock().await;
        let call = guard
            .as_ref()
            .and_then(|a| a.call.clone())
            .ok_or(CallsError::NoCall)?;
        call.hold(on).map_err(|e| CallsError::Call(e.to_string()))?;
        self.set_view(|v| v.state = if on { "on_hold" } else { "connected" }.into());
        Ok(())
    }

    /// Pause or resume the recording of the call in progress.
    pub async fn set_recording_paused(&self, on: bool) -> Result<(), CallsError> {
        let guard = self.active.lock().await;
        let session = guard
            .as_ref()
            .and_then(|a| a.session.as_ref())
            .ok_or(CallsError::NoCall)?;
        session.set_recording_paused(on);
        Ok(())
    }

    /// The session's token, the server the sync is on now and its extra CA file (for the
    /// recording player's download).
    pub fn token(&self) -> Option<String> {
        self.sync.token()
    }

    pub fn server(&self) -> String {
        self.sync.server()
    }

    pub fn ca_file(&self) -> Option<&Path> {
        self.ca_file.as_deref()
    }

    pub fn store(&self) -> &Mutex<Store> {
        &self.store
    }

    pub fn player(&self) -> &crate::recording_player::Player {
        &self.player
    }

    /// Whether a call holds the headset.
    pub fn busy(&self) -> bool {
        self.active.try_lock().map_or(true, |a| a.is_some())
    }
}

fn reason_code(reason: CallEndReason) -> &'static str {
    match reason {
        CallEndReason::HungUp => "hung_up",
        CallEndReason::Cancelled => "cancelled",
        CallEndReason::Declined => "declined",
        CallEndReason::NoAnswer => "no_answer",
        CallEndReason::Failed => "failed",
        CallEndReason::Transferred => "transferred",
    }
}

/// Host candidates on every LAN interface and on loopback (the embedded server's clients on
/// this machine).
fn config() -> CallConfig {
    let mut config = CallConfig::default();
    config.udp_addrs.extend(CallConfig::loopback().udp_addrs);
    config
}
