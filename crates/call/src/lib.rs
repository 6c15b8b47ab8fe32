//! The call transport of Linedesk: the WebRTC peer of one call (V1).
//!
//! One Opus audio track each way (payload type 111, 48 kHz, 20 ms packets), DTLS-SRTP. ICE
//! gathers host candidates plus what the line's STUN and TURN servers give
//! ([`CallConfig::ice`], from the server's `GET /api/ice`), or relayed ones only
//! (`relay_only`); [`Call::media_path`] says which pair carries the media. The Opus payloads
//! are opaque here: `linedesk-voice` encodes, decodes and buffers them.
//!
//! How a call goes:
//! 1. The caller's app places the call with the line server (`Action::PlaceCall`), makes a
//!    [`Call::offer`] and relays every item of [`CallChannels::signals`] to the other party
//!    (`ClientFrame::Signal`).
//! 2. The callee's app, holding the offer it was relayed, picks up (`Action::AnswerCall`),
//!    makes a [`Call::answer`] and relays its signals back. Candidates relayed before that are
//!    fed with [`Call::signal`] once the call exists; a call buffers those that come before
//!    its remote description.
//! 3. Both feed every relayed signal to [`Call::signal`], send with [`Call::send_packet`],
//!    read [`CallChannels::packets`], and follow [`Call::watch`]:
//!    ringing → connected ⇄ on hold → ended or failed (see [`CallState`]).
//! 4. Hanging up: [`Call::hang_up`] and `Action::HangUp`; the other side gets the server's
//!    `CallEnded` and calls [`Call::remote_ended`] with its reason.
//!
//! Mute is local ([`Call::set_muted`]); hold ([`Call::hold`]) silences both sides and tells
//! the other one with a signal. The state machine itself is pure ([`state::Machine`]).

mod error;
mod events;
mod far_side;
mod peer;
pub mod state;
mod stats;

pub use linedesk_rtc_peer::IceSetup;

pub use error::CallError;
pub use events::ReceivedPacket;
pub use peer::{
    Call, CallChannels, CallConfig, OPUS_CLOCK_RATE, OPUS_PAYLOAD_TYPE, Sent, TICKS_PER_PACKET,
};
pub use state::{CallState, EndReason, FailReason};
pub use stats::{CandidateKind, FarSide, MediaPath, TransportHealth};
