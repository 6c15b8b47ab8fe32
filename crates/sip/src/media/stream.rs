//! The RTP stream of an answered call: every 20 ms it sends this side's next frame (silence
//! when none is queued) and plays out the far end's through the engine's adaptive jitter
//! buffer; packets are read as they come, in the same task.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use linedesk_voice::codec::Frame;
use linedesk_voice::jitter::{JitterBuffer, JitterConfig, Playout};
use rtc_rtp::{Header, Packet};
use rtc_shared::marshal::{Marshal, Unmarshal};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

use super::transcode::{Incoming, Outgoing};
use crate::{Codec, SipError};

/// Frames queued either way: one second.
const QUEUE: usize = 50;
/// The largest datagram read; RTP audio is far smaller.
const MAX_DATAGRAM: usize = 1500;
const FRAME: Duration = Duration::from_millis(20);

/// Audio both ways over RTP; stops when dropped.
pub struct MediaStream {
    outgoing: mpsc::Sender<Frame>,
    incoming: mpsc::Receiver<Frame>,
    task: JoinHandle<()>,
}

impl MediaStream {
    /// Carry `codec` between the call's RTP `socket` and the far end's `remote` address.
    pub fn start(
        socket: std::net::UdpSocket,
        remote: SocketAddr,
        codec: Codec,
    ) -> Result<MediaStream, SipError> {
        let media = |e: std::io::Error| SipError::Media(e.to_string());
        socket.set_nonblocking(true).map_err(media)?;
        let socket = UdpSocket::from_std(socket).map_err(media)?;
        let (outgoing, to_send) = mpsc::channel(QUEUE);
        let (played, incoming) = mpsc::channel(QUEUE);
        let sender = Sender {
            out: Outgoing::new(codec)?,
            payload_type: codec.payload_type(),
            ssrc: rand_u32(),
            sequence: rand_u32() as u16,
            timestamp: rand_u32(),
        };
        let receiver = Receiver {
            dec: Incoming::new(codec)?,
            payload_type: codec.payload_type(),
            jitter: JitterBuffer::new(JitterConfig::default()),
            first_ts: None,
        };
        let task = tokio::spawn(run(socket, remote, sender, receiver, to_send, played));
        Ok(MediaStream {
            outgoing,
            incoming,
            task,
        })
    }

    /// Queue one 20 ms frame to send; a frame beyond a second of backlog is refused.
    pub fn send(&self, frame: Frame) -> Result<(), SipError> {
        self.outgoing.try_send(frame).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => SipError::Media("send queue full".into()),
            mpsc::error::TrySendError::Closed(_) => SipError::Stopped,
        })
    }

    /// The far end's next 20 ms frame, as played out; `None` once the stream stopped.
    pub async fn receive(&mut self) -> Option<Frame> {
        self.incoming.recv().await
    }
}

impl Drop for MediaStream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Sender {
    out: Outgoing,
    payload_type: u8,
    ssrc: u32,
    sequence: u16,
    timestamp: u32,
}

impl Sender {
    fn packet(&mut self, frame: &Frame) -> Result<Bytes, SipError> {
        let payload = self.out.encode(frame)?;
        let packet = Packet {
            header: Header {
                version: 2,
                payload_type: self.payload_type,
                sequence_number: self.sequence,
                timestamp: self.timestamp,
                ssrc: self.ssrc,
                ..Default::default()
            },
            payload: Bytes::from(payload),
        };
        self.sequence = self.sequence.wrapping_add(1);
        self.timestamp = self.timestamp.wrapping_add(self.out.frame_ticks());
        packet
            .marshal()
            .map(|b| b.freeze())
            .map_err(|e| SipError::Media(e.to_string()))
    }
}

struct Receiver {
    dec: Incoming,
    payload_type: u8,
    jitter: JitterBuffer<Bytes>,
    first_ts: Option<u32>,
}

impl Receiver {
    /// A datagram from the far end: anything that is not RTP of the answered codec (RTCP,
    /// telephone events, garbage) is ignored.
    fn push(&mut self, datagram: &[u8], arrival: Duration) {
        let mut buf = Bytes::copy_from_slice(datagram);
        let Ok(packet) = Packet::unmarshal(&mut buf) else {
            return;
        };
        if packet.header.version != 2 || packet.header.payload_type != self.payload_type {
            return;
        }
        let first = *self.first_ts.get_or_insert(packet.header.timestamp);
        // Relative to the first packet, so that scaling 8 kHz to 48 kHz wraps only after a day.
        let ts = packet
            .header
            .timestamp
            .wrapping_sub(first)
            .wrapping_mul(self.dec.ticks_to_48k());
        self.jitter
            .push(packet.header.sequence_number, ts, packet.payload, arrival);
    }

    fn play(&mut self, now: Duration) -> Result<Frame, SipError> {
        match self.jitter.pop(now) {
            Playout::Frame(p) => self.dec.decode(Some(&p)),
            Playout::Lost { .. } | Playout::Nothing => self.dec.decode(None),
        }
    }
}

async fn run(
    socket: UdpSocket,
    remote: SocketAddr,
    mut sender: Sender,
    mut receiver: Receiver,
    mut to_send: mpsc::Receiver<Frame>,
    played: mpsc::Sender<Frame>,
) {
    let start = Instant::now();
    let mut tick = tokio::time::interval(FRAME);
    tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut buf = vec![0u8; MAX_DATAGRAM];
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let frame = to_send.try_recv().unwrap_or([0.0; linedesk_voice::codec::FRAME_SAMPLES]);
                if let Ok(bytes) = sender.packet(&frame) {
                    let _ = socket.send_to(&bytes, remote).await;
                }
                if let Ok(frame) = receiver.play(start.elapsed()) {
                    // A listener that does not keep up loses frames, not the stream.
                    let _ = played.try_send(frame);
                }
            }
            got = socket.recv_from(&mut buf) => {
                if let Ok((len, _)) = got {
                    receiver.push(&buf[..len], start.elapsed());
                }
            }
        }
    }
}

/// A random 32-bit value for the SSRC and the first sequence number and timestamp (RFC 3550
/// wants them unpredictable), from the standard library's randomly keyed hasher.
fn rand_u32() -> u32 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now()) as u32
}
