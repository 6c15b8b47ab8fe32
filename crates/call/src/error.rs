//! What can go wrong with a call, one variant per cause; [`CallError::code`] is the stable code
//! the app's front end switches on.

use linedesk_rtc_peer::NegotiationError;

/// An error of [`crate::Call`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The remote SDP could not be parsed or applied.
    #[error("the remote description is unusable: {0}")]
    BadSdp(String),
    /// The remote ICE candidate could not be parsed or added.
    #[error("the remote ICE candidate is unusable: {0}")]
    BadCandidate(String),
    /// A signal that makes no sense on this side now (an answer to the callee, a second offer).
    #[error("unexpected signal: {0}")]
    UnexpectedSignal(&'static str),
    /// Hold before the media path is up.
    #[error("the call is not connected")]
    NotConnected,
    /// The call has ended or failed.
    #[error("the call is over")]
    Over,
    /// The WebRTC stack refused (binding sockets, creating the offer, writing RTP).
    #[error("webrtc: {0}")]
    Transport(String),
}

impl CallError {
    /// A stable code for the UI boundary.
    pub fn code(&self) -> &'static str {
        match self {
            CallError::BadSdp(_) => "call.bad_sdp",
            CallError::BadCandidate(_) => "call.bad_candidate",
            CallError::UnexpectedSignal(_) => "call.unexpected_signal",
            CallError::NotConnected => "call.not_connected",
            CallError::Over => "call.over",
            CallError::Transport(_) => "call.transport",
        }
    }
}

impl From<NegotiationError> for CallError {
    fn from(err: NegotiationError) -> CallError {
        match err {
            NegotiationError::BadSdp(why) => CallError::BadSdp(why),
            NegotiationError::BadCandidate(why) => CallError::BadCandidate(why),
            NegotiationError::SecondAnswer => CallError::UnexpectedSignal("a second answer"),
            NegotiationError::AnswerToAnswerer => {
                CallError::UnexpectedSignal("an answer to the callee")
            }
            NegotiationError::LateOffer => {
                CallError::UnexpectedSignal("an offer once the call is set up")
            }
            NegotiationError::Transport(why) => CallError::Transport(why),
        }
    }
}

pub(crate) fn transport(err: impl std::fmt::Display) -> CallError {
    CallError::Transport(err.to_string())
}
