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
        use linedesk_engine::EngineError;
        match self {
            AssistError::Line(EngineError::Refused {
                status: 401 | 403, ..
            }) => "assist.wrong_credentials",
            AssistError::Line(EngineError::Refused { status: 429, .. }) => "assist.rate_limited",
            AssistError::Line(EngineError::Unreachable(_)) => "assist.unreachable",
            AssistError::Line(_) | AssistError::Session(_) => "assist.line",
            AssistError::Remote(_) => "assist.screen",
        }
    }
}
