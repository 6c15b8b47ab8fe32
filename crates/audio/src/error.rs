//! The crate's one error type.

use crate::Direction;

/// What can go wrong when listing or opening audio devices.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AudioError {
    /// Neither the saved device nor the system default could be opened.
    #[error("no {direction:?} device could be opened: {why}")]
    NoDevice { direction: Direction, why: String },
    /// The audio host failed to list or describe devices.
    #[error("audio host: {0}")]
    Host(String),
    /// A device refused to open a stream (busy, unsupported format, gone).
    #[error("device {device}: {why}")]
    Open { device: String, why: String },
    /// The device runs at a format the converter cannot handle.
    #[error("device format: {0}")]
    Format(#[from] linedesk_voice::VoiceError),
}
