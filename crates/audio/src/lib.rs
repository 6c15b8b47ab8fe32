//! The headset, as the call engine sees it: [`AudioIo`], 20 ms frames of 48 kHz mono in and
//! out, pulled and pushed by the engine every 20 ms. Implementations: the real devices through
//! cpal (`devices`), and [`MemoryIo`] (a microphone from samples, a speaker that keeps what it
//! got) for tests and the command-line loopback.

use std::collections::VecDeque;
use std::time::Duration;

#[cfg(target_os = "linux")]
mod alsa_quiet;
pub mod backend;
mod cpal_backend;
pub mod devices;
mod error;
mod headset;
mod levels;
mod link;
mod ring;
pub mod ringtone;
mod test_backend;
mod tone;

pub use cpal_backend::CpalBackend;
pub use devices::{ConfigRange, DeviceChoice, DeviceInfo, StreamFormat};
pub use error::AudioError;
pub use headset::{Headset, HeadsetConfig};
pub use levels::Levels;
pub use linedesk_voice::codec::{FRAME_SAMPLES, Frame, SAMPLE_RATE};
pub use linedesk_voice::level::Level;
pub use link::ActiveDevice;
pub use ring::Stats;
pub use ringtone::{RingPattern, Ringer};
pub use test_backend::{TestBackend, TestDevice};
pub use tone::{TONE_AMPLITUDE, play_test_tone};

/// Capture or playback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    Input,
    Output,
}

/// Something that happened to a device, for the UI (and the call log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceEvent {
    /// The device in use failed or vanished (an unplugged headset): audio now goes through
    /// `to`, the system default. The call goes on.
    Switched {
        direction: Direction,
        from: String,
        to: String,
        why: String,
    },
    /// The device failed and no other could be opened: the engine sends silence (input) or
    /// plays nothing (output) and keeps the call and its recording going.
    Lost { direction: Direction, why: String },
}

/// The audio side of a call, driven by the engine every 20 ms.
pub trait AudioIo: Send {
    /// The next captured 20 ms frame, if one is ready. `None` when the microphone has not
    /// delivered a whole frame yet (or is lost): the engine then sends nothing for this slot.
    fn read_frame(&mut self) -> Option<Frame>;
    /// What goes out with this slot's microphone frame without being the microphone's sound:
    /// the other call's party in a three-way join (`linedesk_engine::conference`). The engine
    /// adds it *after* the microphone path, whose echo cancellation, noise suppression and
    /// gain control are for the microphone (a colleague's steady voice is neither echo nor
    /// noise to remove). `None` for a headset of one call.
    fn read_mix(&mut self) -> Option<Frame> {
        None
    }
    /// A 20 ms frame for the speaker; frames are played in the order given.
    fn write_frame(&mut self, frame: &Frame);
    /// The echo canceller's reference for the frame just written: what the speaker plays,
    /// handed to `each` frame by frame. For a headset of one call that is `written` itself.
    /// In a three-way join the speaker plays both calls' parties summed
    /// (`linedesk_engine::conference`), and the microphone hears both: each call's canceller
    /// is given that mix, as the speaker plays it (none, one or a few frames a tick, as the
    /// two calls' ticks fall), not only its own party.
    fn echo_reference(&mut self, written: &Frame, each: &mut dyn FnMut(&Frame)) {
        each(written);
    }
    /// What happened to the devices since the last call.
    fn poll_events(&mut self) -> Vec<DeviceEvent>;
    /// How long a frame just written waits before the speaker plays it, as far as this side
    /// knows (its playback buffer): where the echo canceller starts looking for the echo.
    fn playback_delay(&self) -> Duration {
        Duration::ZERO
    }
    /// How long the frame just read waited after it was captured (the capture buffer).
    fn capture_delay(&self) -> Duration {
        Duration::ZERO
    }
}

/// No headset at all (a machine without a sound card): a microphone that captures nothing and a
/// speaker that drops what it is given, so a call of any length holds no audio in memory
/// (a [`MemoryIo`] keeps every frame it plays: about 190 KB a second).
#[derive(Debug, Default, Clone, Copy)]
pub struct Silence;

impl AudioIo for Silence {
    fn read_frame(&mut self) -> Option<Frame> {
        None
    }

    fn write_frame(&mut self, _frame: &Frame) {}

    fn poll_events(&mut self) -> Vec<DeviceEvent> {
        Vec::new()
    }
}

/// A microphone that plays back given samples and a speaker that keeps what it was given.
#[derive(Debug, Default)]
pub struct MemoryIo {
    microphone: VecDeque<Frame>,
    /// Everything written to the speaker, in order.
    pub played: Vec<f32>,
}

impl MemoryIo {
    /// A microphone that yields `samples` (48 kHz mono) in 20 ms frames, then nothing.
    pub fn new(samples: &[f32]) -> MemoryIo {
        let microphone = samples
            .chunks(FRAME_SAMPLES)
            .map(|chunk| {
                let mut frame = [0.0; FRAME_SAMPLES];
                frame[..chunk.len()].copy_from_slice(chunk);
                frame
            })
            .collect();
        MemoryIo {
            microphone,
            played: Vec::new(),
        }
    }

    /// Frames still to be captured.
    pub fn remaining(&self) -> usize {
        self.microphone.len()
    }
}

impl AudioIo for MemoryIo {
    fn read_frame(&mut self) -> Option<Frame> {
        self.microphone.pop_front()
    }

    fn write_frame(&mut self, frame: &Frame) {
        self.played.extend_from_slice(frame);
    }

    fn poll_events(&mut self) -> Vec<DeviceEvent> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_io_yields_frames_and_keeps_what_is_played() {
        let samples: Vec<f32> = (0..2000).map(|i| i as f32 / 2000.0).collect();
        let mut io = MemoryIo::new(&samples);
        assert_eq!(io.remaining(), 3);
        let first = io.read_frame().expect("frame");
        assert_eq!(first[1], samples[1]);
        io.write_frame(&first);
        io.read_frame().expect("frame");
        let last = io.read_frame().expect("padded last frame");
        assert_eq!(last[2000 - 2 * FRAME_SAMPLES], 0.0);
        assert!(io.read_frame().is_none());
        assert_eq!(io.played.len(), FRAME_SAMPLES);
    }

    #[test]
    fn silence_captures_nothing_and_keeps_nothing() {
        let mut io = Silence;
        assert!(io.read_frame().is_none());
        io.write_frame(&[0.5; FRAME_SAMPLES]);
        assert!(io.poll_events().is_empty());
        assert_eq!(std::mem::size_of::<Silence>(), 0);
    }
}
