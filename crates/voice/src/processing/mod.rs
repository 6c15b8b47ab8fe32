//! The microphone path's processing: echo cancellation, noise suppression and gain control.
//!
//! [`MicProcessor`] is what the engine drives; [`WebRtcProcessor`] implements it over
//! `sonora` (a pure-Rust port of WebRTC's audio processing: AEC3, NS, AGC2). Audio goes in
//! as 48 kHz mono in whole 10 ms chunks ([`CHUNK_SAMPLES`]); a 20 ms engine frame is two.
//!
//! ```text
//! far end (decoded, what the speaker is given) ── analyze_render ──┐ echo reference
//! microphone ──────────────────────────────────── process_capture ─┴─► to the encoder
//! ```
//!
//! The echo canceller finds the delay between a reference frame and its echo itself (AEC3's
//! delay estimator), and leaves the microphone untouched until it finds an echo at all
//! (see `echo.rs`: with no echo, AEC3 alone would still cut into the specialist's voice while
//! the client talks); [`MicProcessor::set_stream_delay`] tells it where to start looking (the
//! playback and capture buffering the headset knows of). The reference must be analysed no
//! later than its echo reaches the microphone: the engine hands it over when it writes the
//! frame to the speaker, before the speaker plays it.
//!
//! [`EchoPath`] simulates a speaker-to-microphone path (delay, a room's impulse response with
//! a decaying tail, a level) and [`measure`] has what tests and the bench measure with.

mod apm;
mod bands;
mod echo;
mod echo_path;
pub mod measure;
mod noise;

use std::time::Duration;

pub use apm::WebRtcProcessor;
pub use echo_path::EchoPath;

use crate::VoiceError;

/// Samples of one 10 ms chunk at 48 kHz: the unit the processing works in.
pub const CHUNK_SAMPLES: usize = 480;

/// Which stages run. All on by default: that is what a headset call needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stages {
    /// The far end's voice removed from the microphone (AEC3).
    pub echo_cancellation: bool,
    /// Steady background noise (fans, hum, a neighbour's keyboard) reduced.
    pub noise_suppression: bool,
    /// The voice brought to a steady level (AGC2's adaptive digital gain and limiter).
    pub gain_control: bool,
}

impl Stages {
    /// Every stage on.
    pub const ALL: Stages = Stages {
        echo_cancellation: true,
        noise_suppression: true,
        gain_control: true,
    };
    /// Nothing runs: the microphone goes out as captured.
    pub const NONE: Stages = Stages {
        echo_cancellation: false,
        noise_suppression: false,
        gain_control: false,
    };
    /// Only the echo canceller.
    pub const ECHO_ONLY: Stages = Stages {
        echo_cancellation: true,
        noise_suppression: false,
        gain_control: false,
    };

    /// Whether anything runs at all.
    pub fn any(self) -> bool {
        self.echo_cancellation || self.noise_suppression || self.gain_control
    }
}

impl Default for Stages {
    fn default() -> Self {
        Stages::ALL
    }
}

/// What the implementation says about the echo, when it says anything.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Estimates {
    /// Echo return loss enhancement: how much weaker the echo is after the canceller, dB.
    pub erle_db: Option<f64>,
    /// Echo return loss: how much weaker the echo is than the reference, dB.
    pub erl_db: Option<f64>,
    /// The delay the canceller found between a reference frame and its echo.
    pub delay: Option<Duration>,
    /// Whether the canceller found an echo in this call: until it does, the microphone goes
    /// out as captured (a headset has none to remove).
    pub echo_found: bool,
}

/// The microphone path's processor, fed 10 ms chunks (one or more per call).
pub trait MicProcessor: Send {
    /// The far end's audio as the speaker is given it (the echo reference).
    fn analyze_render(&mut self, far: &[f32]) -> Result<(), VoiceError>;
    /// Process captured audio in place.
    fn process_capture(&mut self, near: &mut [f32]) -> Result<(), VoiceError>;
    /// Where the echo is expected: the playback buffering after a reference frame is
    /// analysed plus the capture buffering before a captured frame is processed.
    fn set_stream_delay(&mut self, delay: Duration);
    /// Switch stages; the ones kept on keep what they learned.
    fn set_stages(&mut self, stages: Stages);
    fn stages(&self) -> Stages;
    fn estimates(&self) -> Estimates;
}

/// The chunks of `samples`, refusing a length that is not whole chunks.
pub(crate) fn chunks_of(samples: usize) -> Result<usize, VoiceError> {
    if samples.is_multiple_of(CHUNK_SAMPLES) {
        Ok(samples / CHUNK_SAMPLES)
    } else {
        Err(VoiceError::FrameLength {
            expected: samples.next_multiple_of(CHUNK_SAMPLES),
            got: samples,
        })
    }
}
