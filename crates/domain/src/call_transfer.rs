//! A3 for calls: who may hand a live call to whom (seed 000: calls and appeals move between
//! specialists). The rules are written here once; the line server checks them before a
//! transfer rings the colleague, and the app asks the same question to offer only colleagues
//! who may receive the call.
//!
//! A blind transfer rings the colleague on a new leg of the call while the client stays with
//! the transferring specialist; the colleague's answer hands the client (and the appeal, by
//! the appeal's own transfer rule) over. Nobody answering within [`TRANSFER_RING_MS`], or the
//! colleague declining, ends only the new leg: the call stays with the transferring specialist,
//! who never left it.

use crate::presence::PresenceStatus;

/// How long a transfer rings the colleague before the transferring specialist gets the call
/// back (the leg ends `no_answer`).
pub const TRANSFER_RING_MS: i64 = 30_000;

/// Why a call cannot be transferred (to that colleague, now).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallTransferError {
    /// Only a connected call is handed over (not one still ringing or already ended).
    #[error("the call is not connected")]
    NotConnected,
    /// Only the specialist talking with the client hands the call over.
    #[error("only the specialist in the call can transfer it")]
    NotInCall,
    /// A transfer of this call is ringing a colleague already.
    #[error("the call is being transferred already")]
    AlreadyTransferring,
    /// A call is not transferred to the one who has it.
    #[error("the call is yours already")]
    ToSelf,
    /// The colleague does not serve the call's line.
    #[error("the colleague does not serve the line")]
    NotOnLine,
    /// The colleague's status does not take calls (only Available does).
    #[error("the colleague is not available ({})", .0.code())]
    ColleagueUnavailable(PresenceStatus),
    /// The colleague is in another call.
    #[error("the colleague is in another call")]
    ColleagueInCall,
    /// The specialist consults a colleague about this call already (one consultation at a
    /// time; a blind transfer waits until it ends).
    #[error("a consultation about the call is on already")]
    AlreadyConsulting,
    /// There is no consultation to hand over or end (it ended, or it is not the asker's).
    #[error("no consultation of yours is on")]
    NotConsulting,
    /// The colleague has not answered the consultation yet: there is nobody to hand over to.
    #[error("the colleague has not answered the consultation")]
    ConsultationNotAnswered,
    /// The client was brought into the consultation already (the three talk).
    #[error("the consultation is joined with the client already")]
    AlreadyJoined,
}

impl CallTransferError {
    /// Stable code for the wire and the UI (`rule.<code>`).
    pub fn code(&self) -> &'static str {
        match self {
            CallTransferError::NotConnected => "call_transfer.not_connected",
            CallTransferError::NotInCall => "call_transfer.not_in_call",
            CallTransferError::AlreadyTransferring => "call_transfer.already_transferring",
            CallTransferError::ToSelf => "call_transfer.to_self",
            CallTransferError::NotOnLine => "call_transfer.not_on_line",
            CallTransferError::ColleagueUnavailable(_) => "call_transfer.colleague_unavailable",
            CallTransferError::ColleagueInCall => "call_transfer.colleague_in_call",
            CallTransferError::AlreadyConsulting => "call_transfer.already_consulting",
            CallTransferError::NotConsulting => "call_transfer.not_consulting",
            CallTransferError::ConsultationNotAnswered => "call_transfer.consultation_not_answered",
            CallTransferError::AlreadyJoined => "call_transfer.already_joined",
        }
    }

    /// Every code, for the translations' test.
    pub const CODES: [&'static str; 11] = [
        "call_transfer.not_connected",
        "call_transfer.not_in_call",
        "call_transfer.already_transferring",
        "call_transfer.to_self",
        "call_transfer.not_on_line",
        "call_transfer.colleague_unavailable",
        "call_transfer.colleague_in_call",
        "call_transfer.already_consulting",
        "call_transfer.not_consulting",
        "call_transfer.consultation_not_answered",
        "call_transfer.already_joined",
    ];
}

/// The call as the transferring specialist has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallSide {
    /// The call is connected (media up, both parties known).
    pub connected: bool,
    /// The one asking is the call's specialist.
    pub asker_in_call: bool,
    /// A transfer of the call rings a colleague now.
    pub transferring: bool,
    /// The specialist consults a colleague about the call now
    /// ([`crate::call_consult`]).
    pub consulting: bool,
}

/// The colleague a call would go to, as the line knows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receiver {
    /// The colleague is the asker.
    pub is_asker: bool,
    /// The colleague's status on the call's line; `None`: not on the line's team.
    pub presence: Option<PresenceStatus>,
    /// The colleague is in a call (ringing or connected) now.
    pub in_call: bool,
}

/// Whether `receiver` may receive a call: on the line, Available (a call needs the person at
/// the headset now; Busy still works its open appeals but takes no new conversation), and not
/// in another call. The app filters its colleague picker with this.
pub fn may_receive(receiver: Receiver) -> Result<(), CallTransferError> {
    if receiver.is_asker {
        return Err(CallTransferError::ToSelf);
    }
    match receiver.presence {
        None => Err(CallTransferError::NotOnLine),
        Some(PresenceStatus::Available) if receiver.in_call => {
            Err(CallTransferError::ColleagueInCall)
        }
        Some(PresenceStatus::Available) => Ok(()),
        Some(other) => Err(CallTransferError::ColleagueUnavailable(other)),
    }
}

/// Whether the call may be handed to `receiver` now: the call's rules first, then
/// [`may_receive`].
pub fn may_transfer(call: CallSide, receiver: Receiver) -> Result<(), CallTransferError> {
    if !call.asker_in_call {
        return Err(CallTransferError::NotInCall);
    }
    if !call.connected {
        return Err(CallTransferError::NotConnected);
    }
    if call.transferring {
        return Err(CallTransferError::AlreadyTransferring);
    }
    if call.consulting {
        return Err(CallTransferError::AlreadyConsulting);
    }
    may_receive(receiver)
}

/// Whether a ringing transfer has rung too long at `now_ms` (it began at `began_ms`).
pub fn rang_out(began_ms: i64, now_ms: i64) -> bool {
    now_ms.saturating_sub(began_ms) >= TRANSFER_RING_MS
}

#[cfg(test)]
mod tests {
    use super::*;

    const CALL: CallSide = CallSide {
        connected: true,
        asker_in_call: true,
        transferring: false,
        consulting: false,
    };
    const FREE: Receiver = Receiver {
        is_asker: false,
        presence: Some(PresenceStatus::Available),
        in_call: false,
    };

    #[test]
    fn an_available_colleague_of_the_line_receives_a_connected_call() {
        assert_eq!(may_transfer(CALL, FREE), Ok(()));
    }

    #[test]
    fn the_call_must_be_connected_and_yours_and_not_ringing_someone_already() {
        let ringing = CallSide {
            connected: false,
            ..CALL
        };
        assert_eq!(
            may_transfer(ringing, FREE),
            Err(CallTransferError::NotConnected)
        );
        let not_mine = CallSide {
            asker_in_call: false,
            ..CALL
        };
        assert_eq!(
            may_transfer(not_mine, FREE),
            Err(CallTransferError::NotInCall)
        );
        let twice = CallSide {
            transferring: true,
            ..CALL
        };
        assert_eq!(
            may_transfer(twice, FREE),
            Err(CallTransferError::AlreadyTransferring)
        );
        let consulting = CallSide {
            consulting: true,
            ..CALL
        };
        assert_eq!(
            may_transfer(consulting, FREE),
            Err(CallTransferError::AlreadyConsulting)
        );
    }

    #[test]
    fn only_an_available_colleague_of_the_line_outside_a_call_receives() {
        let to = |presence, in_call, is_asker| Receiver {
            is_asker,
            presence,
            in_call,
        };
        assert_eq!(
            may_receive(to(None, false, false)),
            Err(CallTransferError::NotOnLine)
        );
        for status in [
            PresenceStatus::Away,
            PresenceStatus::Busy,
            PresenceStatus::DoNotDisturb,
            PresenceStatus::Offline,
        ] {
            assert_eq!(
                may_receive(to(Some(status), false, false)),
                Err(CallTransferError::ColleagueUnavailable(status))
            );
        }
        assert_eq!(
            may_receive(to(Some(PresenceStatus::Available), true, false)),
            Err(CallTransferError::ColleagueInCall)
        );
        assert_eq!(
            may_receive(to(Some(PresenceStatus::Available), false, true)),
            Err(CallTransferError::ToSelf)
        );
    }

    #[test]
    fn codes_are_listed_once_each() {
        let errors = [
            CallTransferError::NotConnected,
            CallTransferError::NotInCall,
            CallTransferError::AlreadyTransferring,
            CallTransferError::ToSelf,
            CallTransferError::NotOnLine,
            CallTransferError::ColleagueUnavailable(PresenceStatus::Busy),
            CallTransferError::ColleagueInCall,
            CallTransferError::AlreadyConsulting,
            CallTransferError::NotConsulting,
            CallTransferError::ConsultationNotAnswered,
            CallTransferError::AlreadyJoined,
        ];
        let codes: Vec<_> = errors.iter().map(CallTransferError::code).collect();
        assert_eq!(codes, CallTransferError::CODES);
    }

    #[test]
    fn a_transfer_rings_out_after_its_ring_time() {
        assert!(!rang_out(1_000, 1_000 + TRANSFER_RING_MS - 1));
        assert!(rang_out(1_000, 1_000 + TRANSFER_RING_MS));
    }
}
