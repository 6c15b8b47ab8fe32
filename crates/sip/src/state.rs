//! The states the user agent reports: of its registration and of each call.

use std::net::SocketAddr;

use crate::SipError;
use crate::sdp::Codec;

/// Where the account's registration stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationState {
    /// Not started, or stopped (unregistered on shutdown).
    Unregistered,
    /// The first REGISTER is under way.
    Registering,
    /// The registrar holds this agent's location for `expires` seconds from the last
    /// REGISTER; `count` REGISTERs have succeeded since the agent started (the first, the
    /// refreshes, and those after a failure).
    Registered { expires: u32, count: u64 },
    /// The last REGISTER failed; `retrying` says whether the agent tries again by itself
    /// (not after a wrong password or a 403: those need the account changed).
    Failed { error: SipError, retrying: bool },
}

impl RegistrationState {
    pub fn is_registered(&self) -> bool {
        matches!(self, RegistrationState::Registered { .. })
    }
}

/// Where an outgoing call stands; reported in order, each once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallState {
    /// The INVITE is sent (and possibly authenticated); no ringing yet.
    Dialing,
    /// The far end rings (180 or 183).
    Ringing,
    /// The far end answered with this codec; its audio is at `remote_media`.
    Answered {
        codec: Codec,
        remote_media: Option<SocketAddr>,
    },
    /// The call is over, and why.
    Ended(CallEnd),
    /// The far end put the call on hold (a re-INVITE offering `sendonly` or `inactive`),
    /// answered with `recvonly` or `inactive`.
    HeldByFarEnd,
    /// The far end took the call off hold (a re-INVITE offering `sendrecv` again).
    ResumedByFarEnd,
}

/// Why a call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallEnd {
    /// This side hung up an answered call (BYE).
    HungUp,
    /// This side gave up before an answer (CANCEL).
    Cancelled,
    /// The far end hung up (BYE).
    FarEndHungUp,
    /// 486 or 600.
    Busy,
    /// Nobody answered: this side's no-answer timeout (CANCEL), or the far end's 408/480.
    NoAnswer,
    /// 603.
    Declined,
    /// 404, 484 or 604: the number does not exist.
    NotFound,
    /// The far end answered with no codec this side offered.
    NoCommonCodec,
    /// Anything else: why.
    Failed(SipError),
}
