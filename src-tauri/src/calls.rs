//! Calls in the app (V1): one call at a time, placed or answered by the specialist, carried by
//! `linedesk-call` (WebRTC), run by `linedesk-engine` on the headset (`linedesk-audio`), signalled
//! through the sync client's live channel, recorded, and its recording uploaded afterwards
//! (queued and retried until the server has it).
//!
//! The UI polls [`Calls::view`] (a cheap copy) for the call panel: state, who, since when,
//! mute and hold, both levels and the live quality.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use linedesk_audio::{AudioIo, DeviceChoice, DeviceEvent, Headset, MemoryIo};
use linedesk_call::{Call, CallConfig, CallState};
use linedesk_engine::{Bare, CallSession, Connector, SessionConfig, Side, UploadQueue};
use linedesk_protocol::{Action, CallEndReason, Event, Role, SignalPayload};
use linedesk_store::Store;
use linedesk_sync::{Incoming, SyncHandle};
use serde::Serialize;
use tokio::sync::{broadcast, mpsc};

use crate::state::lock;

mod consulted;

/// What the call panel shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CallView {
    /// `idle`, `ringing_in`, `ringing_out`, `connecting`, `connected`, `on_hold`,
    /// `reconnecting` (the path broke: ICE restarts, the call goes on), `ended`.
    pub state: String,
    pub call: Option<u32>,
    pub line_id: Option<i64>,
    pub client_id: Option<i64>,
    pub muted: bool,
    /// Milliseconds since the call connected.
    pub connected_ms: Option<u32>,
    /// Why it ended (`hung_up`, `declined`, `failed: ...`).
    pub reason: Option<String>,
    /// Microphone and speaker levels, dBFS.
    pub mic_dbfs: f32,
    pub speaker_dbfs: f32,
    /// The headset during the call: `no_headset` (silence from the start), `switched:NAME`
    /// (unplugged, now on the default NAME), `lost` (no device at all; the call goes on).
    pub device_notice: Option<String>,
    /// The last call's MOS estimate (E-model), once it ended.
    pub mos: Option<f32>,
    /// The quality so far while connected, refreshed every second.
    pub quality: Option<QualityView>,
    /// The recording's indicator while the call runs.
    pub recording: Option<crate::recording::RecordingView>,
    /// A consultation: the colleague who consults this specialist about `client_id`'s call.
    pub consult_from: Option<i64>,
    /// The three-way join (issue 14): the colleague talking with the client and this
    /// specialist in this call, and their name.
    pub joined_with: Option<i64>,
    pub joined_name: Option<String>,
    /// A call through the PBX (issue 18, `sip_calls`): the number dialled.
    pub sip_number: Option<String>,
}

/// The in-call quality indicator's figures (V1: from the call's live statistics).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct QualityView {
    /// E-model MOS estimate, 1-4.5.
    pub mos: f32,
    /// The client's packets lost or late, percent.
    pub loss_percent: f32,
    pub jitter_ms: u32,
    pub rtt_ms: Option<u32>,
    /// Nothing received yet from the client: "no audio", whatever the MOS says.
    pub silent: bool,
    /// Nothing at all heard from the client for this many seconds (10 or more): the media
    /// stopped. `None` while it flows.
    pub no_media_seconds: Option<u32>,
}

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

/// Both levels of the call in progress, streamed to the panel's meters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LevelsView {
    pub mic_dbfs: f32,
    pub speaker_dbfs: f32,
}

/// How often the meters move.
const LEVELS_EVERY: Duration = Duration::from_millis(50);

pub struct Calls {
    sync: Arc<SyncHandle>,
    /// The panel's channel for the level meters (W2, V1), once it asked.
    levels_sink: Mutex<Option<tauri::ipc::Channel<LevelsView>>>,
    store: Arc<Mutex<Store>>,
    data_dir: PathBuf,
    /// The line server as the app knows it (what its sync connects to: `https://...`, or the
    /// embedded server's bare `127.0.0.1:PORT`, plain) and the extra CA file of its sync.
    server: String,
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
    #[error("the call: {0}")]
    Call(String),
}

const RING_WAIT: Duration = Duration::from_secs(15);

fn idle() -> CallView {
    CallView {
        state: "idle".into(),
        mic_dbfs: -100.0,
        speaker_dbfs: -100.0,
        ..CallView::default()
    }
}

/// The headset, or silence when there is none (a machine without a sound card): the call and
/// its recording go on, and the panel says why nothing is heard.
fn headset(input: DeviceChoice, output: DeviceChoice) -> (Box<dyn AudioIo>, Option<String>) {
    match Headset::open(input, output) {
        Ok(headset) => (Box::new(headset), None),
        Err(err) => (Box::new(MemoryIo::default()), Some(err.to_string())),
    }
}

impl Calls {
    pub fn new(
        sync: Arc<SyncHandle>,
        store: Arc<Mutex<Store>>,
        data_dir: &Path,
        server: &str,
        ca_file: Option<PathBuf>,
        notices: Arc<Mutex<crate::notices::NoticeLog>>,
    ) -> Arc<Calls> {
        let calls = Arc::new(Calls {
            sync,
            levels_sink: Mutex::new(None),
            store,
            data_dir: data_dir.to_path_buf(),
            server: server.to_string(),
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

    fn set_view(&self, change: impl FnOnce(&mut CallView)) {
        let mut view = lock(&self.view);
        change(&mut view);
    }

    pub fn view(&self) -> CallView {
        let mut view = lock(&self.view).clone();
        if let Ok(active) = self.active.try_lock()
            && let Some(a) = active.as_ref()
        {
            if let Some(at) = a.connected_at {
                view.connected_ms = u32::try_from(at.elapsed().as_millis()).ok();
            }
            if let Some(session) = &a.session {
                let levels = *session.levels().borrow();
                view.mic_dbfs = levels.microphone.rms_dbfs;
                view.speaker_dbfs = levels.speaker.rms_dbfs;
                view.recording = Some((*session.recording().borrow()).into());
                view.quality = session.quality().borrow().map(|q| QualityView {
                    mos: q.mos as f32,
                    loss_percent: q.loss_percent as f32,
                    jitter_ms: u32::try_from(q.jitter.as_millis()).unwrap_or(u32::MAX),
                    rtt_ms: q.rtt.and_then(|r| u32::try_from(r.as_millis()).ok()),
                    silent: q.received == 0,
                    no_media_seconds: q
                        .no_media_for
                        .map(|d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX)),
                });
            }
            if let Some(call) = &a.call {
                view.muted = call.is_muted();
                match call.state() {
                    CallState::OnHold { .. } => view.state = "on_hold".into(),
                    CallState::Reconnecting => view.state = "reconnecting".into(),
                    _ => {}
                }
            }
        }
        view
    }

    /// What silences the ringtone: run before the call's audio opens the headset.
    pub fn on_audio_start(&self, release: Box<dyn FnOnce() + Send>) {
        *lock(&self.release_ring) = Some(release);
    }

    /// The peer's sockets and the line's STUN/TURN servers for this call.
    pub(crate) async fn call_config(&self) -> Result<CallConfig, CallsError> {
        let mut config = config();
        config.ice = crate::ice::setup(&self.server, self.ca_file.as_deref(), self.sync.token())
            .await
            .map_err(CallsError::Call)?;
        Ok(config)
    }

    fn recordings(&self) -> PathBuf {
        self.data_dir.join("recordings")
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
            .map_err(|e| CallsError::Server(e.to_string()))?;
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
                .map_err(|e| CallsError::Server(e.to_string()))?;
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

    /// The session's token, the server as the app knows it and its extra CA file (for the
    /// recording player's download).
    pub fn token(&self) -> Option<String> {
        self.sync.token()
    }

    pub fn server(&self) -> &str {
        &self.server
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

    /// The microphone path's stages for the call in progress (from its next frame).
    pub async fn set_processing(&self, stages: linedesk_engine::Stages) {
        if let Some(session) = self
            .active
            .lock()
            .await
            .as_ref()
            .and_then(|a| a.session.as_ref())
        {
            session.set_processing(stages);
        }
    }

    fn start_session(
        &self,
        call: &Arc<Call>,
        packets: tokio::sync::mpsc::Receiver<linedesk_call::ReceivedPacket>,
        id: u64,
        consultation: bool,
    ) -> Result<CallSession, CallsError> {
        if let Some(release) = lock(&self.release_ring).take() {
            release();
        }
        // The call takes the headset: a recording being played stops.
        self.player.stop();
        // A consultation's scratch recording is never journalled: nothing recovers it.
        let dir = match consultation {
            true => self.recordings().join("consultations"),
            false => self.recordings(),
        };
        std::fs::create_dir_all(&dir).map_err(|e| CallsError::Call(e.to_string()))?;
        let (input, output) = device_choices(&self.store);
        let (io, missing) = headset(input, output);
        self.set_view(|v| v.device_notice = missing.map(|_| "no_headset".to_string()));
        let mut config = SessionConfig::new(Side::Specialist, dir.join(format!("call-{id}.ogg")));
        if !consultation {
            config.journal = Some(linedesk_engine::journal::Journal::new(id, &self.server));
        }
        config.processing = crate::echo::stages(&self.store);
        let mut session = CallSession::start(call.clone(), packets, io, config)
            .map_err(|e| CallsError::Call(e.to_string()))?;
        crate::call_media::watch_stalls(
            session.quality(),
            self.view.clone(),
            self.store.clone(),
            self.notices.clone(),
        );
        // An unplugged headset: the call and its recording go on; the panel says what happened.
        if let Some(mut events) = session.device_events() {
            let view = self.view.clone();
            tauri::async_runtime::spawn(async move {
                while let Some(event) = events.recv().await {
                    let notice = match event {
                        DeviceEvent::Switched { to, .. } => format!("switched:{to}"),
                        DeviceEvent::Lost { .. } => "lost".to_string(),
                    };
                    lock(&view).device_notice = Some(notice);
                }
            });
        }
        Ok(session)
    }

    /// A call that never connects (no answer within the connect timeout) or whose network path
    /// breaks ends by itself: the server is told why and the panel frees the specialist.
    fn watch_failure(self: &Arc<Self>, id: u64, call: &Arc<Call>) {
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
    async fn listen(self: Arc<Self>, mut incoming: broadcast::Receiver<Incoming>) {
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
                            &self.server,
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

    /// The panel's meters: levels go to `channel` while a call runs (replaces an earlier one).
    pub fn watch_levels(&self, channel: tauri::ipc::Channel<LevelsView>) {
        *lock(&self.levels_sink) = Some(channel);
    }

    async fn stream_levels(self: Arc<Self>) {
        let mut tick = tokio::time::interval(LEVELS_EVERY);
        loop {
            tick.tick().await;
            let levels = match self.active.try_lock() {
                Ok(active) => active.as_ref().and_then(|a| a.session.as_ref()).map(|s| {
                    let l = *s.levels().borrow();
                    LevelsView {
                        mic_dbfs: l.microphone.rms_dbfs,
                        speaker_dbfs: l.speaker.rms_dbfs,
                    }
                }),
                Err(_) => None,
            };
            let Some(levels) = levels else { continue };
            let mut sink = lock(&self.levels_sink);
            if let Some(channel) = sink.as_ref()
                && channel.send(levels).is_err()
            {
                // The page went away (reloaded): it asks again.
                *sink = None;
            }
        }
    }

    /// Upload queued recordings whenever the session has a token, over the server's scheme
    /// (HTTPS with the sync's CA file for `https://`); retried with backoff. A recording that
    /// can never be uploaded is set aside by the queue (the file kept), logged here and shown
    /// on its call's timeline entry with retry and save (`recording_aside.rs`).
    async fn upload_loop(self: Arc<Self>) {
        // A bare address is the embedded server's: the app's own, plain on 127.0.0.1.
        let connector = match Connector::parse(&self.server, Bare::Plain, self.ca_file.as_deref()) {
            Ok(connector) => connector,
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
            if let Ok(pass) = queue
                .pass(&connector, &token, std::time::SystemTime::now())
                .await
            {
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

/// The saved microphone and speaker (W2), or the system defaults.
pub fn device_choices(store: &Mutex<Store>) -> (DeviceChoice, DeviceChoice) {
    let settings = lock(store).settings().unwrap_or_default();
    let choice = |d: Option<String>| d.map_or(DeviceChoice::Default, DeviceChoice::Saved);
    (
        choice(settings.input_device),
        choice(settings.output_device),
    )
}

/// Host candidates on every LAN interface and on loopback (the embedded server's clients on
/// this machine).
fn config() -> CallConfig {
    let mut config = CallConfig::default();
    config.udp_addrs.extend(CallConfig::loopback().udp_addrs);
    config
}
