//! What the WebRTC stack reports, turned into inputs of the call's [`Machine`], outgoing
//! signals and received packets. Shared by the [`crate::Call`] handle and the stack's handler.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use bytes::Bytes;
use linedesk_protocol::SignalPayload;
use tokio::sync::{mpsc, watch};
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};
use webrtc::peer_connection::{
    PeerConnectionEventHandler, RTCIceGatheringState, RTCPeerConnectionIceEvent,
    RTCPeerConnectionState,
};

use crate::state::{CallState, Input, Machine};

/// One RTP packet of the other side's audio, as it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedPacket {
    /// RTP sequence number (wraps at 65536).
    pub seq: u16,
    /// RTP timestamp, 48 kHz ticks (960 per 20 ms packet).
    pub timestamp: u32,
    /// The Opus payload, untouched.
    pub payload: Bytes,
    /// When it was read off the socket (after SRTP).
    pub arrival: Instant,
}

/// The state every part of a call sees.
pub(crate) struct Shared {
    machine: Mutex<Machine>,
    state: watch::Sender<CallState>,
    pub muted: AtomicBool,
    signals: mpsc::UnboundedSender<SignalPayload>,
    packets: mpsc::Sender<ReceivedPacket>,
    /// Packets dropped because the reader fell more than the channel behind.
    pub overflow: AtomicU64,
    /// Local candidates gathered so far.
    pub candidates: AtomicU64,
}

impl Shared {
    pub fn new(
        machine: Machine,
        signals: mpsc::UnboundedSender<SignalPayload>,
        packets: mpsc::Sender<ReceivedPacket>,
    ) -> Arc<Shared> {
        Arc::new(Shared {
            state: watch::channel(machine.state()).0,
            machine: Mutex::new(machine),
            muted: AtomicBool::new(false),
            signals,
            packets,
            overflow: AtomicU64::new(0),
            candidates: AtomicU64::new(0),
        })
    }

    pub fn machine(&self) -> MutexGuard<'_, Machine> {
        // The machine is plain data updated in one assignment: usable whatever a panicking
        // holder left.
        self.machine
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Feed `input` now; announce the new state when it changed.
    pub fn feed(&self, input: Input) -> Option<CallState> {
        let changed = self.machine().handle(input, Instant::now());
        if let Some(state) = changed {
            self.state.send_replace(state);
        }
        changed
    }

    pub fn state(&self) -> CallState {
        self.machine().state()
    }

    pub fn watch(&self) -> watch::Receiver<CallState> {
        self.state.subscribe()
    }

    /// Queue a signal for the other side (the app relays it through the line server).
    pub fn emit(&self, payload: SignalPayload) {
        // The app dropped its receiver: it no longer relays, so there is nobody to tell.
        let _ = self.signals.send(payload);
    }
}

/// The stack's event handler of one call.
pub(crate) struct Handler {
    pub shared: Arc<Shared>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_candidate(&self, event: RTCPeerConnectionIceEvent) {
        // Trickled after the SDP that it belongs to (see `Call::offer`/`Call::answer`).
        if let Some(signal) = linedesk_rtc_peer::candidate_signal(&event) {
            self.shared.candidates.fetch_add(1, Ordering::SeqCst);
            self.shared.emit(signal);
        }
    }

    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        // Nothing to offer the other side: no path can ever work (with relay-only, the TURN
        // server refused or is unreachable). Said at once rather than at the connect timeout.
        if state == RTCIceGatheringState::Complete
            && self.shared.candidates.load(Ordering::SeqCst) == 0
        {
            self.shared.feed(Input::NoCandidates);
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        match state {
            RTCPeerConnectionState::Connected => {
                self.shared.feed(Input::Connected);
            }
            // `Connecting` (or `New`) after the call was up means the path is being found
            // again: the other side's ICE restart reached this side before its own consent
            // checks noticed the broken path (seen in CI: the answering side stayed `Connected`
            // through every restart while nothing was heard). Before the first connection the
            // state machine ignores them.
            RTCPeerConnectionState::Disconnected
            | RTCPeerConnectionState::Connecting
            | RTCPeerConnectionState::New => {
                self.shared.feed(Input::Disconnected);
            }
            RTCPeerConnectionState::Failed => {
                self.shared.feed(Input::IceFailed);
            }
            RTCPeerConnectionState::Closed => {
                self.shared.feed(Input::TransportClosed);
            }
            _ => {}
        }
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        let shared = self.shared.clone();
        tokio::spawn(async move { receive(track, shared).await });
    }
}

/// Hand every RTP packet of `track` to the app until the track ends.
async fn receive(track: Arc<dyn TrackRemote>, shared: Arc<Shared>) {
    while let Some(event) = track.poll().await {
        match event {
            TrackRemoteEvent::OnRtpPacket(packet) => {
                let received = ReceivedPacket {
                    seq: packet.header.sequence_number,
                    timestamp: packet.header.timestamp,
                    payload: packet.payload,
                    arrival: Instant::now(),
                };
                match shared.packets.try_send(received) {
                    Ok(()) => {}
                    // A jitter buffer that stalls must not stall the transport: drop, count.
                    Err(mpsc::error::TrySendError::Full(_)) => {
                        shared.overflow.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => return,
                }
            }
            TrackRemoteEvent::OnEnded => return,
            _ => {}
        }
    }
}
