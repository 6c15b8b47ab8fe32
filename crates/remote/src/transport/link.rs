//! [`Link`]: what the viewer and the host share: the peer connection, its state, signalling
//! in and out (candidates that come before the remote description are kept until it is set),
//! and the watchdog that ends a session which does not connect in time.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use linedesk_protocol::SignalPayload;
use tokio::sync::{mpsc, watch};
use webrtc::data_channel::DataChannel;
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler, RTCIceCandidateInit,
    RTCPeerConnectionIceEvent, RTCPeerConnectionState, RTCSessionDescription,
};

use super::{EndReason, SessionConfig, SessionState};
use crate::error::{RemoteError, transport};

/// State and signals of one session, shared with the stack's event handler.
pub(crate) struct Shared {
    state: watch::Sender<SessionState>,
    signals: mpsc::UnboundedSender<SignalPayload>,
    /// Data channels the other side opened (the host's only).
    channels: mpsc::UnboundedSender<Arc<dyn DataChannel>>,
    /// Channels still to open before the session counts as connected (the viewer waits for
    /// its two; the host, which is handed open channels, for none: the transport decides).
    pending_opens: std::sync::atomic::AtomicUsize,
}

impl Shared {
    pub fn state(&self) -> SessionState {
        *self.state.borrow()
    }

    pub fn watch(&self) -> watch::Receiver<SessionState> {
        self.state.subscribe()
    }

    /// Move to `next` unless the session is already over.
    pub fn set(&self, next: SessionState) {
        self.state.send_if_modified(|state| {
            if state.is_over() || *state == next {
                false
            } else {
                *state = next;
                true
            }
        });
    }

    /// One of this side's channels opened; the last one makes the session connected.
    pub fn channel_opened(&self) {
        if self.pending_opens.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.set(SessionState::Connected);
        }
    }

    pub fn end(&self, reason: EndReason) {
        self.set(SessionState::Ended(reason));
    }

    pub fn emit(&self, payload: SignalPayload) {
        // A dropped receiver: the app stopped relaying, nobody is left to tell.
        let _ = self.signals.send(payload);
    }
}

struct Handler {
    shared: Arc<Shared>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_candidate(&self, event: RTCPeerConnectionIceEvent) {
        let Ok(init) = event.candidate.to_json() else {
            return;
        };
        self.shared.emit(SignalPayload::Candidate {
            candidate: init.candidate,
            sdp_mid: init.sdp_mid.filter(|mid| !mid.is_empty()),
            sdp_mline_index: init.sdp_mline_index,
        });
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        match state {
            RTCPeerConnectionState::Connected
                if self.shared.pending_opens.load(Ordering::SeqCst) == 0 =>
            {
                self.shared.set(SessionState::Connected)
            }
            RTCPeerConnectionState::Failed => self.shared.end(EndReason::Failed),
            RTCPeerConnectionState::Closed | RTCPeerConnectionState::Disconnected => {
                self.shared.end(EndReason::RemoteClosed)
            }
            _ => {}
        }
    }

    async fn on_data_channel(&self, channel: Arc<dyn DataChannel>) {
        let _ = self.shared.channels.send(channel);
    }
}

/// One session's peer connection and signalling.
pub(crate) struct Link {
    pub pc: Arc<dyn PeerConnection>,
    pub shared: Arc<Shared>,
    early: Mutex<Vec<RTCIceCandidateInit>>,
    remote_set: AtomicBool,
    offerer: bool,
}

/// What [`Link::new`] hands back besides the link.
pub(crate) struct LinkEnds {
    pub signals: mpsc::UnboundedReceiver<SignalPayload>,
    pub channels: mpsc::UnboundedReceiver<Arc<dyn DataChannel>>,
}

impl Link {
    /// A link whose session counts as connected once `opens` channels of this side opened
    /// (see [`Shared::channel_opened`]), or with the transport when `opens` is 0.
    pub async fn new(
        config: &SessionConfig,
        offerer: bool,
        opens: usize,
    ) -> Result<(Link, LinkEnds), RemoteError> {
        let (signals_tx, signals) = mpsc::unbounded_channel();
        let (channels_tx, channels) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            state: watch::channel(SessionState::Connecting).0,
            signals: signals_tx,
            channels: channels_tx,
            pending_opens: std::sync::atomic::AtomicUsize::new(opens),
        });
        let pc = PeerConnectionBuilder::new()
            .with_handler(Arc::new(Handler {
                shared: shared.clone(),
            }))
            .with_udp_addrs(config.udp_addrs.clone())
            .build()
            .await
            .map_err(transport)?;
        let pc: Arc<dyn PeerConnection> = Arc::new(pc);
        tokio::spawn(watchdog(shared.clone(), pc.clone(), config.connect_timeout));
        let link = Link {
            pc,
            shared,
            early: Mutex::new(Vec::new()),
            remote_set: AtomicBool::new(false),
            offerer,
        };
        Ok((link, LinkEnds { signals, channels }))
    }

    /// Create the offer, queue it as the first signal and apply it locally.
    pub async fn offer(&self) -> Result<(), RemoteError> {
        let offer = self.pc.create_offer(None).await.map_err(transport)?;
        self.shared.emit(SignalPayload::Offer {
            sdp: offer.sdp.clone(),
        });
        self.pc
            .set_local_description(offer)
            .await
            .map_err(transport)
    }

    /// Apply the remote `offer`, then answer it (the answer is queued as a signal).
    pub async fn answer(&self, offer: SignalPayload) -> Result<(), RemoteError> {
        let SignalPayload::Offer { sdp } = offer else {
            return Err(RemoteError::UnexpectedSignal("the host needs an offer"));
        };
        let offer =
            RTCSessionDescription::offer(sdp).map_err(|e| RemoteError::BadSignal(e.to_string()))?;
        self.set_remote(offer).await?;
        let answer = self.pc.create_answer(None).await.map_err(transport)?;
        self.shared.emit(SignalPayload::Answer {
            sdp: answer.sdp.clone(),
        });
        self.pc
            .set_local_description(answer)
            .await
            .map_err(transport)
    }

    async fn set_remote(&self, description: RTCSessionDescription) -> Result<(), RemoteError> {
        self.pc
            .set_remote_description(description)
            .await
            .map_err(|e| RemoteError::BadSignal(e.to_string()))?;
        self.remote_set.store(true, Ordering::SeqCst);
        let early = std::mem::take(
            &mut *self
                .early
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        for candidate in early {
            self.add_candidate(candidate).await?;
        }
        Ok(())
    }

    async fn add_candidate(&self, candidate: RTCIceCandidateInit) -> Result<(), RemoteError> {
        self.pc
            .add_ice_candidate(candidate)
            .await
            .map_err(|e| RemoteError::BadSignal(e.to_string()))
    }

    /// A signal the other side sent.
    pub async fn signal(&self, payload: SignalPayload) -> Result<(), RemoteError> {
        if self.shared.state().is_over() {
            return Err(RemoteError::Over);
        }
        match payload {
            SignalPayload::Answer { sdp } if self.offerer => {
                if self.remote_set.load(Ordering::SeqCst) {
                    return Err(RemoteError::UnexpectedSignal("a second answer"));
                }
                let answer = RTCSessionDescription::answer(sdp)
                    .map_err(|e| RemoteError::BadSignal(e.to_string()))?;
                self.set_remote(answer).await
            }
            SignalPayload::Answer { .. } => {
                Err(RemoteError::UnexpectedSignal("an answer to the host"))
            }
            SignalPayload::Offer { .. } => Err(RemoteError::UnexpectedSignal(
                "an offer once the session is set up",
            )),
            SignalPayload::Candidate {
                candidate,
                sdp_mid,
                sdp_mline_index,
            } => {
                let init = RTCIceCandidateInit {
                    candidate,
                    sdp_mid,
                    sdp_mline_index,
                    ..Default::default()
                };
                if self.remote_set.load(Ordering::SeqCst) {
                    self.add_candidate(init).await
                } else {
                    self.early
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(init);
                    Ok(())
                }
            }
            // Hold means nothing to a remote session.
            SignalPayload::Hold { .. } => Ok(()),
        }
    }

    /// End here and close the transport.
    pub async fn close(&self) {
        self.shared.end(EndReason::Closed);
        let _ = self.pc.close().await;
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        // The watchdog sees the end and closes the transport.
        self.shared.end(EndReason::Closed);
    }
}

/// Ends the session when it does not connect in time, and closes the transport once it is
/// over however that happened.
async fn watchdog(shared: Arc<Shared>, pc: Arc<dyn PeerConnection>, timeout: Duration) {
    let mut states = shared.watch();
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let state = *states.borrow_and_update();
        if state.is_over() {
            break;
        }
        if state == SessionState::Connecting {
            tokio::select! {
                changed = states.changed() => if changed.is_err() { break },
                () = tokio::time::sleep_until(deadline) => shared.end(EndReason::Timeout),
            }
        } else if states.changed().await.is_err() {
            break;
        }
    }
    let _ = pc.close().await;
}
