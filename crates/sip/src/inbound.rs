//! A call from the PBX: the INVITE's offer read (its first codec this side knows and its media
//! address), 180 Ringing sent at once, then answered (200 with this side's description of
//! the same codec) or declined (603) by the app; its states in order as an outgoing call's
//! (answered once the ACK came, ended by either side's BYE or the caller's CANCEL).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver, TerminatedReason};
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Header, Method, StatusCode};
use rsipstack::transaction::transaction::Transaction;
use tokio::sync::mpsc;

use crate::agent::Shared;
use crate::{Call, CallEnd, CallState, SipError, sdp};

/// A call from the PBX, ringing until [`IncomingCall::answer`] or [`IncomingCall::decline`];
/// then a [`Call`] like an outgoing one. Dropping it unanswered declines it.
pub struct IncomingCall {
    id: String,
    caller: String,
    media: std::net::UdpSocket,
    local_media: SocketAddr,
    dialog: InviteDialog,
    offer: sdp::Answer,
    session: u64,
    states: mpsc::UnboundedReceiver<CallState>,
    answered: Arc<AtomicBool>,
    ended: bool,
}

impl IncomingCall {
    /// Take an INVITE outside any dialog: a dialog for it, 180 Ringing, and the task that
    /// follows it. A 488 when its offer has no codec this side knows.
    pub(crate) async fn ring(shared: &Arc<Shared>, mut tx: Transaction) -> Option<IncomingCall> {
        let offer = String::from_utf8_lossy(&tx.original.body).into_owned();
        let Some(offer) = sdp::answer(&offer) else {
            let _ = tx.reply(StatusCode::NotAcceptableHere).await;
            return None;
        };
        let caller = tx
            .original
            .from_header()
            .ok()
            .and_then(|from| from.uri().ok())
            .and_then(|uri| uri.user().map(str::to_string))
            .unwrap_or_default();
        let media = match std::net::UdpSocket::bind(SocketAddr::new(shared.local_ip, 0)) {
            Ok(media) => media,
            Err(_) => {
                let _ = tx.reply(StatusCode::ServerInternalError).await;
                return None;
            }
        };
        let local_media = media.local_addr().ok()?;
        let (state_sender, dialog_states) = shared.dialogs.new_dialog_state_channel();
        let dialog = match shared.dialogs.get_or_create_server_invite(
            &tx,
            state_sender,
            None,
            Some(shared.contact.clone()),
        ) {
            Ok(dialog) => dialog,
            Err(_) => {
                let _ = tx.reply(StatusCode::ServerInternalError).await;
                return None;
            }
        };
        let id = dialog.id().call_id.clone();
        shared.calls.insert(&id, dialog.clone());
        // The INVITE's transaction lives in the dialog's handler until the ACK or a CANCEL.
        let mut handler = dialog.clone();
        tokio::spawn(async move {
            let _ = handler.handle(&mut tx).await;
        });
        let _ = dialog.ringing(None, None);
        let (states, receiver) = mpsc::unbounded_channel();
        let _ = states.send(CallState::Ringing);
        let answered = Arc::new(AtomicBool::new(false));
        let session = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(1);
        tokio::spawn(follow(
            Arc::clone(shared),
            dialog.clone(),
            dialog_states,
            states,
            offer,
            Arc::clone(&answered),
        ));
        Some(IncomingCall {
            id,
            caller,
            media,
            local_media,
            dialog,
            offer,
            session,
            states: receiver,
            answered,
            ended: false,
        })
    }

    /// Who calls: the user part of the INVITE's From (the caller's number at the PBX).
    pub fn caller(&self) -> &str {
        &self.caller
    }

    /// Pick up: 200 OK with this side's description of the offer's codec.
    pub fn answer(&self) -> Result<(), SipError> {
        let body = sdp::reanswer(
            self.local_media,
            self.session,
            1,
            self.offer.codec,
            sdp::Direction::SendRecv,
        );
        let headers = vec![Header::ContentType("application/sdp".to_string().into())];
        self.answered.store(true, Ordering::SeqCst);
        self.dialog
            .accept(Some(headers), Some(body.into_bytes()))
            .map_err(SipError::from_stack)
    }

    /// Refuse the call (603 Decline).
    pub fn decline(&self) -> Result<(), SipError> {
        self.dialog
            .reject(Some(StatusCode::Decline), None)
            .map_err(SipError::from_stack)
    }
}

#[async_trait]
impl Call for IncomingCall {
    fn id(&self) -> &str {
        &self.id
    }

    fn local_media(&self) -> SocketAddr {
        self.local_media
    }

    fn media_socket(&self) -> Result<std::net::UdpSocket, SipError> {
        self.media
            .try_clone()
            .map_err(|e| SipError::Media(e.to_string()))
    }

    async fn next_state(&mut self) -> Option<CallState> {
        if self.ended {
            return None;
        }
        let state = self.states.recv().await?;
        if matches!(state, CallState::Ended(_)) {
            self.ended = true;
        }
        Some(state)
    }

    /// BYE once answered; before that, decline.
    async fn hang_up(&self) -> Result<(), SipError> {
        if matches!(self.dialog.state(), DialogState::Confirmed(..)) {
            self.dialog.bye().await.map_err(SipError::from_stack)
        } else {
            self.decline()
        }
    }
}

impl Drop for IncomingCall {
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        if !self.answered.load(Ordering::SeqCst) {
            let _ = self.decline();
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let dialog = self.dialog.clone();
        runtime.spawn(async move {
            let _ = dialog.hangup().await;
        });
    }
}

/// The dialog's states as the call's: answered at the ACK, the far end's hold and resume
/// (its re-INVITE answered as an outgoing call's), ended by either side.
async fn follow(
    shared: Arc<Shared>,
    dialog: InviteDialog,
    mut dialog_states: DialogStateReceiver,
    states: mpsc::UnboundedSender<CallState>,
    offer: sdp::Answer,
    answered: Arc<AtomicBool>,
) {
    let mut confirmed = false;
    let end = loop {
        match dialog_states.recv().await {
            None => break CallEnd::Failed(SipError::Protocol("the dialog went away".into())),
            Some(DialogState::Confirmed(..)) if !confirmed => {
                confirmed = true;
                let _ = states.send(CallState::Answered {
                    codec: offer.codec,
                    remote_media: offer.media,
                });
            }
            Some(DialogState::Updated(_, request, handle)) if request.method == Method::Invite => {
                // The far end's re-INVITE: refused for now (the call goes on as it was).
                let _ = handle
                    .respond(StatusCode::NotAcceptableHere, None, None)
                    .await;
            }
            Some(DialogState::Terminated(_, reason)) => {
                break match reason {
                    // The caller hung up (BYE) or gave up ringing (CANCEL).
                    TerminatedReason::UacBye => CallEnd::FarEndHungUp,
                    TerminatedReason::UacCancel => CallEnd::Cancelled,
                    TerminatedReason::UasDecline => CallEnd::Declined,
                    TerminatedReason::Timeout => CallEnd::Failed(SipError::RegistrarUnreachable),
                    _ if answered.load(Ordering::SeqCst) => CallEnd::HungUp,
                    _ => CallEnd::Declined,
                };
            }
            Some(_) => {}
        }
    };
    let _ = states.send(CallState::Ended(end));
    shared.dialogs.remove_dialog(&dialog.id());
    shared.calls.remove(&dialog.id().call_id);
}
