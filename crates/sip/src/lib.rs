//! The SIP user agent of calls through the company's PBX (issue 18): the specialist's
//! account registers with digest authentication, refreshes before it expires and registers
//! again after the registrar was gone; outgoing calls to a number go through the PBX's proxy
//! with an SDP offer of Opus, PCMA and PCMU and report typed states (ringing, answered,
//! busy, no answer, hung up by either side).
//!
//! The app and the engine use the [`Phone`] and [`Call`] traits, so that the SIP stack behind
//! them can change; [`SipUserAgent`] is the implementation over `rsipstack` (UDP). Each call
//! holds its RTP socket ([`Call::media_socket`]) and learns the far end's codec and address
//! ([`CallState::Answered`]); a [`MediaStream`] carries the audio both ways over them.

mod account;
mod agent;
mod call;
mod error;
mod inbound;
pub mod media;
mod registration;
pub mod sdp;
mod state;

pub use account::{Account, Server, Timing, dialable};
pub use agent::SipUserAgent;
pub use error::SipError;
pub use inbound::IncomingCall;
pub use media::MediaStream;
pub use sdp::Codec;
pub use state::{CallEnd, CallState, RegistrationState};

use std::net::SocketAddr;

use tokio::sync::watch;

/// A registered SIP phone: its registration and its outgoing calls.
#[async_trait::async_trait]
pub trait Phone: Send + Sync {
    /// The registration's state, updated as it changes.
    fn registration(&self) -> watch::Receiver<RegistrationState>;

    /// Call `number` (digits, `+`, `*`, `#`; spaces and dashes are dropped) through the PBX.
    async fn dial(&self, number: &str) -> Result<Box<dyn Call>, SipError>;

    /// Unregister, end every call and stop.
    async fn shutdown(&self);
}

/// One outgoing call. Dropping it before it ended hangs it up.
#[async_trait::async_trait]
pub trait Call: Send + Sync {
    /// The SIP Call-ID.
    fn id(&self) -> &str;

    /// This side's RTP socket address, as offered.
    fn local_media(&self) -> SocketAddr;

    /// This side's RTP socket, for a [`MediaStream`] once the call is answered.
    fn media_socket(&self) -> Result<std::net::UdpSocket, SipError>;

    /// The next state, in order; `None` once the call ended and its end was reported.
    async fn next_state(&mut self) -> Option<CallState>;

    /// Hang up: BYE when answered, CANCEL before. The end comes as a state.
    async fn hang_up(&self) -> Result<(), SipError>;
}
