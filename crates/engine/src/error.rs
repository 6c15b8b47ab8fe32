//! The crate's one error type; [`EngineError::code`] is the stable code for the UI.

use std::path::PathBuf;

use linedesk_call::CallError;
use linedesk_voice::VoiceError;

/// What can go wrong while running, reporting or uploading a call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The codec, the recorder or the resampler refused.
    #[error("voice: {0}")]
    Voice(#[from] VoiceError),
    /// The call's transport refused.
    #[error("call: {0}")]
    Call(#[from] CallError),
    /// A local file (recording, upload queue, WAV).
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The server could not be reached, its certificate was not trusted, or the connection
    /// broke: typed in [`linedesk_endpoint::EndpointError`] (`Untrusted`, `NameMismatch`, ...).
    #[error("{0}")]
    Endpoint(#[from] linedesk_endpoint::EndpointError),
    /// The server answered an HTTP request with an error status.
    #[error("server refused ({status}): {message}")]
    Refused { status: u16, message: String },
    /// The line server's session answered a frame with an error, or never answered.
    #[error("line server: {0}")]
    Line(String),
    /// The line server refused an action with a typed code (a wrong session password, a
    /// conflict, ...): the caller can switch on `code`.
    #[error("line server refused ({code:?}): {message}")]
    Rejected {
        code: linedesk_protocol::ErrorCode,
        message: String,
    },
    /// The call's peer failed before or while connecting (the reason says why).
    #[error("the call failed: {0}")]
    CallFailed(linedesk_call::FailReason),
    /// The server's ICE servers (`GET /api/ice`) are unusable.
    #[error("the line's ICE servers: {0}")]
    IceServers(String),
    /// A WAV file that cannot be read or written.
    #[error("wav: {0}")]
    Wav(String),
    /// A malformed upload-queue sidecar or server answer.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// The engine's task panicked or was cancelled.
    #[error("engine task: {0}")]
    Task(String),
}

impl EngineError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> EngineError {
        let path = path.into();
        move |source| EngineError::Io { path, source }
    }

    /// A stable code for the UI boundary.
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::Voice(_) => "engine.voice",
            EngineError::Call(e) => e.code(),
            EngineError::Io { .. } => "engine.io",
            EngineError::Endpoint(e) => e.code(),
            EngineError::Refused { .. } => "engine.refused",
            EngineError::Line(_) => "engine.line",
            EngineError::Rejected { .. } => "engine.rejected",
            EngineError::CallFailed(_) => "engine.call_failed",
            EngineError::IceServers(_) => "engine.ice_servers",
            EngineError::Wav(_) => "engine.wav",
            EngineError::Json(_) => "engine.json",
            EngineError::Task(_) => "engine.task",
        }
    }
}
