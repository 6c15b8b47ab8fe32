//! One PBX call at a time, shown in the app's call panel (`crate::calls::CallView`, the same
//! states and buttons as a line call): dialled from the dial pad or a client's phone number,
//! or ringing in from the PBX (answered or declined with the panel's buttons), followed through its SIP states, its audio run by [`Audio`] once answered, hung up by
//! either side. A line call and a PBX call never run together: each refuses while the other
//! holds the headset.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use linedesk_audio::{AudioIo, Headset, Silence};
use linedesk_sip::{Call, CallEnd, CallState, IncomingCall, MediaStream, Phone, SipError};
use linedesk_store::Store;
use tokio::sync::mpsc;

use super::media::{Audio, AudioReport, Switches};
use super::phone::PhoneLine;
use crate::calls::CallView;
use crate::state::lock;

/// What the panel asks of the call in progress.
enum Command {
    Answer,
    HangUp,
    Press(char),
}

struct Active {
    serial: u64,
    commands: mpsc::UnboundedSender<Command>,
    switches: Arc<Switches>,
    connected_at: Option<Instant>,
    levels: Option<tokio::sync::watch::Receiver<super::media::Levels>>,
}

/// Why a PBX call cannot be placed or changed.
#[derive(Debug, thiserror::Error)]
pub enum SipCallError {
    #[error("a call is already in progress")]
    Busy,
    #[error("there is no PBX call")]
    NoCall,
    #[error(transparent)]
    Sip(#[from] SipError),
}

pub struct SipCalls {
    phone: Arc<PhoneLine>,
    store: Arc<Mutex<Store>>,
    recordings: PathBuf,
    active: Mutex<Option<Active>>,
    view: Arc<Mutex<CallView>>,
    serial: std::sync::atomic::AtomicU64,
    /// The last call's recording file.
    last_recording: Mutex<Option<PathBuf>>,
    /// The line calls' side, which keeps a call with a client on the client's appeal and
    /// uploads its recording (`calls/pbx_record.rs`); none without a line connection.
    line_calls: Option<Arc<crate::calls::Calls>>,
    /// Silences the ringtone (`ringing.rs`) before the call opens the headset, as for a
    /// line call.
    release_ring: Mutex<Option<Box<dyn FnOnce() + Send>>>,
}

impl SipCalls {
    pub fn new(
        phone: Arc<PhoneLine>,
        store: Arc<Mutex<Store>>,
        data_dir: &std::path::Path,
        line_calls: Option<Arc<crate::calls::Calls>>,
    ) -> Arc<SipCalls> {
        Arc::new(SipCalls {
            phone,
            store,
            recordings: data_dir.join("recordings").join("pbx"),
            active: Mutex::new(None),
            view: Arc::new(Mutex::new(idle())),
            serial: std::sync::atomic::AtomicU64::new(0),
            last_recording: Mutex::new(None),
            line_calls,
            release_ring: Mutex::new(None),
        })
    }

    /// Whether a PBX call holds the panel (ringing, connected, or not yet acknowledged ended).
    pub fn active(&self) -> bool {
        lock(&self.active).is_some()
    }

    /// The panel's view of the PBX call: `None` when there is none and none ended yet.
    pub fn view(&self) -> Option<CallView> {
        let mut view = lock(&self.view).clone();
        if view.state == "idle" {
            return None;
        }
        if let Some(active) = lock(&self.active).as_ref() {
            if let Some(at) = active.connected_at {
                view.connected_ms = u32::try_from(at.elapsed().as_millis()).ok();
            }
            view.muted = active
                .switches
                .muted
                .load(std::sync::atomic::Ordering::Relaxed);
            if let Some(levels) = &active.levels {
                let l = *levels.borrow();
                view.mic_dbfs = l.mic_dbfs;
                view.speaker_dbfs = l.speaker_dbfs;
                view.recording = Some(crate::recording::RecordingView {
                    recorded_ms: u32::try_from(l.recorded.as_millis()).unwrap_or(u32::MAX),
                    paused: false,
                    gaps: 0,
                    failed: l.recording_failed,
                });
            }
        }
        Some(view)
    }

    /// Dial `number` through the PBX; `client` is the card it was dialled from, if any.
    pub async fn dial(
        self: &Arc<Self>,
        number: &str,
        line: Option<i64>,
        client: Option<i64>,
    ) -> Result<(), SipCallError> {
        let number = linedesk_sip::dialable(number)?;
        let serial = {
            let mut active = lock(&self.active);
            if active.is_some() {
                return Err(SipCallError::Busy);
            }
            let serial = self
                .serial
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
                + 1;
            // Held while dialling, so that a second click is refused.
            let (commands, _) = mpsc::unbounded_channel();
            *active = Some(Active {
                serial,
                commands,
                switches: Arc::default(),
                connected_at: None,
                levels: None,
            });
            serial
        };
        let placed = match self.phone.agent().await {
            Ok(agent) => agent.dial(&number).await,
            Err(err) => Err(err),
        };
        let call = match placed {
            Ok(call) => call,
            Err(err) => {
                lock(&self.active).take();
                return Err(err.into());
            }
        };
        let (commands, received) = mpsc::unbounded_channel();
        let switches = {
            let mut active = lock(&self.active);
            let Some(a) = active.as_mut().filter(|a| a.serial == serial) else {
                return Err(SipCallError::NoCall);
            };
            a.commands = commands;
            a.switches.clone()
        };
        *lock(&self.view) = CallView {
            state: "ringing_out".into(),
            line_id: line,
            client_id: client,
            sip_number: Some(number),
            ..idle()
        };
        let calls = Arc::clone(self);
        tauri::async_runtime::spawn(async move {
            let cannot = |_: &(dyn Call + 'static)| Err(SipError::Stopped);
            calls
                .follow(call, cannot, received, switches, serial, false)
                .await;
        });
        Ok(())
    }

    /// A call from the PBX rings in the panel (`ringing_in`, the caller's number), unless a
    /// call is in progress here (`busy`: a line call holds the headset): then it is declined.
    pub fn ring(self: &Arc<Self>, call: IncomingCall, busy: bool) {
        let (commands, received) = mpsc::unbounded_channel();
        let switches: Arc<Switches> = Arc::default();
        let serial = {
            let mut active = lock(&self.active);
            if busy || active.is_some() {
                // Dropping an unanswered call declines it.
                drop(call);
                return;
            }
            let serial = self
                .serial
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
                + 1;
            *active = Some(Active {
                serial,
                commands,
                switches: switches.clone(),
                connected_at: None,
                levels: None,
            });
            serial
        };
        *lock(&self.view) = CallView {
            state: "ringing_in".into(),
            sip_number: Some(call.caller().to_string()),
            ..idle()
        };
        let calls = Arc::clone(self);
        tauri::async_runtime::spawn(async move {
            let answer = |c: &IncomingCall| c.answer();
            calls
                .follow(Box::new(call), answer, received, switches, serial, true)
                .await;
        });
    }

    /// The call from the PBX ringing now, if one is: its serial and the panel's view.
    pub fn ringing(&self) -> Option<(u64, CallView)> {
        let view = lock(&self.view).clone();
        if view.state != "ringing_in" {
            return None;
        }
        let serial = lock(&self.active).as_ref()?.serial;
        Some((serial, view))
    }

    /// `release` runs before the ringing call opens the headset (the ringtone stops first).
    pub fn on_audio_start(&self, release: Box<dyn FnOnce() + Send>) {
        *lock(&self.release_ring) = Some(release);
    }

    /// Pick up the ringing PBX call.
    pub fn answer(&self) -> Result<(), SipCallError> {
        if lock(&self.view).state != "ringing_in" {
            return Err(SipCallError::NoCall);
        }
        self.command(Command::Answer)
    }

    pub fn hang_up(&self) -> Result<(), SipCallError> {
        self.command(Command::HangUp)
    }

    /// A dial-pad key during the call (`0`-`9`, `*`, `#`, `A`-`D`).
    pub fn press(&self, key: char) -> Result<(), SipCallError> {
        if !matches!(key, '0'..='9' | '*' | '#' | 'A'..='D') {
            return Err(SipError::InvalidNumber.into());
        }
        self.command(Command::Press(key))
    }

    pub fn set_muted(&self, on: bool) -> Result<(), SipCallError> {
        let active = lock(&self.active);
        let a = active.as_ref().ok_or(SipCallError::NoCall)?;
        a.switches
            .muted
            .store(on, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// Hold on this side: nothing sent and nothing played (the PBX is not told yet).
    pub fn set_hold(&self, on: bool) -> Result<(), SipCallError> {
        let active = lock(&self.active);
        let a = active.as_ref().ok_or(SipCallError::NoCall)?;
        if a.connected_at.is_none() {
            return Err(SipCallError::NoCall);
        }
        a.switches
            .held
            .store(on, std::sync::atomic::Ordering::Relaxed);
        lock(&self.view).state = if on { "on_hold" } else { "connected" }.into();
        Ok(())
    }

    fn command(&self, command: Command) -> Result<(), SipCallError> {
        let active = lock(&self.active);
        let a = active.as_ref().ok_or(SipCallError::NoCall)?;
        a.commands.send(command).map_err(|_| SipCallError::NoCall)
    }

    /// Follow the call's states and the panel's commands until it ends.
    async fn follow<C: Call + ?Sized>(
        self: Arc<Self>,
        mut call: Box<C>,
        answer: impl Fn(&C) -> Result<(), SipError> + Send,
        mut commands: mpsc::UnboundedReceiver<Command>,
        switches: Arc<Switches>,
        serial: u64,
        inbound: bool,
    ) {
        let mut audio: Option<Audio> = None;
        let mut hung_up = false;
        let reason = loop {
            tokio::select! {
                state = call.next_state() => match state {
                    Some(CallState::Dialing) => {}
                    // A call from the PBX rings here from the start (`ringing_in`).
                    Some(CallState::Ringing) if !inbound => self.set_state("ringing_out"),
                    Some(CallState::Ringing) => {}
                    Some(CallState::Answered { codec, remote_media }) => {
                        match self.start_audio(call.media_socket(), codec, remote_media, &switches) {
                            Ok(started) => {
                                if let Some(a) = lock(&self.active).as_mut().filter(|a| a.serial == serial) {
                                    a.connected_at = Some(Instant::now());
                                    a.levels = Some(started.levels.clone());
                                }
                                audio = Some(started);
                                self.set_state("connected");
                            }
                            Err(err) => {
                                let _ = call.hang_up().await;
                                break err.code().to_string();
                            }
                        }
                    }
                    Some(CallState::HeldByFarEnd) => self.set_state("on_hold"),
                    Some(CallState::ResumedByFarEnd) => self.set_state("connected"),
                    Some(CallState::Ended(end)) => break end_code(&end),
                    None => break "failed".to_string(),
                },
                command = commands.recv(), if !hung_up => match command {
                    Some(Command::Answer) => {
                        self.set_state("connecting");
                        if let Err(err) = answer(call.as_ref()) {
                            let _ = call.hang_up().await;
                            break err.code().to_string();
                        }
                    }
                    Some(Command::Press(key)) => {
                        if let Some(audio) = &audio {
                            audio.press(key);
                        }
                    }
                    Some(Command::HangUp) | None => {
                        hung_up = true;
                        if call.hang_up().await.is_err() {
                            break "hung_up".to_string();
                        }
                    }
                },
            }
        };
        let report = match audio {
            Some(audio) => Some(audio.finish().await),
            None => None,
        };
        let talked = lock(&self.active)
            .as_ref()
            .filter(|a| a.serial == serial)
            .and_then(|a| a.connected_at)
            .map(|at| at.elapsed());
        let recording = report.as_ref().and_then(|r| r.recording.clone());
        let (line, client) = {
            let view = lock(&self.view);
            (view.line_id, view.client_id)
        };
        self.ended(serial, reason, report);
        // A call with a client (dialled from the card) goes on the client's appeal (A1).
        if let (Some(line), Some(client), Some(connected)) = (line, client, talked)
            && let (Ok(line), Ok(client)) = (u64::try_from(line), u64::try_from(client))
        {
            let done = crate::calls::PbxCallDone {
                line,
                client,
                inbound,
                connected,
            };
            self.keep(done, recording).await;
        }
    }

    /// Keep the ended call on the client's appeal with its recording (the line calls' upload
    /// queue); when the line cannot take it now, the recording stays in `recordings/pbx`.
    async fn keep(&self, call: crate::calls::PbxCallDone, recording: Option<PathBuf>) {
        let Some(line_calls) = &self.line_calls else {
            return;
        };
        if let Err(err) = line_calls.keep_pbx_call(call, recording.as_deref()).await {
            eprintln!(
                "linedesk: the PBX call is not on the client's appeal ({err}); its recording \
                 stays in {}",
                self.recordings.display()
            );
        }
    }

    fn start_audio(
        &self,
        socket: Result<std::net::UdpSocket, SipError>,
        codec: linedesk_sip::Codec,
        remote: Option<std::net::SocketAddr>,
        switches: &Arc<Switches>,
    ) -> Result<Audio, SipError> {
        let remote = remote.ok_or_else(|| SipError::Media("the answer has no address".into()))?;
        let stream = MediaStream::start(socket?, remote, codec)?;
        std::fs::create_dir_all(&self.recordings).map_err(|e| SipError::Media(e.to_string()))?;
        if let Some(release) = lock(&self.release_ring).take() {
            release();
        }
        let (input, output) = crate::calls::device_choices(&self.store);
        let io: Box<dyn AudioIo> = match Headset::open(input, output) {
            Ok(headset) => Box::new(headset),
            Err(_) => {
                lock(&self.view).device_notice = Some("no_headset".into());
                Box::new(Silence)
            }
        };
        let name = format!("pbx-{}.ogg", crate::commands::now_ms());
        Ok(Audio::start(
            stream,
            io,
            crate::echo::stages(&self.store),
            self.recordings.join(name),
            switches.clone(),
        ))
    }

    fn set_state(&self, state: &str) {
        lock(&self.view).state = state.into();
    }

    fn ended(&self, serial: u64, reason: String, report: Option<AudioReport>) {
        let mut active = lock(&self.active);
        if active.as_ref().is_some_and(|a| a.serial == serial) {
            *active = None;
        }
        let mut view = lock(&self.view);
        view.state = "ended".into();
        view.reason = Some(reason);
        view.connected_ms = None;
        drop(view);
        *lock(&self.last_recording) = report.and_then(|r| r.recording);
    }

    /// The last ended call's recording (two channels, Ogg Opus), if it was written.
    pub fn last_recording(&self) -> Option<PathBuf> {
        lock(&self.last_recording).clone()
    }

    /// The panel closed the ended call's view.
    pub fn dismiss(&self) {
        if !self.active() {
            *lock(&self.view) = idle();
        }
    }
}

fn idle() -> CallView {
    CallView {
        state: "idle".into(),
        mic_dbfs: -100.0,
        speaker_dbfs: -100.0,
        ..CallView::default()
    }
}

/// The panel's reason code of a call's end (`call.reason.*` in the UI).
pub fn end_code(end: &CallEnd) -> String {
    match end {
        CallEnd::HungUp | CallEnd::FarEndHungUp => "hung_up".into(),
        CallEnd::Cancelled => "cancelled".into(),
        CallEnd::Busy => "busy".into(),
        CallEnd::NoAnswer => "no_answer".into(),
        CallEnd::Declined => "declined".into(),
        CallEnd::NotFound => "not_found".into(),
        CallEnd::NoCommonCodec => "no_common_codec".into(),
        CallEnd::Failed(err) => err.code().into(),
    }
}
