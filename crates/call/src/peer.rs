//! [`Call`]: the WebRTC peer of one call. One Opus track each way (payload type 111, 48 kHz,
//! 2 channels in the SDP as RFC 7587 requires), host candidates plus what the line's STUN/TURN
//! servers give ([`CallConfig::ice`]), DTLS-SRTP.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::Bytes;
use linedesk_protocol::{CallEndReason, SignalPayload};
use linedesk_rtc_peer::{IceSetup, Negotiation, local_addresses};
use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::configuration::media_engine::MIME_TYPE_OPUS;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodecParameters, RTCRtpCodingParameters, RTCRtpEncodingParameters,
    RtpCodecKind,
};
use tokio::sync::{mpsc, watch};
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP;
use webrtc::peer_connection::{
    MediaEngine, PeerConnection, PeerConnectionBuilder, Registry, Slot, configure_rtcp_reports,
};

use crate::error::{CallError, transport};
use crate::events::{Handler, ReceivedPacket, Shared};
use crate::far_side::{FarSideCell, FarSideObserver};
use crate::state::{CallState, Input, Machine};

/// Opus as every WebRTC endpoint offers it.
pub const OPUS_PAYLOAD_TYPE: u8 = 111;
pub const OPUS_CLOCK_RATE: u32 = 48_000;
/// RTP timestamp ticks of one 20 ms packet.
pub const TICKS_PER_PACKET: u32 = OPUS_CLOCK_RATE / 50;

/// Received packets the app may fall behind by (2 s of audio); further ones are dropped and
/// counted ([`Call::receive_overflow`]).
const RECEIVE_QUEUE: usize = 100;

/// How a call binds and how long it may take to connect.
#[derive(Debug, Clone)]
pub struct CallConfig {
    /// Local UDP addresses for host candidates. `0.0.0.0:0` (the default) means every
    /// non-loopback interface (LAN); tests use `127.0.0.1:0`.
    pub udp_addrs: Vec<SocketAddr>,
    /// From creation to a working media path.
    pub connect_timeout: Duration,
    /// The line's STUN/TURN servers (`GET /api/ice`) and whether only relayed paths may be
    /// used. Empty: host candidates only.
    pub ice: IceSetup,
}

impl Default for CallConfig {
    fn default() -> CallConfig {
        CallConfig {
            udp_addrs: vec![SocketAddr::from(([0, 0, 0, 0], 0))],
            connect_timeout: Duration::from_secs(20),
            ice: IceSetup::default(),
        }
    }
}

impl CallConfig {
    /// Loopback only (one host candidate on 127.0.0.1).
    pub fn loopback() -> CallConfig {
        CallConfig {
            udp_addrs: vec![SocketAddr::from(([127, 0, 0, 1], 0))],
            ..CallConfig::default()
        }
    }
}

/// What became of one [`Call::send_packet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    Sent,
    /// Dropped: this side is muted.
    Muted,
    /// Dropped: one side holds the call.
    OnHold,
    /// Dropped: the media path is not up yet.
    NotConnected,
}

/// The app's ends of a call: signals to relay to the other party, and received audio.
pub struct CallChannels {
    /// Offer or answer first, then trickled candidates and hold changes, in order.
    pub signals: mpsc::UnboundedReceiver<SignalPayload>,
    pub packets: mpsc::Receiver<ReceivedPacket>,
}

/// The RTP sending state: sequence numbers and whether the last packet went out.
struct Sender {
    seq: u16,
    talking: bool,
}

/// One call's WebRTC peer. Dropping it hangs up.
pub struct Call {
    pub(crate) pc: Arc<dyn PeerConnection>,
    track: Arc<TrackLocalStaticRTP>,
    ssrc: u32,
    /// The other side's latest reception report about `ssrc` (RTCP).
    pub(crate) far_side: Arc<FarSideCell>,
    sender: tokio::sync::Mutex<Sender>,
    shared: Arc<Shared>,
    /// Offer/answer and the other side's candidates; the caller offers (and restarts ICE).
    negotiation: Arc<Negotiation>,
}

fn media_engine() -> Result<MediaEngine, CallError> {
    let mut engine = MediaEngine::default();
    engine
        .register_codec(
            RTCRtpCodecParameters {
                rtp_codec: opus(),
                payload_type: OPUS_PAYLOAD_TYPE,
            },
            RtpCodecKind::Audio,
        )
        .map_err(transport)?;
    Ok(engine)
}

fn opus() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_OPUS.to_owned(),
        clock_rate: OPUS_CLOCK_RATE,
        channels: 2,
        sdp_fmtp_line: "minptime=10;useinbandfec=1".to_owned(),
        rtcp_feedback: vec![],
    }
}

/// A random 32-bit value (SSRC, track id) without a random-number crate: the std hasher is
/// seeded randomly per process, the counter makes values differ within one.
fn random_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(Instant::now().elapsed().as_nanos());
    (h.finish() >> 16) as u32
}

impl Call {
    /// Start a call as the caller: the offer is the first item of `signals`.
    pub async fn offer(config: CallConfig) -> Result<(Call, CallChannels), CallError> {
        let (call, channels) = Call::new(config, true).await?;
        call.negotiation
            .offer(|offer| call.shared.emit(offer))
            .await?;
        Ok((call, channels))
    }

    /// Answer `offer_sdp` as the callee: the answer is the first item of `signals`.
    pub async fn answer(
        config: CallConfig,
        offer_sdp: &str,
    ) -> Result<(Call, CallChannels), CallError> {
        let (call, channels) = Call::new(config, false).await?;
        call.negotiation
            .answer(offer_sdp.to_string(), |answer| call.shared.emit(answer))
            .await?;
        Ok((call, channels))
    }

    async fn new(config: CallConfig, caller: bool) -> Result<(Call, CallChannels), CallError> {
        let (signals_tx, signals) = mpsc::unbounded_channel();
        let (packets_tx, packets) = mpsc::channel(RECEIVE_QUEUE);
        let machine = Machine::new(Instant::now(), config.connect_timeout);
        let shared = Shared::new(machine, signals_tx, packets_tx);
        let ssrc = random_u32();
        let far_side = Arc::new(FarSideCell::default());
        let pc = PeerConnectionBuilder::new()
            .with_configuration(config.ice.configuration())
            .with_setting_engine(config.ice.setting_engine())
            .with_media_engine(media_engine()?)
            // RTCP sender and receiver reports both ways (RFC 3550), every second: the other
            // side's loss and jitter of this side's stream (`TransportHealth::far_side`, which
            // drives the encoder's FEC), and a browser peer's `remote-inbound-rtp` statistics.
            // No NACK: a retransmitted audio packet would come too late to play.
            .with_interceptor_registry(configure_rtcp_reports(Registry::new()).with(
                // Wire-ward of the report interceptors, which consume what they read.
                Slot::from(9_000),
                FarSideObserver::new(ssrc, far_side.clone()),
            ))
            .with_handler(Arc::new(Handler {
                shared: shared.clone(),
            }))
            .with_udp_addrs(config.udp_addrs.clone())
            .build()
            .await
            .map_err(transport)?;
        let pc: Arc<dyn PeerConnection> = Arc::new(pc);
        let track = Arc::new(TrackLocalStaticRTP::new(MediaStreamTrack::new(
            format!("linedesk-{ssrc:08x}"),
            "voice".to_owned(),
            "voice".to_owned(),
            RtpCodecKind::Audio,
            vec![RTCRtpEncodingParameters {
                rtp_coding_parameters: RTCRtpCodingParameters {
                    ssrc: Some(ssrc),
                    ..Default::default()
                },
                codec: opus(),
                ..Default::default()
            }],
        )));
        pc.add_track(track.clone() as Arc<dyn TrackLocal>)
            .await
            .map_err(transport)?;
        let emitter = shared.clone();
        let negotiation = Arc::new(Negotiation::with_restarts(
            pc.clone(),
            caller,
            Arc::new(move |signal| emitter.emit(signal)),
        ));
        tokio::spawn(watchdog(shared.clone(), pc.clone(), negotiation.clone()));
        let call = Call {
            negotiation,
            pc,
            track,
            ssrc,
            far_side,
            sender: tokio::sync::Mutex::new(Sender {
                seq: random_u32() as u16,
                talking: false,
            }),
            shared,
        };
        Ok((call, CallChannels { signals, packets }))
    }

    /// A signal the other party sent (relayed by the line server).
    pub async fn signal(&self, payload: SignalPayload) -> Result<(), CallError> {
        if self.shared.state().is_over() {
            return Err(CallError::Over);
        }
        if let SignalPayload::Hold { on } = payload {
            self.shared.feed(Input::RemoteHold(on));
            return Ok(());
        }
        Ok(self.negotiation.apply(payload).await?)
    }

    /// Send one Opus packet stamped `timestamp` (48 kHz ticks; +960 per 20 ms). Muted, held or
    /// not yet connected, it is dropped and the outcome says why.
    pub async fn send_packet(&self, opus: Bytes, timestamp: u32) -> Result<Sent, CallError> {
        let mut sender = self.sender.lock().await;
        let why_not = match self.shared.state() {
            state if state.is_over() => return Err(CallError::Over),
            CallState::Ringing | CallState::Reconnecting => Some(Sent::NotConnected),
            CallState::OnHold { .. } => Some(Sent::OnHold),
            _ if self.shared.muted.load(Ordering::SeqCst) => Some(Sent::Muted),
            _ => None,
        };
        if let Some(dropped) = why_not {
            sender.talking = false;
            return Ok(dropped);
        }
        let packet = rtc::rtp::Packet {
            header: rtc::rtp::header::Header {
                version: 2,
                // The first packet of a talkspurt (after silence, mute or hold), RFC 3551.
                marker: !sender.talking,
                payload_type: OPUS_PAYLOAD_TYPE,
                sequence_number: sender.seq,
                timestamp,
                ssrc: self.ssrc,
                ..Default::default()
            },
            payload: opus,
        };
        if let Err(e) = self.track.write_rtp(packet).await {
            // The call may have ended (hung up, transferred) while this packet was on its way
            // to a transport that is closing: that is the end of the call, not a failure.
            return Err(if self.shared.state().is_over() {
                CallError::Over
            } else {
                transport(e)
            });
        }
        sender.seq = sender.seq.wrapping_add(1);
        sender.talking = true;
        Ok(Sent::Sent)
    }

    /// Network emulation (the loopback's and the benchmarks' lossy network): the packet this
    /// side would send now is lost on the way. Its sequence number is used up and nothing is
    /// written, so the other side sees the gap exactly as on a lossy path, RTCP receiver
    /// reports included. `false` when nothing would have been sent (muted, held, not
    /// connected).
    pub async fn lose_packet(&self) -> Result<bool, CallError> {
        let mut sender = self.sender.lock().await;
        match self.shared.state() {
            state if state.is_over() => return Err(CallError::Over),
            CallState::Connected if !self.shared.muted.load(Ordering::SeqCst) => {}
            _ => return Ok(false),
        }
        sender.seq = sender.seq.wrapping_add(1);
        sender.talking = true;
        Ok(true)
    }

    /// Mute (stop sending, keep the connection) or unmute. The other side is not told.
    pub fn set_muted(&self, on: bool) {
        self.shared.muted.store(on, Ordering::SeqCst);
    }

    pub fn is_muted(&self) -> bool {
        self.shared.muted.load(Ordering::SeqCst)
    }

    /// Hold (`true`) or resume: both sides stop sending, and the other side is told with a
    /// [`SignalPayload::Hold`] on `signals`.
    pub fn hold(&self, on: bool) -> Result<(), CallError> {
        match self.shared.state() {
            state if state.is_over() => return Err(CallError::Over),
            CallState::Ringing => return Err(CallError::NotConnected),
            _ => {}
        }
        self.shared.feed(Input::LocalHold(on));
        self.shared.emit(SignalPayload::Hold { on });
        Ok(())
    }

    /// Hang up here (tell the server with `HangUp` too): the transport closes.
    pub async fn hang_up(&self) {
        self.shared.feed(Input::LocalHangUp);
        let _ = self.pc.close().await;
    }

    /// The other party hung up (the server's `CallEnded`): the transport closes.
    pub async fn remote_ended(&self, reason: CallEndReason) {
        self.shared.feed(Input::RemoteHangUp(reason));
        let _ = self.pc.close().await;
    }

    pub fn state(&self) -> CallState {
        self.shared.state()
    }

    /// Every change of [`Call::state`].
    pub fn watch(&self) -> watch::Receiver<CallState> {
        self.shared.watch()
    }

    /// Received packets dropped because the app read them too slowly.
    pub fn receive_overflow(&self) -> u64 {
        self.shared.overflow.load(Ordering::Relaxed)
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        // The watchdog sees the end and closes the transport.
        self.shared.feed(Input::LocalHangUp);
    }
}

/// How often this machine's addresses are compared with the last ones, and how often the
/// offering side offers an ICE restart again while reconnecting (the network may take a while
/// to come back: a TURN server restarting, a laptop waking up).
const ADDRESS_POLL: Duration = Duration::from_secs(2);
const RESTART_EVERY: Duration = Duration::from_secs(4);

/// Fails the call when it does not connect (or reconnect) in time; notices a network change
/// (this machine's addresses changed: an interface went up or down, a new address after
/// sleep) and, on the offering side, restarts ICE while the call is reconnecting; closes the
/// transport when the call is over however that happened.
async fn watchdog(shared: Arc<Shared>, pc: Arc<dyn PeerConnection>, negotiation: Arc<Negotiation>) {
    let mut states = shared.watch();
    let mut addresses = local_addresses();
    let mut poll = tokio::time::interval(ADDRESS_POLL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_restart: Option<Instant> = None;
    loop {
        let state = shared.state();
        if state.is_over() {
            break;
        }
        if state == CallState::Reconnecting
            && negotiation.is_offerer()
            && last_restart.is_none_or(|at| at.elapsed() >= RESTART_EVERY)
        {
            last_restart = Some(Instant::now());
            // A failed attempt is tried again at the next turn; the reconnect timeout bounds it.
            let _ = negotiation.restart(|offer| shared.emit(offer)).await;
        }
        if state != CallState::Reconnecting {
            last_restart = None;
        }
        let deadline = shared
            .machine()
            .next_timeout()
            .map(tokio::time::Instant::from_std);
        let changed = tokio::select! {
            changed = states.changed() => changed,
            () = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            } => {
                shared.feed(Input::Tick);
                Ok(())
            }
            _ = poll.tick() => {
                let now = local_addresses();
                if now != addresses {
                    addresses = now;
                    shared.feed(Input::Disconnected);
                }
                Ok(())
            }
        };
        if changed.is_err() {
            break;
        }
    }
    let _ = pc.close().await;
}
