//! The three-way join of a consultative transfer in the app (issue 14): while the specialist
//! talks with the consulted colleague (the client on hold), "Join all" brings the client in.
//! The line is told first (`JoinConsultation`: the rule is the domain's `may_join`, the
//! timeline's `call_joined` note comes from its `ConsultationJoined`), then the media: the
//! client's session and the consultation's share the headset (`Calls::join_media`, the engine's
//! conference: each call sends the microphone plus the other call's party, the headset plays
//! both) and the client comes off hold.
//!
//! Then: the colleague hanging up leaves the specialist with the client (the consultation's
//! session ends; the client's keeps the headset); the client hanging up leaves the specialist
//! with the colleague (the line keeps a joined consultation; the consultation's session drives
//! the headset); the specialist's own hang-up of the client's call ends the consultation too
//! (the conference ends for all); "Hand the client over" works as without the join.

use linedesk_domain::call_transfer::CallTransferError;
use linedesk_protocol::{Action, CallEndReason, Role};

use super::{ConsultView, Consultations};
use crate::error::{CommandError, CommandResult};
use crate::state::lock;
use crate::transfer::{refused, rule_error};

impl Consultations {
    /// Bring the client into the consultation being talked: the three talk.
    pub async fn join(&self) -> CommandResult<()> {
        let (id, to, answered, joined) = self
            .live
            .lock()
            .await
            .as_ref()
            .map(|l| (l.id, l.to, l.answered, l.joined))
            .ok_or_else(|| rule_error(CallTransferError::NotConsulting))?;
        if joined {
            return Err(rule_error(CallTransferError::AlreadyJoined));
        }
        if !answered {
            return Err(rule_error(CallTransferError::ConsultationNotAnswered));
        }
        self.sync
            .submit_now(Action::JoinConsultation { consultation: id })
            .await
            .map_err(refused)?;
        let mut live = self.live.lock().await;
        let Some(live) = live.as_mut().filter(|l| l.id == id) else {
            // It ended meanwhile: the client is back, nothing to mix.
            return Err(rule_error(CallTransferError::NotConsulting));
        };
        let Some(session) = live.session.as_ref() else {
            return Err(CommandError::unavailable("the consultation has no media"));
        };
        self.calls
            .join_media(session, to)
            .await
            .map_err(|e| CommandError::unavailable(e.to_string()))?;
        live.joined = true;
        lock(&self.view).state = "joined".into();
        Ok(())
    }

    /// The client's `call` ended (`by` whom) while this app consults about it. Not joined, the
    /// consultation ends with it (the line ends it). Joined: the client leaving keeps the
    /// specialist with the colleague, and the specialist's own hang-up ends the consultation
    /// too (the conference ends for all).
    pub(super) async fn client_call_ended(&self, call: u64, by: Role) {
        let mut live = self.live.lock().await;
        let Some(id) = live
            .as_ref()
            .filter(|l| l.call == call && l.joined)
            .map(|l| l.id)
        else {
            return;
        };
        if by == Role::Specialist {
            drop(live);
            let reason = CallEndReason::HungUp;
            let _ = self
                .sync
                .submit_now(Action::HangUp { call: id, reason })
                .await;
        } else if let Some(adopted) = live.take() {
            // The client left: the talk with the colleague becomes the app's call.
            drop(live);
            *lock(&self.view) = ConsultView {
                state: "talking".into(),
                to: i64::try_from(adopted.to).ok(),
                call: i64::try_from(adopted.call).ok(),
                consultation: i64::try_from(id).ok(),
                heard: false,
            };
            self.calls
                .adopt_consultation(call, id, adopted.peer, adopted.session, adopted.feed)
                .await;
        }
    }
}
