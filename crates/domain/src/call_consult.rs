//! A3 for calls, consultative transfer (seed 000: calls and appeals move between specialists):
//! the specialist in a connected call puts the client on hold and calls a colleague of the
//! line first (a consultation: the two specialists talk, the client hears the hold), then
//! either hands the client over to that colleague (who is connected to the client at once,
//! without ringing again; the appeal moves by the appeal's own transfer rule) or ends the
//! consultation and goes back to the client.
//!
//! Who may consult whom is the blind transfer's rule ([`crate::call_transfer::may_transfer`]:
//! one consultation or transfer of a call at a time, the colleague Available and in no call);
//! this module adds what is particular to a consultation: who ends it how, and when it can be
//! handed over.

use crate::call_transfer::{self, CallSide, CallTransferError, Receiver};

/// How long a consultation rings the colleague before the consulting specialist's app gives
/// up (the same ring time as a blind transfer's).
pub const CONSULT_RING_MS: i64 = call_transfer::TRANSFER_RING_MS;

/// Whether the specialist of `call` may consult `receiver` about it now.
pub fn may_consult(call: CallSide, receiver: Receiver) -> Result<(), CallTransferError> {
    call_transfer::may_transfer(call, receiver)
}

/// A consultation as the line knows it when someone acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Consultation {
    /// The one asking is the specialist who started it (the consulting one).
    pub asker_consults: bool,
    /// It has not ended.
    pub live: bool,
    /// The colleague answered it: the two specialists talk.
    pub answered: bool,
    /// The client's call it is about is still connected.
    pub call_connected: bool,
}

/// Whether the consulting specialist may hand the client over to the colleague now: their own
/// consultation, live and answered (nobody is handed a client they have not spoken with), and
/// the client still on the line.
pub fn may_hand_over(c: Consultation) -> Result<(), CallTransferError> {
    if !c.asker_consults || !c.live {
        return Err(CallTransferError::NotConsulting);
    }
    if !c.answered {
        return Err(CallTransferError::ConsultationNotAnswered);
    }
    if !c.call_connected {
        return Err(CallTransferError::NotConnected);
    }
    Ok(())
}

/// Whether the consulting specialist may bring the client into the consultation now, so the
/// three talk (issue 14): on the hand-over's terms (their own consultation, answered, the
/// client still on the line), once.
pub fn may_join(c: Consultation, joined: bool) -> Result<(), CallTransferError> {
    may_hand_over(c)?;
    if joined {
        return Err(CallTransferError::AlreadyJoined);
    }
    Ok(())
}

/// Whether a consultation still on ends with the client's call: unless it was joined, when the
/// specialist and the colleague were talking with the client together and talk on.
pub fn ends_with_call(joined: bool) -> bool {
    !joined
}

/// Which party of a consultation acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// The specialist who consults (the consultation's caller).
    Consulting,
    /// The colleague consulted (its callee).
    Colleague,
}

/// How a party ends a consultation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The consulting specialist stops it while it rings (back to the client).
    Cancel,
    /// The colleague refuses it while it rings.
    Decline,
    /// It rang out.
    NoAnswer,
    /// Either ends it once they talked (the consulting specialist goes back to the client).
    HangUp,
    /// The media failed, at any time.
    Fail,
}

/// Whether `party` may end a consultation that is `answered` (or still ringing) so.
pub fn may_end(answered: bool, party: Party, ending: Ending) -> bool {
    match (answered, ending) {
        (_, Ending::Fail) => true,
        (false, Ending::Cancel) => party == Party::Consulting,
        (false, Ending::Decline) => party == Party::Colleague,
        (false, Ending::NoAnswer) => party == Party::Consulting,
        (true, Ending::HangUp) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presence::PresenceStatus;

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
    const TALKING: Consultation = Consultation {
        asker_consults: true,
        live: true,
        answered: true,
        call_connected: true,
    };

    #[test]
    fn a_colleague_is_consulted_on_the_blind_transfers_terms() {
        assert_eq!(may_consult(CALL, FREE), Ok(()));
        let consulting = CallSide {
            consulting: true,
            ..CALL
        };
        assert_eq!(
            may_consult(consulting, FREE),
            Err(CallTransferError::AlreadyConsulting)
        );
        let busy = Receiver {
            in_call: true,
            ..FREE
        };
        assert_eq!(
            may_consult(CALL, busy),
            Err(CallTransferError::ColleagueInCall)
        );
        let away = Receiver {
            presence: Some(PresenceStatus::Away),
            ..FREE
        };
        assert_eq!(
            may_consult(CALL, away),
            Err(CallTransferError::ColleagueUnavailable(
                PresenceStatus::Away
            ))
        );
    }

    #[test]
    fn only_the_consulting_specialist_hands_over_an_answered_consultation() {
        assert_eq!(may_hand_over(TALKING), Ok(()));
        let someone_else = Consultation {
            asker_consults: false,
            ..TALKING
        };
        assert_eq!(
            may_hand_over(someone_else),
            Err(CallTransferError::NotConsulting)
        );
        let over = Consultation {
            live: false,
            ..TALKING
        };
        assert_eq!(may_hand_over(over), Err(CallTransferError::NotConsulting));
        let ringing = Consultation {
            answered: false,
            ..TALKING
        };
        assert_eq!(
            may_hand_over(ringing),
            Err(CallTransferError::ConsultationNotAnswered)
        );
        let client_gone = Consultation {
            call_connected: false,
            ..TALKING
        };
        assert_eq!(
            may_hand_over(client_gone),
            Err(CallTransferError::NotConnected)
        );
    }

    #[test]
    fn the_client_is_joined_once_on_the_hand_overs_terms() {
        assert_eq!(may_join(TALKING, false), Ok(()));
        assert_eq!(
            may_join(TALKING, true),
            Err(CallTransferError::AlreadyJoined)
        );
        let ringing = Consultation {
            answered: false,
            ..TALKING
        };
        assert_eq!(
            may_join(ringing, false),
            Err(CallTransferError::ConsultationNotAnswered)
        );
        let someone_else = Consultation {
            asker_consults: false,
            ..TALKING
        };
        assert_eq!(
            may_join(someone_else, false),
            Err(CallTransferError::NotConsulting)
        );
        let client_gone = Consultation {
            call_connected: false,
            ..TALKING
        };
        assert_eq!(
            may_join(client_gone, false),
            Err(CallTransferError::NotConnected)
        );
    }

    #[test]
    fn only_a_joined_consultation_outlives_the_clients_call() {
        assert!(ends_with_call(false));
        assert!(!ends_with_call(true));
    }

    #[test]
    fn who_ends_a_consultation_how() {
        use Ending::*;
        use Party::*;
        // Ringing: the consulting one cancels or gives up, the colleague declines.
        assert!(may_end(false, Consulting, Cancel));
        assert!(!may_end(false, Colleague, Cancel));
        assert!(may_end(false, Colleague, Decline));
        assert!(!may_end(false, Consulting, Decline));
        assert!(may_end(false, Consulting, NoAnswer));
        assert!(!may_end(false, Colleague, NoAnswer));
        assert!(!may_end(false, Consulting, HangUp));
        // Talking: either hangs up; nothing of the ringing stage fits any more.
        assert!(may_end(true, Consulting, HangUp));
        assert!(may_end(true, Colleague, HangUp));
        for ending in [Cancel, Decline, NoAnswer] {
            assert!(!may_end(true, Consulting, ending));
            assert!(!may_end(true, Colleague, ending));
        }
        // A failed medium ends it at any time.
        for (answered, party) in [(false, Consulting), (true, Colleague)] {
            assert!(may_end(answered, party, Fail));
        }
    }
}
