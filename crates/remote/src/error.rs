//! What can go wrong in a remote session, one variant per cause; [`RemoteError::code`] is the
//! stable code the app's front end switches on.

use linedesk_rtc_peer::NegotiationError;

/// An error of `linedesk-remote`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RemoteError {
    /// The X server could not be reached or refused a request.
    #[error("x11: {0}")]
    X11(String),
    /// The X server lacks an extension this needs (XTEST).
    #[error("the X server has no {0} extension")]
    MissingExtension(&'static str),
    /// The screen's pixel format is not one this captures (24/32-bit TrueColor).
    #[error("unsupported pixel format: {0}")]
    PixelFormat(String),
    /// A frame update could not be decoded or does not fit the canvas.
    #[error("bad frame update: {0}")]
    BadUpdate(&'static str),
    /// An input message could not be parsed or breaks a limit.
    #[error("bad input: {0}")]
    BadInput(String),
    /// A keysym that neither the keyboard map nor a spare keycode can produce.
    #[error("keysym {0:#x} cannot be typed on this keyboard")]
    UnmappableKeysym(u32),
    /// The clipboard could not be read or written.
    #[error("clipboard: {0}")]
    Clipboard(String),
    /// The remote description or candidate is unusable.
    #[error("bad signal: {0}")]
    BadSignal(String),
    /// A signal that makes no sense on this side now.
    #[error("unexpected signal: {0}")]
    UnexpectedSignal(&'static str),
    /// The data channels are not open yet.
    #[error("the session is not connected")]
    NotConnected,
    /// The session has ended.
    #[error("the session is over")]
    Over,
    /// The picture for a page (PNG tiles) could not be made.
    #[error("page picture: {0}")]
    Page(String),
    /// The WebRTC stack refused (binding sockets, creating channels, sending).
    #[error("webrtc: {0}")]
    Transport(String),
}

impl RemoteError {
    /// A stable code for the UI boundary.
    pub fn code(&self) -> &'static str {
        match self {
            RemoteError::X11(_) => "remote.x11",
            RemoteError::MissingExtension(_) => "remote.missing_extension",
            RemoteError::PixelFormat(_) => "remote.pixel_format",
            RemoteError::BadUpdate(_) => "remote.bad_update",
            RemoteError::Page(_) => "remote.page",
            RemoteError::BadInput(_) => "remote.bad_input",
            RemoteError::UnmappableKeysym(_) => "remote.unmappable_keysym",
            RemoteError::Clipboard(_) => "remote.clipboard",
            RemoteError::BadSignal(_) => "remote.bad_signal",
            RemoteError::UnexpectedSignal(_) => "remote.unexpected_signal",
            RemoteError::NotConnected => "remote.not_connected",
            RemoteError::Over => "remote.over",
            RemoteError::Transport(_) => "remote.transport",
        }
    }
}

pub(crate) fn transport(err: impl std::fmt::Display) -> RemoteError {
    RemoteError::Transport(err.to_string())
}

pub(crate) fn x11(err: impl std::fmt::Display) -> RemoteError {
    RemoteError::X11(err.to_string())
}

impl From<NegotiationError> for RemoteError {
    fn from(err: NegotiationError) -> RemoteError {
        match err {
            NegotiationError::BadSdp(why) | NegotiationError::BadCandidate(why) => {
                RemoteError::BadSignal(why)
            }
            NegotiationError::SecondAnswer => RemoteError::UnexpectedSignal("a second answer"),
            NegotiationError::AnswerToAnswerer => {
                RemoteError::UnexpectedSignal("an answer to the host")
            }
            NegotiationError::LateOffer => {
                RemoteError::UnexpectedSignal("an offer once the session is set up")
            }
            NegotiationError::Transport(why) => RemoteError::Transport(why),
        }
    }
}
