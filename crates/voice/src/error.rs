//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong in the voice engine's pure parts.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VoiceError {
    /// libopus refused a call (bad argument, corrupted packet, internal error).
    #[error("opus: {0}")]
    Opus(#[from] opus::Error),
    /// libopus refused a call made through the call decoder's bindings (`opusic-c`).
    #[error("opus: {0:?}")]
    OpusCode(opusic_c::ErrorCode),
    /// A frame given to the codec or the recorder did not hold exactly one 20 ms frame.
    #[error("a frame must hold {expected} samples, got {got}")]
    FrameLength { expected: usize, got: usize },
    /// A codec setting outside what the engine supports.
    #[error("invalid codec setting: {0}")]
    InvalidConfig(&'static str),
    /// A device format the resampler cannot handle (zero rate or zero channels).
    #[error("unsupported device format: {rate} Hz, {channels} channels")]
    DeviceFormat { rate: u32, channels: u16 },
    /// The resampler failed (construction or processing).
    #[error("resampler: {0}")]
    Resample(String),
    /// Reading or writing a recording file.
    #[error("recording {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Writing a recording to a stream (no path known).
    #[error("recording stream: {0}")]
    Stream(#[source] std::io::Error),
    /// A recording file that is not an Ogg Opus file this crate wrote.
    #[error("not a Linedesk call recording: {0}")]
    BadRecording(&'static str),
    /// The microphone path's processing refused a frame.
    #[error("audio processing: {0}")]
    Processing(String),
}
