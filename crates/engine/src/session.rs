//! [`CallSession`]: one connected call run on tokio, one 20 ms tick at a time.
//!
//! Every tick: the headset's events are forwarded; a captured frame is metered, encoded and
//! sent (not while muted or on hold; DTX packets of one or two bytes are not sent, which the
//! far jitter buffer sees as a timestamp gap); received packets go (through the optional
//! impairment) into the jitter buffer, which says what to play; the decoded frame goes to the
//! speaker; both sides' frames go to the recorder. A lost device only means no frame (the
//! microphone) or nobody listening (the speaker): the call and its recording go on.
//!
//! **Ticks.** `tokio::time::interval` with [`MissedTickBehavior::Burst`]: the headset is a
//! real-time clock of exactly 50 frames per second on both sides. When the task is late (two
//! shared cores, a busy runtime), Burst runs the missed ticks at once, so capture is drained
//! and playback fed at the true long-run rate; `Delay` would drop those ticks for good, and
//! every drop would add 20 ms of latency in the device buffers and fall 20 ms behind the
//! sender. The jitter buffer is given each tick's *scheduled* time, not the time it ran, so
//! a burst does not look like the network speeding up.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use linedesk_audio::{AudioIo, DeviceEvent, FRAME_SAMPLES, Frame};
use linedesk_call::{Call, CallError, CallState, ReceivedPacket, Sent, TICKS_PER_PACKET};
use linedesk_voice::codec::{CodecConfig, Decoder, Encoder, SAMPLE_RATE};
use linedesk_voice::jitter::{JitterBuffer, JitterConfig};
use linedesk_voice::level::{FLOOR_DBFS, Level, LevelMeter};
use linedesk_voice::netsim::{NetConfig, NetSim, Rng};
use linedesk_voice::processing::{Estimates, Stages};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::MissedTickBehavior;

use crate::EngineError;
use crate::call_recording::{CallRecording, RecordingStatus};
use crate::echo::MicPath;
use crate::journal::Journal;
use crate::protection::LossProtection;
use crate::report::CallReport;

/// One frame of audio time.
pub const TICK: Duration = Duration::from_millis(20);
/// How often the RTT is read from WebRTC and the encoder's FEC is retuned (in ticks: 1 s).
pub(crate) const EVERY_SECOND: u64 = 50;
/// Nothing heard from the other side (no packet, no consent check) for this long while the
/// call is up: the media has stopped, and the call says so ([`LiveQuality::no_media_for`],
/// [`CallReport::media_stalls`]) instead of silently staying "connected".
pub const MEDIA_STALL: Duration = Duration::from_secs(10);

/// Which party this engine is: its own voice goes to that channel of the recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Channel 0.
    Specialist,
    /// Channel 1.
    Client,
}

/// A network made worse on purpose. Loss is applied where this side sends (the packet's
/// sequence number is used up, so the other side's RTCP receiver reports see it as on a real
/// lossy path); jitter, reorder and duplicates between the transport and the jitter buffer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Impairment {
    pub net: NetConfig,
    /// The same seed gives the same drops and delays for the same arrivals.
    pub seed: u64,
}

impl Impairment {
    /// `loss` and `reorder` in percent, `jitter` the most extra delay; no fixed delay.
    pub fn new(loss_percent: f64, jitter: Duration, reorder_percent: f64, seed: u64) -> Self {
        Impairment {
            net: NetConfig {
                delay: Duration::ZERO,
                jitter,
                loss: loss_percent / 100.0,
                reorder: reorder_percent / 100.0,
                ..NetConfig::default()
            },
            seed,
        }
    }
}

/// How to run one call.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub side: Side,
    /// Where the two-channel Ogg Opus recording is written (created or truncated).
    pub recording: PathBuf,
    pub codec: CodecConfig,
    pub jitter: JitterConfig,
    pub impairment: Option<Impairment>,
    /// Keep a crash journal next to the recording (`crate::journal`), so an interrupted one is
    /// recovered at the next start.
    pub journal: Option<Journal>,
    /// The microphone path's stages at the start; see [`CallSession::set_processing`]. None
    /// unless asked for: the app asks for what its settings say (every stage on by default);
    /// simulated parties whose microphone is a WAV file need none.
    pub processing: Stages,
}

impl SessionConfig {
    pub fn new(side: Side, recording: PathBuf) -> SessionConfig {
        SessionConfig {
            side,
            recording,
            codec: CodecConfig::default(),
            jitter: JitterConfig::default(),
            impairment: None,
            journal: None,
            processing: Stages::NONE,
        }
    }
}

/// The level meters of both directions, for the UI (updated every tick).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Levels {
    pub microphone: Level,
    pub speaker: Level,
}

impl Default for Levels {
    fn default() -> Self {
        let silent = Level {
            rms_dbfs: FLOOR_DBFS,
            peak_dbfs: FLOOR_DBFS,
        };
        Levels {
            microphone: silent,
            speaker: silent,
        }
    }
}

/// The call's quality so far, refreshed every second for the in-call indicator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LiveQuality {
    /// E-model MOS estimate (1-4.5) from what arrived so far.
    pub mos: f64,
    /// The other side's packets lost or too late, percent.
    pub loss_percent: f64,
    pub jitter: Duration,
    pub rtt: Option<Duration>,
    /// The other side's packets received so far: none after a few seconds means no audio,
    /// whatever the MOS says.
    pub received: u64,
    /// Nothing at all heard from the other side for this long (at least [`MEDIA_STALL`]):
    /// the media path is gone. `None` while it flows.
    pub no_media_for: Option<Duration>,
}

/// A running call. Drop it and the engine stops at its next tick (the recording is still
/// finished); [`CallSession::finish`] stops it and returns the report.
pub struct CallSession {
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<CallReport, EngineError>>,
    levels: watch::Receiver<Levels>,
    quality: watch::Receiver<Option<LiveQuality>>,
    devices: Option<mpsc::UnboundedReceiver<DeviceEvent>>,
    processing: watch::Sender<Stages>,
    echo: watch::Receiver<Estimates>,
    started: Instant,
    pause: watch::Sender<bool>,
    recording: watch::Receiver<RecordingStatus>,
    headsets: mpsc::UnboundedSender<Swap>,
}

/// What a session's headset becomes at its next frame (given the one it has).
type Swap = Box<dyn FnOnce(Box<dyn AudioIo>) -> Box<dyn AudioIo> + Send>;

impl CallSession {
    /// Start running `call` (connected, or about to be): `packets` is its
    /// `CallChannels::packets`; the recording file is created now.
    pub fn start(
        call: Arc<Call>,
        packets: mpsc::Receiver<ReceivedPacket>,
        io: Box<dyn AudioIo>,
        config: SessionConfig,
    ) -> Result<CallSession, EngineError> {
        let (pause, paused) = watch::channel(false);
        let (recording_tx, recording) = watch::channel(RecordingStatus::default());
        let recorder = CallRecording::start(
            config.recording.clone(),
            config.side,
            config.journal.clone(),
            paused,
            recording_tx,
        )?;
        let (levels_tx, levels) = watch::channel(Levels::default());
        let (quality_tx, quality) = watch::channel(None);
        let (devices_tx, devices) = mpsc::unbounded_channel();
        let (stop, stopped) = oneshot::channel();
        let (processing, stages) = watch::channel(config.processing);
        let (estimates, echo) = watch::channel(Estimates::default());
        let started = Instant::now();
        let (headsets, swaps) = mpsc::unbounded_channel();
        let engine = Engine {
            swaps,
            encoder: Encoder::new(&config.codec)?,
            decoder: Decoder::with_complexity(config.codec.decoder_complexity)?,
            jitter: JitterBuffer::new(config.jitter),
            impairment: config
                .impairment
                .map(|i| NetSim::new(i.seed, NetConfig { loss: 0.0, ..i.net })),
            send_loss: config
                .impairment
                .map(|i| (Rng::new(i.seed ^ 0x5eed), i.net.loss)),
            protection: LossProtection::new(config.codec),
            mic_path: MicPath::new(stages, estimates),
            recording: recorder,
            mic: LevelMeter::new(),
            speaker: LevelMeter::new(),
            levels: levels_tx,
            quality: quality_tx,
            devices: devices_tx,
            device_log: Vec::new(),
            timestamp: initial_timestamp(),
            sent: 0,
            ticks: 0,
            rtt: None,
            heard: 0,
            heard_at: None,
            stall: None,
            stalls: Vec::new(),
            far_side: None,
            started,
            call,
            packets,
            io,
            config,
        };
        let task = tokio::spawn(engine.run(stopped));
        Ok(CallSession {
            stop: Some(stop),
            task,
            levels,
            quality,
            devices: Some(devices),
            processing,
            echo,
            started,
            pause,
            recording,
            headsets,
        })
    }

    /// Go on on `io` from the next frame (the three-way join puts both calls on ports of one
    /// shared headset, `crate::conference`); the old one is dropped then. The call, its
    /// recording and its statistics go on untouched.
    pub fn switch_headset(&self, io: Box<dyn AudioIo>) {
        // The engine gone: the call is over, nothing to switch.
        let _ = self.headsets.send(Box::new(move |_old| io));
    }

    /// The three-way join: this session's headset is shared with `other`'s session from their
    /// next frames ([`crate::conference`]: this one, the client's call, on port 0 and driving
    /// it; `other`, the consultation, on port 1, its own headset dropped). Each call then
    /// sends the microphone plus the other call's party, and the headset plays both.
    pub fn share_headset_with(&self, other: &CallSession) {
        let other = other.headsets.clone();
        let _ = self.headsets.send(Box::new(move |io| {
            let (mine, theirs) = crate::conference::conference(io);
            let _ = other.send(Box::new(move |_old| Box::new(theirs)));
            Box::new(mine)
        }));
    }

    /// Pause (`true`) or resume the recording: while paused neither side is recorded and the
    /// file gets a gap (listed in [`CallReport::recording_gaps`]); the call goes on.
    pub fn set_recording_paused(&self, paused: bool) {
        self.pause.send_replace(paused);
    }

    /// The recording's status, for the call panel's indicator.
    pub fn recording(&self) -> watch::Receiver<RecordingStatus> {
        self.recording.clone()
    }

    /// Both directions' levels, for the UI.
    pub fn levels(&self) -> watch::Receiver<Levels> {
        self.levels.clone()
    }

    /// The quality so far (`None` in the first second), for the in-call indicator.
    pub fn quality(&self) -> watch::Receiver<Option<LiveQuality>> {
        self.quality.clone()
    }

    /// The headset's events as they happen (taken once; later calls get `None`).
    pub fn device_events(&mut self) -> Option<mpsc::UnboundedReceiver<DeviceEvent>> {
        self.devices.take()
    }

    /// Switch the microphone path's stages while the call runs (from the next frame).
    pub fn set_processing(&self, stages: Stages) {
        self.processing.send_replace(stages);
    }

    /// The echo canceller's estimates (ERLE, delay), refreshed every second.
    pub fn echo_estimates(&self) -> watch::Receiver<Estimates> {
        self.echo.clone()
    }

    /// When the engine started: the time origin of its recording and its speaker output.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// Stop now (hang up first to end the call itself) and return the report.
    pub async fn finish(mut self) -> Result<CallReport, EngineError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.ended().await
    }

    /// Wait until the call ends by itself (hung up, failed) and return the report.
    pub async fn ended(self) -> Result<CallReport, EngineError> {
        let CallSession { task, stop, .. } = self;
        let report = task.await;
        drop(stop);
        report.map_err(|e| EngineError::Task(e.to_string()))?
    }
}

/// A random RTP start timestamp (RFC 3550 §5.1), without a random-number crate.
fn initial_timestamp() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos());
    h.finish() as u32
}

/// The state the task owns.
struct Engine {
    /// Headsets to go on on ([`CallSession::switch_headset`]).
    swaps: mpsc::UnboundedReceiver<Swap>,
    call: Arc<Call>,
    packets: mpsc::Receiver<ReceivedPacket>,
    io: Box<dyn AudioIo>,
    config: SessionConfig,
    encoder: Encoder,
    decoder: Decoder,
    jitter: JitterBuffer<Bytes>,
    impairment: Option<NetSim<ReceivedPacket>>,
    /// The emulated loss of this side's packets on their way out ([`Impairment`]).
    send_loss: Option<(Rng, f64)>,
    protection: LossProtection,
    mic_path: MicPath,
    recording: CallRecording,
    mic: LevelMeter,
    speaker: LevelMeter,
    levels: watch::Sender<Levels>,
    quality: watch::Sender<Option<LiveQuality>>,
    devices: mpsc::UnboundedSender<DeviceEvent>,
    device_log: Vec<DeviceEvent>,
    timestamp: u32,
    sent: u64,
    ticks: u64,
    rtt: Option<Duration>,
    /// The other side's transport count ([`Call::heard_from_peer`]) and when it last grew.
    heard: u64,
    heard_at: Option<Instant>,
    /// Since when nothing has been heard, once that passed [`MEDIA_STALL`].
    stall: Option<Instant>,
    /// Every stall so far: how long it lasted (the last one until now if it goes on).
    stalls: Vec<Duration>,
    /// The other side's latest RTCP receiver report of this side's stream.
    far_side: Option<linedesk_call::FarSide>,
    started: Instant,
}

impl Engine {
    async fn run(mut self, mut stop: oneshot::Receiver<()>) -> Result<CallReport, EngineError> {
        let mut ticks =
            tokio::time::interval_at(tokio::time::Instant::from_std(self.started), TICK);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
        let mut states = self.call.watch();
        loop {
            tokio::select! {
                biased;
                _ = &mut stop => break,
                changed = states.changed() => {
                    if changed.is_err() || self.call.state().is_over() {
                        break;
                    }
                }
                at = ticks.tick() => {
                    if !self.tick(at.into_std()).await? {
                        break;
                    }
                }
            }
        }
        self.finish()
    }

    /// One 20 ms frame; `false` when the call turned out to be over.
    async fn tick(&mut self, at: Instant) -> Result<bool, EngineError> {
        let now = at.saturating_duration_since(self.started);
        while let Ok(swap) = self.swaps.try_recv() {
            let old =
                std::mem::replace(&mut self.io, Box::new(linedesk_audio::MemoryIo::default()));
            self.io = swap(old);
        }
        for event in self.io.poll_events() {
            // Nobody listening is fine: the report keeps them too.
            let _ = self.devices.send(event.clone());
            self.device_log.push(event);
        }

        // Capture → process → (add a joined call's party) → encode → send.
        let (captured, outgoing) = self.mic_path.outgoing(self.io.as_mut());
        let microphone = self.mic.process(
            captured
                .as_ref()
                .map_or(&[0.0; FRAME_SAMPLES][..], |f| &f[..]),
            SAMPLE_RATE,
        );
        let talking = self.call.state() == CallState::Connected && !self.call.is_muted();
        let local = outgoing.filter(|_| talking);
        if let Some(frame) = &local {
            let packet = self.encoder.encode(frame)?;
            // One- or two-byte packets are DTX silence: not sent.
            let lost = packet.len() > 2
                && self
                    .send_loss
                    .as_mut()
                    .is_some_and(|(rng, loss)| rng.chance(*loss));
            if lost {
                match self.call.lose_packet().await {
                    Ok(true) => self.sent += 1,
                    Ok(false) => {}
                    Err(CallError::Over) => return Ok(false),
                    Err(other) => return Err(other.into()),
                }
            } else if packet.len() > 2 {
                match self
                    .call
                    .send_packet(Bytes::from(packet), self.timestamp)
                    .await
                {
                    Ok(Sent::Sent) => self.sent += 1,
                    Ok(_) => {}
                    Err(CallError::Over) => return Ok(false),
                    Err(other) => return Err(other.into()),
                }
            }
        }
        self.timestamp = self.timestamp.wrapping_add(TICKS_PER_PACKET);

        // Receive → (impair) → jitter buffer → decode → play.
        while let Ok(p) = self.packets.try_recv() {
            let arrival = p.arrival.saturating_duration_since(self.started);
            match self.impairment.as_mut() {
                Some(net) => net.send(arrival, p),
                None => self.jitter.push(p.seq, p.timestamp, p.payload, arrival),
            }
        }
        if let Some(net) = self.impairment.as_mut() {
            for (arrival, p) in net.receive(now) {
                self.jitter.push(p.seq, p.timestamp, p.payload, arrival);
            }
        }
        let playout = self.jitter.pop(now);
        // A packet libopus cannot decode is concealed like a lost one.
        let heard: Frame = match self.decoder.play(&playout) {
            Ok(frame) => frame,
            Err(_) => self.decoder.decode(None)?,
        };
        self.io.write_frame(&heard);
        self.mic_path.render(&heard, self.io.as_mut());
        let speaker = self.speaker.process(&heard, SAMPLE_RATE);
        self.levels.send_replace(Levels {
            microphone,
            speaker,
        });

        let up = !matches!(self.call.state(), CallState::Ringing) && !self.call.state().is_over();
        self.recording.tick(up, local.as_ref(), &heard);
        self.ticks += 1;
        if self.ticks.is_multiple_of(EVERY_SECOND) {
            self.every_second().await?;
        }
        Ok(true)
    }

    /// Read the RTT, and protect the outgoing stream against the loss the other side reports
    /// in its RTCP receiver reports ([`LossProtection`]).
    async fn every_second(&mut self) -> Result<(), EngineError> {
        // One reading of the statistics a second: the RTT and what was heard.
        self.mic_path.publish();
        let health = self.call.transport_health().await;
        if let Some(rtt) = health.rtt {
            self.rtt = Some(rtt);
        }
        let no_media_for = self.watch_media(Instant::now(), health.heard);
        let stats = self.jitter.stats();
        let so_far = CallReport::new(Duration::ZERO, self.sent, stats, self.rtt, PathBuf::new());
        self.quality.send_replace(Some(LiveQuality {
            mos: so_far.mos,
            loss_percent: stats.loss_percent() + stats.late_percent(),
            jitter: stats.jitter,
            rtt: self.rtt,
            received: stats.received,
            no_media_for,
        }));
        let protect = self.protection.update(health.far_side);
        self.encoder
            .set_expected_loss(protect.expected_loss_percent)?;
        self.encoder.set_bitrate(protect.bitrate)?;
        self.encoder.set_max_band(protect.band)?;
        self.far_side = health.far_side.or(self.far_side);
        Ok(())
    }

    /// Whether the other side is still heard; how long it has not been, once that passed
    /// [`MEDIA_STALL`]. Counted only once the media path came up (ringing is not a stall).
    fn watch_media(&mut self, now: Instant, heard: u64) -> Option<Duration> {
        let up = !matches!(self.call.state(), CallState::Ringing) && !self.call.state().is_over();
        if !up {
            return None;
        }
        let since = *self.heard_at.get_or_insert(now);
        if heard != self.heard {
            self.heard = heard;
            self.heard_at = Some(now);
            if let Some(from) = self.stall.take()
                && let Some(last) = self.stalls.last_mut()
            {
                *last = now.saturating_duration_since(from);
            }
            return None;
        }
        let silent = now.saturating_duration_since(since);
        if silent < MEDIA_STALL {
            return None;
        }
        match self.stall {
            None => {
                self.stall = Some(since);
                self.stalls.push(silent);
            }
            Some(_) => {
                if let Some(last) = self.stalls.last_mut() {
                    *last = silent;
                }
            }
        }
        Some(silent)
    }

    fn finish(self) -> Result<CallReport, EngineError> {
        let (recording_error, recording_gaps) = self.recording.finish();
        let mut report = CallReport::new(
            TICK * u32::try_from(self.ticks).unwrap_or(u32::MAX),
            self.sent,
            self.jitter.stats(),
            self.rtt,
            self.config.recording.clone(),
        );
        report.elapsed = self.started.elapsed();
        report.recording_error = recording_error;
        report.recording_gaps = recording_gaps;
        report.device_events = self.device_log;
        report.receive_overflow = self.call.receive_overflow();
        report.media_stalls = self.stalls;
        report.far_side = self.far_side;
        Ok(report)
    }
}
