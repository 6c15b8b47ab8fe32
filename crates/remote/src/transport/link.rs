//! [`Link`]: what the viewer and the host share: the peer connection, its state, signalling
//! in and out (candidates that come before the remote description are kept until it is set),
//! and the watchdog that ends a session which does not connect in time, notices a network
//! change, restarts ICE on the viewer's side while the session is reconnecting (the host
//! answers the new offer) and ends it when no path came back in time.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use linedesk_protocol::SignalPayload;
use linedesk_rtc_peer::{Negotiation, candidate_signal, local_addresses};
use tokio::sync::{mpsc, watch};
use webrtc::data_channel::DataChannel;
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler, RTCPeerConnectionIceEvent,
    RTCPeerConnectionState,
};

use super::{
    ADDRESS_POLL, EndReason, RECONNECT_TIMEOUT, RESTART_EVERY, SessionConfig, SessionState,
};
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

    /// The path broke (or this machine's addresses changed) once connected: reconnecting.
    /// Before the session was ever connected it stays connecting (the connect timeout runs).
    pub fn path_lost(&self) {
        self.state.send_if_modified(|state| {
            if *state == SessionState::Connected {
                *state = SessionState::Reconnecting;
                true
            } else {
                false
            }
        });
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
        if let Some(signal) = candidate_signal(&event) {
            self.shared.emit(signal);
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        match state {
            RTCPeerConnectionState::Connected
                if self.shared.pending_opens.load(Ordering::SeqCst) == 0 =>
            {
                self.shared.set(SessionState::Connected)
            }
            RTCPeerConnectionState::Disconnected | RTCPeerConnectionState::Failed
                if matches!(
                    self.shared.state(),
                    SessionState::Connected | SessionState::Reconnecting
                ) =>
            {
                self.shared.path_lost()
            }
            RTCPeerConnectionState::Failed => self.shared.end(EndReason::Failed),
            RTCPeerConnectionState::Closed => self.shared.end(EndReason::RemoteClosed),
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
    /// Offer/answer and the other side's candidates; the viewer offers (and restarts ICE),
    /// the host answers every offer, a restart's too.
    negotiation: Arc<Negotiation>,
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
            .with_configuration(config.ice.configuration())
            .with_setting_engine(config.ice.setting_engine())
            .with_handler(Arc::new(Handler {
                shared: shared.clone(),
            }))
            .with_udp_addrs(config.udp_addrs.clone())
            .build()
            .await
            .map_err(transport)?;
        let pc: Arc<dyn PeerConnection> = Arc::new(pc);
        let emitter = shared.clone();
        let negotiation = Arc::new(Negotiation::with_restarts(
            pc.clone(),
            offerer,
            Arc::new(move |signal| emitter.emit(signal)),
        ));
        tokio::spawn(watchdog(
            shared.clone(),
            pc.clone(),
            negotiation.clone(),
            config.connect_timeout,
        ));
        let link = Link {
            negotiation,
            pc,
            shared,
        };
        Ok((link, LinkEnds { signals, channels }))
    }

    /// Create the offer, queue it as the first signal and apply it locally.
    pub async fn offer(&self) -> Result<(), RemoteError> {
        Ok(self
            .negotiation
            .offer(|offer| self.shared.emit(offer))
            .await?)
    }

    /// Apply the remote `offer`, then answer it (the answer is queued as a signal).
    pub async fn answer(&self, offer: SignalPayload) -> Result<(), RemoteError> {
        let SignalPayload::Offer { sdp } = offer else {
            return Err(RemoteError::UnexpectedSignal("the host needs an offer"));
        };
        Ok(self
            .negotiation
            .answer(sdp, |answer| self.shared.emit(answer))
            .await?)
    }

    /// A signal the other side sent. Hold means nothing to a remote session: it is ignored.
    pub async fn signal(&self, payload: SignalPayload) -> Result<(), RemoteError> {
        if self.shared.state().is_over() {
            return Err(RemoteError::Over);
        }
        Ok(self.negotiation.apply(payload).await?)
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

/// Ends the session when it does not connect in time, or does not reconnect within
/// [`RECONNECT_TIMEOUT`]; notices a change of this machine's addresses (reconnecting); on the
/// viewer's side, restarts ICE at once and every [`RESTART_EVERY`] while reconnecting; closes
/// the transport once the session is over however that happened.
async fn watchdog(
    shared: Arc<Shared>,
    pc: Arc<dyn PeerConnection>,
    negotiation: Arc<Negotiation>,
    timeout: Duration,
) {
    let mut states = shared.watch();
    let connect_by = tokio::time::Instant::now() + timeout;
    let mut addresses = local_addresses();
    let mut poll = tokio::time::interval(ADDRESS_POLL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // While reconnecting: since when, and the last restart.
    let mut lost: Option<tokio::time::Instant> = None;
    let mut last_restart: Option<Instant> = None;
    loop {
        let state = *states.borrow_and_update();
        if state.is_over() {
            break;
        }
        if state == SessionState::Reconnecting {
            let since = *lost.get_or_insert_with(tokio::time::Instant::now);
            if since.elapsed() >= RECONNECT_TIMEOUT {
                shared.end(EndReason::Failed);
                continue;
            }
            if negotiation.is_offerer()
                && last_restart.is_none_or(|at| at.elapsed() >= RESTART_EVERY)
            {
                last_restart = Some(Instant::now());
                // A failed attempt is tried again at the next turn; the timeout bounds it.
                let _ = negotiation.restart(|offer| shared.emit(offer)).await;
            }
        } else {
            lost = None;
            last_restart = None;
        }
        let wake = match state {
            SessionState::Connecting => Some(connect_by),
            SessionState::Reconnecting => {
                let end = lost.map(|since| since + RECONNECT_TIMEOUT);
                let next = tokio::time::Instant::now() + RESTART_EVERY;
                end.map(|end| end.min(next))
            }
            _ => None,
        };
        tokio::select! {
            changed = states.changed() => if changed.is_err() { break },
            () = async {
                match wake {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            } => {
                if state == SessionState::Connecting {
                    shared.end(EndReason::Timeout);
                }
            }
            _ = poll.tick() => {
                let now = local_addresses();
                if now != addresses {
                    addresses = now;
                    shared.path_lost();
                }
            }
        }
    }
    let _ = pc.close().await;
}
