//! [`Headset`]: the specialist's microphone and speaker as one [`AudioIo`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use linedesk_voice::resample::Converter;
use tokio::sync::watch;

use crate::backend::{Backend, Callbacks};
use crate::cpal_backend::CpalBackend;
use crate::devices::{DeviceChoice, StreamFormat};
use crate::levels::{self, Levels, Metering};
use crate::link::{ActiveDevice, Link, MakeCallbacks};
use crate::ring::{CaptureRing, PlaybackRing, Stats};
use crate::tone::Tone;
use crate::{AudioError, AudioIo, DeviceEvent, Direction, FRAME_SAMPLES, Frame, SAMPLE_RATE};

/// Buffer sizes and the retry interval of a [`Headset`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeadsetConfig {
    /// Captured audio kept for the engine; older audio is dropped when the engine lags.
    pub capture_buffer: Duration,
    /// Audio queued for the speaker at most; older audio is dropped beyond it.
    pub playback_buffer: Duration,
    /// Audio queued before the speaker starts (and restarts after an underrun).
    pub playback_prefill: Duration,
    /// How often a lost direction tries the devices again, and a direction that fell back
    /// looks for the chosen device.
    pub retry_every: Duration,
}

impl Default for HeadsetConfig {
    fn default() -> Self {
        Self {
            capture_buffer: Duration::from_millis(200),
            playback_buffer: Duration::from_millis(200),
            playback_prefill: Duration::from_millis(40),
            retry_every: Duration::from_secs(1),
        }
    }
}

fn samples(d: Duration) -> usize {
    (d.as_secs_f64() * f64::from(SAMPLE_RATE)) as usize
}

/// The microphone and speaker of one call (or of the settings screen).
///
/// Audio is converted between the devices' own formats and 48 kHz mono on the device threads;
/// the engine's calls only copy frames out of and into bounded buffers. A failing device is
/// replaced by the default on the engine's next call ([`DeviceEvent::Switched`]); when nothing
/// opens, the direction is [`DeviceEvent::Lost`]: `read_frame` returns `None`, `write_frame`
/// discards, and the devices are tried again every [`HeadsetConfig::retry_every`].
pub struct Headset {
    input: Link,
    output: Link,
    capture: Arc<CaptureRing>,
    playback: Arc<PlaybackRing>,
    levels: Arc<watch::Sender<Levels>>,
    /// Samples waiting in the capture buffer after the last frame read.
    queued_after_read: usize,
}

impl std::fmt::Debug for Headset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Headset")
            .field("input", &self.input.active())
            .field("output", &self.output.active())
            .finish_non_exhaustive()
    }
}

impl Headset {
    /// Open real devices through cpal with the default buffers.
    pub fn open(input: DeviceChoice, output: DeviceChoice) -> Result<Headset, AudioError> {
        Self::open_with(
            Arc::new(CpalBackend),
            input,
            output,
            HeadsetConfig::default(),
        )
    }

    /// Open the chosen devices of `backend`, each falling back to the default when it cannot
    /// be used. Fails only when a direction has no device at all.
    pub fn open_with(
        backend: Arc<dyn Backend>,
        input: DeviceChoice,
        output: DeviceChoice,
        config: HeadsetConfig,
    ) -> Result<Headset, AudioError> {
        let capture = Arc::new(CaptureRing::new(samples(config.capture_buffer)));
        let playback = Arc::new(PlaybackRing::new(
            samples(config.playback_buffer),
            samples(config.playback_prefill),
        ));
        let levels = Arc::new(watch::Sender::new(Levels::default()));
        let make = callbacks(Arc::clone(&capture), Arc::clone(&playback), &levels);
        let input = Link::open(
            Direction::Input,
            Arc::clone(&backend),
            input,
            make,
            config.retry_every,
        )?;
        let make = callbacks(Arc::clone(&capture), Arc::clone(&playback), &levels);
        let output = Link::open(Direction::Output, backend, output, make, config.retry_every)?;
        Ok(Headset {
            input,
            output,
            capture,
            playback,
            levels,
            queued_after_read: 0,
        })
    }

    /// The device a direction is using, `None` while it is lost.
    pub fn device(&self, direction: Direction) -> Option<&ActiveDevice> {
        match direction {
            Direction::Input => self.input.active(),
            Direction::Output => self.output.active(),
        }
    }

    /// Microphone and speaker levels, updated every 20 ms of audio.
    pub fn levels(&self) -> watch::Receiver<Levels> {
        self.levels.subscribe()
    }

    /// Drop, underrun and discard counters.
    pub fn stats(&self) -> Stats {
        let mut stats = Stats::default();
        self.capture.stats(&mut stats);
        self.playback.stats(&mut stats);
        stats
    }

    /// How much captured audio waited behind the last frame read: the buffering part of the
    /// microphone's delay.
    pub fn capture_backlog(&self) -> Duration {
        Duration::from_secs_f64(self.queued_after_read as f64 / f64::from(SAMPLE_RATE))
    }

    /// Play a sine on the speaker for `duration`, mixed over whatever else plays (the
    /// settings screen's "test sound").
    pub fn play_tone(&mut self, hz: f32, duration: Duration) {
        self.playback.start_tone(Tone::new(hz, duration));
    }

    fn check(&mut self, direction: Direction) -> bool {
        let now = Instant::now();
        let link = match direction {
            Direction::Input => &mut self.input,
            Direction::Output => &mut self.output,
        };
        let open = link.check(now);
        if !open {
            levels::set(&self.levels, direction, levels::SILENT);
        }
        open
    }
}

impl AudioIo for Headset {
    fn read_frame(&mut self) -> Option<Frame> {
        if !self.check(Direction::Input) {
            return None;
        }
        let (frame, queued) = self.capture.pop_frame()?;
        self.queued_after_read = queued;
        Some(frame)
    }

    fn write_frame(&mut self, frame: &Frame) {
        if self.check(Direction::Output) {
            self.playback.push_frame(frame);
        } else {
            self.playback.discard_frame();
        }
    }

    fn playback_delay(&self) -> Duration {
        Duration::from_secs_f64(self.playback.queued() as f64 / f64::from(SAMPLE_RATE))
    }

    fn capture_delay(&self) -> Duration {
        self.capture_backlog()
    }

    fn poll_events(&mut self) -> Vec<DeviceEvent> {
        self.check(Direction::Input);
        self.check(Direction::Output);
        let mut events = self.input.drain_events();
        events.extend(self.output.drain_events());
        events
    }
}

/// The data callbacks of a device of either direction at `format`: conversion to or from
/// 48 kHz mono, the buffers, and the level meter.
fn callbacks(
    capture: Arc<CaptureRing>,
    playback: Arc<PlaybackRing>,
    levels: &Arc<watch::Sender<Levels>>,
) -> MakeCallbacks {
    let levels = Arc::clone(levels);
    Box::new(move |direction, format: &StreamFormat| {
        let mut meter = Metering::new(direction, Arc::clone(&levels));
        match direction {
            Direction::Input => {
                let mut converter = Converter::capture(format.rate, format.channels)?;
                let capture = Arc::clone(&capture);
                let mut mono = Vec::with_capacity(4 * FRAME_SAMPLES);
                Ok(Callbacks::Input(Box::new(move |data: &[f32]| {
                    mono.clear();
                    // A resampler error cannot be fixed on the device thread: that audio is lost.
                    if converter.process(data, &mut mono).is_ok() {
                        capture.push(&mono);
                        meter.feed(&mono);
                    }
                })))
            }
            Direction::Output => {
                let mut converter = Converter::playback(format.rate, format.channels)?;
                let playback = Arc::clone(&playback);
                let mut mono = vec![0.0; FRAME_SAMPLES / 2];
                let mut converted: Vec<f32> = Vec::with_capacity(8 * FRAME_SAMPLES);
                Ok(Callbacks::Output(Box::new(move |out: &mut [f32]| {
                    // Pull 10 ms at a time until the device's buffer can be filled.
                    while converted.len() < out.len() {
                        playback.pull(&mut mono);
                        meter.feed(&mono);
                        if converter.process(&mono, &mut converted).is_err() {
                            converted.resize(out.len(), 0.0);
                        }
                    }
                    out.copy_from_slice(&converted[..out.len()]);
                    converted.drain(..out.len());
                })))
            }
        }
    })
}
