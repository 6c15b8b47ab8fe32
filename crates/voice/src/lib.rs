//! The pure parts of Linedesk's voice engine: no devices, no sockets, no clock.
//!
//! A call is 48 kHz mono in 20 ms frames ([`codec::FRAME_SAMPLES`] = 960 samples):
//!
//! - capture: the device's audio goes through [`resample::Converter::capture`] to 48 kHz mono,
//!   [`level::LevelMeter`] for the UI, and [`codec::Encoder`] into Opus packets;
//! - playback: packets from the network go into [`jitter::JitterBuffer::push`]; every 20 ms
//!   [`jitter::JitterBuffer::pop`] says what to play and [`codec::Decoder::play`] turns it into
//!   a frame, which [`resample::Converter::playback`] brings to the device's format;
//! - both sides' frames go to [`recording::Recorder`], one two-channel Ogg Opus file per call;
//! - [`quality::mos`] turns the jitter buffer's statistics into an E-model MOS estimate.
//!
//! [`netsim`] is a deterministic network emulator (seeded loss, jitter, reorder, duplicates,
//! clock drift) for tests of the transport and the jitter buffer; [`pipeline::simulate`] runs
//! one direction of a call through it in simulated time (the yardstick of the whole engine).
//!
//! Everything that depends on time takes it as an argument (`Duration` since the call started,
//! on whatever monotonic clock the caller uses), so tests replay exactly.

pub mod codec;
mod error;
pub mod jitter;
pub mod level;
pub mod netsim;
pub mod pipeline;
pub mod playback;
pub mod processing;
/// The E-model (G.107) MOS estimate: the domain's, so the line server estimates a browser's
/// call by the same rule.
pub mod quality {
    pub use linedesk_domain::call_quality::*;
}
pub mod recording;
pub mod recovery;
pub mod resample;

pub use error::VoiceError;
