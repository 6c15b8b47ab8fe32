//! An outgoing call: the INVITE through the proxy (answering its challenge), its states in
//! order, the no-answer timeout (CANCEL), and hanging up.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver, TerminatedReason};
use rsipstack::dialog::invitation::{InviteAsyncResult, InviteOption};
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::typed::Route;
use rsipstack::sip::{Header, Method, StatusCode, Uri};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::agent::{Shared, resolve};
use crate::{Call, CallEnd, CallState, SipError, account, sdp};

pub(crate) struct OutboundCall {
    id: String,
    /// This side's RTP socket, bound for the media to come; its address is in the offer.
    media: std::net::UdpSocket,
    local_media: SocketAddr,
    dialog: InviteDialog,
    states: mpsc::UnboundedReceiver<CallState>,
    ended: bool,
}

impl OutboundCall {
    pub(crate) async fn dial(shared: Arc<Shared>, number: &str) -> Result<OutboundCall, SipError> {
        let number = account::dialable(number)?;
        let proxy = resolve(shared.account.proxy()).await?;
        let media = std::net::UdpSocket::bind(SocketAddr::new(shared.local_ip, 0))
            .map_err(|e| SipError::Network(e.to_string()))?;
        let local_media = media
            .local_addr()
            .map_err(|e| SipError::Network(e.to_string()))?;
        let session = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(1);
        let domain = &shared.account.domain;
        // `#` is not allowed in a SIP URI's user part.
        let callee = format!("sip:{}@{domain}", number.replace('#', "%23"));
        // The outbound proxy as a preloaded loose route (RFC 3261 8.1.2), so that the CANCEL,
        // which copies the INVITE's headers, goes there too.
        let route = Route::from(uri(&format!("sip:{proxy};lr"))?);
        let option = InviteOption {
            caller_display_name: shared.account.display_name.clone(),
            caller: uri(&format!("sip:{}@{domain}", shared.account.user))?,
            callee: uri(&callee)?,
            route_set: vec![route],
            content_type: Some("application/sdp".into()),
            offer: Some(sdp::offer(local_media, session).into_bytes()),
            contact: shared.contact.clone(),
            credential: Some(shared.credential()),
            ..Default::default()
        };
        let (state_sender, dialog_states) = shared.dialogs.new_dialog_state_channel();
        let (dialog, invite) = shared
            .dialogs
            .do_invite_async(option, state_sender)
            .map_err(SipError::from_stack)?;
        let (states, receiver) = mpsc::unbounded_channel();
        let _ = states.send(CallState::Dialing);
        let timed_out = Arc::new(AtomicBool::new(false));
        let id = dialog.id().call_id.clone();
        shared.calls.insert(&id, dialog.clone());
        tokio::spawn(follow(Following {
            shared: Arc::clone(&shared),
            local_media,
            session,
            dialog: dialog.clone(),
            dialog_states,
            invite,
            states,
            timed_out,
        }));
        Ok(OutboundCall {
            id,
            media,
            local_media,
            dialog,
            states: receiver,
            ended: false,
        })
    }
}

#[async_trait]
impl Call for OutboundCall {
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

    async fn hang_up(&self) -> Result<(), SipError> {
        if matches!(self.dialog.state(), DialogState::Confirmed(..)) {
            self.dialog.bye().await.map_err(SipError::from_stack)
        } else {
            self.dialog.cancel().await.map_err(SipError::from_stack)
        }
    }
}

/// A call dropped before its end is hung up (BYE or CANCEL), as a phone put down.
impl Drop for OutboundCall {
    fn drop(&mut self) {
        if self.ended {
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

fn uri(text: &str) -> Result<Uri, SipError> {
    Uri::try_from(text).map_err(|e| SipError::Protocol(e.to_string()))
}

/// What the task following one call holds.
struct Following {
    shared: Arc<Shared>,
    local_media: SocketAddr,
    /// The SDP session id of this side's descriptions.
    session: u64,
    dialog: InviteDialog,
    dialog_states: DialogStateReceiver,
    invite: JoinHandle<InviteAsyncResult>,
    states: mpsc::UnboundedSender<CallState>,
    timed_out: Arc<AtomicBool>,
}

/// Turn the dialog's states into the call's, cancel it when nobody answers in time, and
/// forget the dialog once it ended.
async fn follow(mut f: Following) {
    let mut rang = false;
    let mut answered = false;
    let mut codec = None;
    let mut held = false;
    // This side's descriptions so far (the offer was the first).
    let mut version = 1u64;
    let mut invite_done = false;
    let no_answer = tokio::time::sleep(f.shared.timing.no_answer_after);
    tokio::pin!(no_answer);
    let end = loop {
        tokio::select! {
            biased;
            state = f.dialog_states.recv() => match state {
                None => break CallEnd::Failed(SipError::Protocol("the dialog went away".into())),
                Some(DialogState::Early(_, response)) => {
                    let code = response.status_code.code();
                    if !rang && (code == 180 || code == 183) {
                        rang = true;
                        let _ = f.states.send(CallState::Ringing);
                    }
                }
                Some(DialogState::Confirmed(_, response)) if !answered => {
                    answered = true;
                    match sdp::answer(&String::from_utf8_lossy(&response.body)) {
                        Some(answer) => {
                            codec = Some(answer.codec);
                            let _ = f.states.send(CallState::Answered {
                                codec: answer.codec,
                                remote_media: answer.media,
                            });
                        }
                        None => {
                            let _ = f.dialog.bye().await;
                            break CallEnd::NoCommonCodec;
                        }
                    }
                }
                Some(DialogState::Updated(_, request, handle)) if request.method == Method::Invite => {
                    // A new offer within the call: hold or resume by the far end.
                    let offer = String::from_utf8_lossy(&request.body);
                    let direction = if offer.trim().is_empty() {
                        sdp::Direction::SendRecv
                    } else {
                        sdp::direction(&offer)
                    };
                    version += 1;
                    let body = sdp::reanswer(
                        f.local_media,
                        f.session,
                        version,
                        codec.unwrap_or(sdp::Codec::Pcma),
                        direction.answered(),
                    );
                    let headers = vec![Header::ContentType("application/sdp".to_string().into())];
                    let _ = handle
                        .respond(StatusCode::OK, Some(headers), Some(body.into_bytes()))
                        .await;
                    if direction.holds() != held {
                        held = direction.holds();
                        let _ = f.states.send(if held {
                            CallState::HeldByFarEnd
                        } else {
                            CallState::ResumedByFarEnd
                        });
                    }
                }
                Some(DialogState::Terminated(_, reason)) => {
                    break ended(&reason, f.timed_out.load(Ordering::SeqCst));
                }
                Some(_) => {}
            },
            result = &mut f.invite, if !invite_done => {
                invite_done = true;
                match result {
                    // No final answer at all: the proxy never answered.
                    Ok(Ok((_, None))) if !answered => {
                        break CallEnd::Failed(SipError::RegistrarUnreachable);
                    }
                    Ok(Err(e)) => break CallEnd::Failed(SipError::from_stack(e)),
                    Err(e) => break CallEnd::Failed(SipError::Protocol(e.to_string())),
                    // A final answer: its dialog state says what it means.
                    Ok(Ok(_)) => {}
                }
            },
            () = &mut no_answer, if !answered && !f.timed_out.load(Ordering::SeqCst) => {
                f.timed_out.store(true, Ordering::SeqCst);
                if f.dialog.cancel().await.is_err() {
                    break CallEnd::NoAnswer;
                }
            },
        }
    };
    let _ = f.states.send(CallState::Ended(end));
    f.shared.dialogs.remove_dialog(&f.dialog.id());
    f.shared.calls.remove(&f.dialog.id().call_id);
}

/// Why the call ended, from the dialog's reason; `timed_out` when this side's no-answer
/// timeout sent the CANCEL.
fn ended(reason: &TerminatedReason, timed_out: bool) -> CallEnd {
    let gave_up = if timed_out {
        CallEnd::NoAnswer
    } else {
        CallEnd::Cancelled
    };
    match reason {
        TerminatedReason::UacBye | TerminatedReason::UacBusy | TerminatedReason::UacOther(_) => {
            CallEnd::HungUp
        }
        TerminatedReason::UasBye => CallEnd::FarEndHungUp,
        TerminatedReason::UacCancel => gave_up,
        TerminatedReason::UasBusy => CallEnd::Busy,
        TerminatedReason::UasDecline => CallEnd::Declined,
        TerminatedReason::Timeout => CallEnd::Failed(SipError::RegistrarUnreachable),
        TerminatedReason::ProxyAuthRequired => CallEnd::Failed(SipError::WrongPassword),
        TerminatedReason::ProxyError(status) => {
            CallEnd::Failed(SipError::from_status(status.code()))
        }
        TerminatedReason::UasOther(status) => match status.code() {
            486 | 600 => CallEnd::Busy,
            603 => CallEnd::Declined,
            404 | 484 | 604 => CallEnd::NotFound,
            408 | 480 => CallEnd::NoAnswer,
            487 => gave_up,
            code => CallEnd::Failed(SipError::from_status(code)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_answers_mean_typed_ends() {
        let other = |code: u16| TerminatedReason::UasOther(StatusCode::from(code));
        assert_eq!(ended(&other(486), false), CallEnd::Busy);
        assert_eq!(ended(&other(603), false), CallEnd::Declined);
        assert_eq!(ended(&other(404), false), CallEnd::NotFound);
        assert_eq!(ended(&other(480), false), CallEnd::NoAnswer);
        assert_eq!(ended(&other(487), false), CallEnd::Cancelled);
        assert_eq!(ended(&other(487), true), CallEnd::NoAnswer);
        assert_eq!(
            ended(&other(403), false),
            CallEnd::Failed(SipError::Forbidden)
        );
        assert_eq!(
            ended(&TerminatedReason::ProxyAuthRequired, false),
            CallEnd::Failed(SipError::WrongPassword)
        );
        assert_eq!(
            ended(&TerminatedReason::UasBye, false),
            CallEnd::FarEndHungUp
        );
        assert_eq!(ended(&TerminatedReason::UacBye, false), CallEnd::HungUp);
    }
}
