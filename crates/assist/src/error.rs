//! The assistant's one error type.

/// Why the assistant stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AssistError {
    /// The line server could not be reached, refused the sign-in or an action (typed in
    /// [`linedesk_engine::EngineError::Rejected`]), or the session closed.
    #[error("{0}")]
    Line(#[from] linedesk_engine::EngineError),
    /// The screen, the input or the WebRTC transport failed.
    #[error("{0}")]
    Remote(#[from] linedesk_remote::RemoteError),
    /// The session with the server broke in a way the assistant cannot go on from.
    #[error("{0}")]
    Session(String),
}

impl AssistError {
    /// The stable code a window translates (`assist.*`).
    pub fn code(&self) -> &'static str {
        use linedesk_engine::{EndpointError, EngineError};
        match self {
            AssistError::Line(EngineError::Refused {
                status: 401 | 403, ..
            }) => "assist.wrong_credentials",
            AssistError::Line(EngineError::Refused { status: 429, .. }) => "assist.rate_limited",
            AssistError::Line(EngineError::Endpoint(endpoint)) => match endpoint {
                EndpointError::Address { .. } => "assist.bad_address",
                EndpointError::PlainRefused { .. } => "assist.no_scheme",
                EndpointError::CaFile { .. } => "assist.ca_file",
                EndpointError::Unreachable(_) => "assist.unreachable",
                EndpointError::Untrusted(_)
                | EndpointError::NameMismatch { .. }
                | EndpointError::Certificate(_) => "assist.untrusted",
                _ => "assist.secure_connection",
            },
            AssistError::Line(_) | AssistError::Session(_) => "assist.line",
            AssistError::Remote(_) => "assist.screen",
        }
    }
}
