//! The audio host behind the headset, as a trait: [`crate::CpalBackend`] for real devices and
//! [`crate::TestBackend`] for tests whose devices fail on demand.
//!
//! A backend only moves interleaved `f32` samples at the device's own rate and channel count;
//! conversion to 48 kHz mono, buffering, levels and device switching live above it, so they
//! are the same code whatever the host.

use crate::devices::{DeviceInfo, StreamFormat};
use crate::{AudioError, Direction};

/// Called on the device's thread with captured interleaved samples.
pub type InputCallback = Box<dyn FnMut(&[f32]) + Send>;
/// Called on the device's thread to fill interleaved samples for the speaker.
pub type OutputCallback = Box<dyn FnMut(&mut [f32]) + Send>;
/// Called on the device's thread when the stream fails for good (device gone). Glitches the
/// stream recovers from by itself (xruns) are not reported.
pub type FailureCallback = Box<dyn FnMut(String) + Send>;

/// A running stream; dropping it stops the device.
pub struct OpenStream {
    /// The device's display name.
    pub name: String,
    pub format: StreamFormat,
    /// Whatever the backend must keep alive while the stream runs.
    pub keep_alive: Box<dyn Send>,
}

impl std::fmt::Debug for OpenStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenStream")
            .field("name", &self.name)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

/// The two callbacks of a stream being opened.
pub enum Callbacks {
    Input(InputCallback),
    Output(OutputCallback),
}

impl Callbacks {
    pub fn direction(&self) -> Direction {
        match self {
            Callbacks::Input(_) => Direction::Input,
            Callbacks::Output(_) => Direction::Output,
        }
    }
}

/// An audio host.
pub trait Backend: Send + Sync {
    /// The devices that can be opened in `direction`.
    fn devices(&self, direction: Direction) -> Result<Vec<DeviceInfo>, AudioError>;

    /// The id of the system default device of `direction`, if there is one.
    fn default_device(&self, direction: Direction) -> Option<String>;

    /// Whether `device` can be found now (without opening it): used to go back to the
    /// chosen headset when it is plugged in again.
    fn is_present(&self, direction: Direction, device: &str) -> bool {
        self.devices(direction)
            .is_ok_and(|devices| devices.iter().any(|d| d.id == device))
    }

    /// The format `device` would run at (its default format).
    fn format(&self, direction: Direction, device: &str) -> Result<StreamFormat, AudioError>;

    /// Open `device` at `format` (as given by [`Backend::format`]) and start it. The data
    /// callback in `callbacks` gives the direction.
    fn open(
        &self,
        device: &str,
        format: &StreamFormat,
        callbacks: Callbacks,
        on_failure: FailureCallback,
    ) -> Result<OpenStream, AudioError>;
}
