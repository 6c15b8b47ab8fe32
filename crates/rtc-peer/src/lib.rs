//! The signalling half of a Linedesk WebRTC peer, shared by a call (`linedesk-call`) and a
//! remote session (`linedesk-remote`): both trade an offer, an answer and trickled candidates
//! through the line server as [`SignalPayload`]s, and gather them as [`IceSetup`] says (the
//! line's STUN/TURN servers, relay-only or not).
//!
//! [`Negotiation`] wraps one peer connection: it makes the offer or the answer, applies the
//! other side's signals (keeping candidates that come before the remote description until it
//! is set) and refuses signals that make no sense on its side. [`candidate_signal`] turns a
//! local candidate into the signal to trickle. What a peer carries (audio, data channels),
//! its states and its timeouts stay with each crate; their errors map from
//! [`NegotiationError`]. [`local_addresses`] is how both notice a network change (an
//! interface up or down, a new address after sleep) to restart ICE.

mod ice;

pub use ice::IceSetup;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use linedesk_protocol::SignalPayload;
use webrtc::peer_connection::{
    PeerConnection, RTCIceCandidateInit, RTCPeerConnectionIceEvent, RTCSessionDescription,
};

/// What went wrong applying or making a signal. Exhaustive on purpose: each crate maps every
/// variant to its own error with its own wording.
#[derive(Debug, thiserror::Error)]
pub enum NegotiationError {
    /// The remote SDP could not be parsed or applied.
    #[error("the remote description is unusable: {0}")]
    BadSdp(String),
    /// The remote ICE candidate could not be parsed or added.
    #[error("the remote ICE candidate is unusable: {0}")]
    BadCandidate(String),
    /// The offering side got an answer after the first one.
    #[error("a second answer")]
    SecondAnswer,
    /// The answering side got an answer.
    #[error("an answer to the answering side")]
    AnswerToAnswerer,
    /// An offer after the connection was set up, to a side that does not take ICE restarts
    /// (an offering side, or one made without [`Negotiation::with_restarts`]).
    #[error("an offer once the connection is set up")]
    LateOffer,
    /// The WebRTC stack refused (creating or applying the local description).
    #[error("webrtc: {0}")]
    Transport(String),
}

fn transport(err: impl std::fmt::Display) -> NegotiationError {
    NegotiationError::Transport(err.to_string())
}

/// Where the answer to an ICE-restart offer goes (the answering side relays it).
pub type Emit = Arc<dyn Fn(SignalPayload) + Send + Sync>;

/// One peer connection's offer/answer exchange and its remote candidates.
pub struct Negotiation {
    pc: Arc<dyn PeerConnection>,
    /// Candidates that came before the remote description.
    early: Mutex<Vec<RTCIceCandidateInit>>,
    remote_set: AtomicBool,
    /// This side makes the offer (and so expects one answer).
    offerer: bool,
    /// An offer of this side waits for its answer (the first one, or an ICE restart's).
    awaiting_answer: AtomicBool,
    /// Set: the answering side takes ICE-restart offers and answers them here.
    restarts: Option<Emit>,
}

impl Negotiation {
    pub fn new(pc: Arc<dyn PeerConnection>, offerer: bool) -> Negotiation {
        Negotiation {
            pc,
            early: Mutex::new(Vec::new()),
            remote_set: AtomicBool::new(false),
            offerer,
            awaiting_answer: AtomicBool::new(false),
            restarts: None,
        }
    }

    /// A negotiation that takes part in ICE restarts: the offering side may
    /// [`Negotiation::restart`]; the answering side answers a restart's offer through `emit`.
    pub fn with_restarts(pc: Arc<dyn PeerConnection>, offerer: bool, emit: Emit) -> Negotiation {
        Negotiation {
            restarts: Some(emit),
            ..Negotiation::new(pc, offerer)
        }
    }

    /// Whether this side makes the offers.
    pub fn is_offerer(&self) -> bool {
        self.offerer
    }

    /// Restart ICE (offering side): fresh ICE credentials, local sockets bound again on the
    /// interfaces there are now and candidates gathered again; the new offer goes to `emit`
    /// and the other side answers it like the first one. Repeatable while no answer came.
    pub async fn restart(&self, emit: impl FnOnce(SignalPayload)) -> Result<(), NegotiationError> {
        if !self.offerer {
            return Err(NegotiationError::Transport(
                "only the offering side restarts ICE".into(),
            ));
        }
        self.pc.restart_ice().await.map_err(transport)?;
        self.offer(emit).await
    }

    /// Create the offer, hand it to `emit` (it must be the first signal the other side gets)
    /// and apply it locally.
    pub async fn offer(&self, emit: impl FnOnce(SignalPayload)) -> Result<(), NegotiationError> {
        let offer = self.pc.create_offer(None).await.map_err(transport)?;
        // Before the offer leaves: its answer may come back at once.
        self.awaiting_answer.store(true, Ordering::SeqCst);
        emit(SignalPayload::Offer {
            sdp: offer.sdp.clone(),
        });
        self.pc
            .set_local_description(offer)
            .await
            .map_err(transport)
    }

    /// Apply the remote offer `sdp`, then answer it: the answer goes to `emit` before it is
    /// applied locally, so it precedes this side's candidates.
    pub async fn answer(
        &self,
        sdp: String,
        emit: impl FnOnce(SignalPayload),
    ) -> Result<(), NegotiationError> {
        let offer = RTCSessionDescription::offer(sdp)
            .map_err(|e| NegotiationError::BadSdp(e.to_string()))?;
        self.set_remote(offer).await?;
        let answer = self.pc.create_answer(None).await.map_err(transport)?;
        emit(SignalPayload::Answer {
            sdp: answer.sdp.clone(),
        });
        self.pc
            .set_local_description(answer)
            .await
            .map_err(transport)
    }

    /// Apply a signal the other side sent: its answer (offering side only, once) or a
    /// candidate. [`SignalPayload::Hold`] is not negotiation: it is ignored here, and a caller
    /// that gives it a meaning handles it before.
    pub async fn apply(&self, payload: SignalPayload) -> Result<(), NegotiationError> {
        match payload {
            SignalPayload::Answer { sdp } if self.offerer => {
                if !self.awaiting_answer.swap(false, Ordering::SeqCst) {
                    return Err(NegotiationError::SecondAnswer);
                }
                let answer = RTCSessionDescription::answer(sdp)
                    .map_err(|e| NegotiationError::BadSdp(e.to_string()))?;
                self.set_remote(answer).await
            }
            SignalPayload::Answer { .. } => Err(NegotiationError::AnswerToAnswerer),
            // The offering side restarted ICE: answer its new offer.
            SignalPayload::Offer { sdp }
                if !self.offerer && self.remote_set.load(Ordering::SeqCst) =>
            {
                let Some(emit) = self.restarts.clone() else {
                    return Err(NegotiationError::LateOffer);
                };
                self.answer(sdp, |answer| emit(answer)).await
            }
            SignalPayload::Offer { .. } => Err(NegotiationError::LateOffer),
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
                    self.early_candidates().push(init);
                    Ok(())
                }
            }
            SignalPayload::Hold { .. } => Ok(()),
        }
    }

    async fn set_remote(&self, description: RTCSessionDescription) -> Result<(), NegotiationError> {
        self.pc
            .set_remote_description(description)
            .await
            .map_err(|e| NegotiationError::BadSdp(e.to_string()))?;
        self.remote_set.store(true, Ordering::SeqCst);
        let early = std::mem::take(&mut *self.early_candidates());
        for candidate in early {
            self.add_candidate(candidate).await?;
        }
        Ok(())
    }

    async fn add_candidate(&self, candidate: RTCIceCandidateInit) -> Result<(), NegotiationError> {
        self.pc
            .add_ice_candidate(candidate)
            .await
            .map_err(|e| NegotiationError::BadCandidate(e.to_string()))
    }

    fn early_candidates(&self) -> std::sync::MutexGuard<'_, Vec<RTCIceCandidateInit>> {
        // A list only pushed to and taken whole: usable whatever a panicking holder left.
        self.early
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The signal that trickles a local candidate to the other side (`None` when the stack's
/// candidate cannot be serialised). An empty `sdp_mid` is sent as none.
pub fn candidate_signal(event: &RTCPeerConnectionIceEvent) -> Option<SignalPayload> {
    let init = event.candidate.to_json().ok()?;
    Some(SignalPayload::Candidate {
        candidate: init.candidate,
        sdp_mid: init.sdp_mid.filter(|mid| !mid.is_empty()),
        sdp_mline_index: init.sdp_mline_index,
    })
}

/// This machine's interface addresses (not loopback): compared every few seconds by a call
/// and a remote session to notice a network change.
pub fn local_addresses() -> std::collections::BTreeSet<std::net::IpAddr> {
    rtc::shared::ifaces::ifaces()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|i| i.addr.map(|a| a.ip()))
        .filter(|ip| !ip.is_loopback())
        .collect()
}
