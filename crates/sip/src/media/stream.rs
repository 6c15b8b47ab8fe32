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
    digits: mpsc::Sender<u8>,
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
        let (digits, to_press) = mpsc::channel(QUEUE);
        let sender = Sender {
            out: Outgoing::new(codec)?,
            payload_type: codec.payload_type(),
            ssrc: rand_u32(),
            sequence: rand_u32() as u16,
            timestamp: rand_u32(),
            event: None,
        };
        let receiver = Receiver {
            dec: Incoming::new(codec)?,
            payload_type: codec.payload_type(),
            jitter: JitterBuffer::new(JitterConfig::default()),
            first_ts: None,
        };
        let queues = Queues {
            to_send,
            to_press,
            played,
        };
        let task = tokio::spawn(run(socket, remote, sender, receiver, queues));
        Ok(MediaStream {
            outgoing,
            digits,
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

    /// Press a key of the dial pad (`0`-`9`, `*`, `#`, `A`-`D`): an RFC 4733 telephone event
    /// of 100 ms in place of the audio, after the keys pressed before it.
    pub fn press(&self, key: char) -> Result<(), SipError> {
        let event = match key {
            '0'..='9' => key as u8 - b'0',
            '*' => 10,
            '#' => 11,
            'A'..='D' => key as u8 - b'A' + 12,
            _ => return Err(SipError::InvalidNumber),
        };
        self.digits.try_send(event).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => SipError::Media("key queue full".into()),
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
    /// The telephone event being sent: its code and the frames sent of it so far.
    event: Option<(u8, u32)>,
}

/// Frames of one key press (100 ms), then its end packet sent three times (RFC 4733 2.5.1.4).
const EVENT_FRAMES: u32 = 5;
const EVENT_END_COPIES: u32 = 3;

impl Sender {
    /// The next packet: the key being pressed, else `frame`.
    fn packet(&mut self, frame: &Frame) -> Result<Bytes, SipError> {
        let (payload_type, marker, payload, advance) = match self.event {
            Some((event, sent)) => {
                let ticks = self.out.frame_ticks();
                let end = sent + 1 >= EVENT_FRAMES;
                let duration = (sent + 1).min(EVENT_FRAMES) * ticks;
                // Event, E bit and a volume of -10 dBm0, 16-bit duration (RFC 4733 2.3).
                let duration = u16::try_from(duration).unwrap_or(u16::MAX);
                let [hi, lo] = duration.to_be_bytes();
                let payload = vec![event, if end { 0x80 | 10 } else { 10 }, hi, lo];
                let done = sent + 1 >= EVENT_FRAMES + EVENT_END_COPIES - 1;
                self.event = if done { None } else { Some((event, sent + 1)) };
                // The event's timestamp stays at its start; the clock moves on once it ended.
                let advance = if done {
                    (EVENT_FRAMES + EVENT_END_COPIES - 1) * ticks
                } else {
                    0
                };
                (crate::sdp::TELEPHONE_EVENT_PT, sent == 0, payload, advance)
            }
            None => (
                self.payload_type,
                false,
                self.out.encode(frame)?,
                self.out.frame_ticks(),
            ),
        };
        let packet = Packet {
            header: Header {
                version: 2,
                marker,
                payload_type,
                sequence_number: self.sequence,
                timestamp: self.timestamp,
                ssrc: self.ssrc,
                ..Default::default()
            },
            payload: Bytes::from(payload),
        };
        self.sequence = self.sequence.wrapping_add(1);
        self.timestamp = self.timestamp.wrapping_add(advance);
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

struct Queues {
    to_send: mpsc::Receiver<Frame>,
    to_press: mpsc::Receiver<u8>,
    played: mpsc::Sender<Frame>,
}

async fn run(
    socket: UdpSocket,
    remote: SocketAddr,
    mut sender: Sender,
    mut receiver: Receiver,
    mut queues: Queues,
) {
    let start = Instant::now();
    let mut tick = tokio::time::interval(FRAME);
    tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut buf = vec![0u8; MAX_DATAGRAM];
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if sender.event.is_none() {
                    sender.event = queues.to_press.try_recv().ok().map(|e| (e, 0));
                }
                let frame = queues
                    .to_send
                    .try_recv()
                    .unwrap_or([0.0; linedesk_voice::codec::FRAME_SAMPLES]);
                if let Ok(bytes) = sender.packet(&frame) {
                    let _ = socket.send_to(&bytes, remote).await;
                }
                if let Ok(frame) = receiver.play(start.elapsed()) {
                    // A listener that does not keep up loses frames, not the stream.
                    let _ = queues.played.try_send(frame);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A key press is RFC 4733: the telephone-event payload type, the marker on its first
    /// packet, one timestamp with a growing duration, the end bit on its last three packets;
    /// the audio after it resumes on the clock it would have had.
    #[test]
    fn a_key_press_is_a_telephone_event() {
        let mut sender = Sender {
            out: Outgoing::new(Codec::Pcma).expect("encoder"),
            payload_type: 8,
            ssrc: 7,
            sequence: 100,
            timestamp: 1000,
            event: Some((5, 0)),
        };
        let silence = [0.0; linedesk_voice::codec::FRAME_SAMPLES];
        let packets: Vec<Packet> = (0..8)
            .map(|_| {
                let mut bytes = sender.packet(&silence).expect("packet");
                Packet::unmarshal(&mut bytes).expect("RTP")
            })
            .collect();
        for (i, p) in packets[..7].iter().enumerate() {
            assert_eq!(p.header.payload_type, crate::sdp::TELEPHONE_EVENT_PT, "{i}");
            assert_eq!(p.header.marker, i == 0, "{i}");
            assert_eq!(p.header.timestamp, 1000, "{i}");
            assert_eq!(p.header.sequence_number, 100 + i as u16, "{i}");
            let duration = u16::from_be_bytes([p.payload[2], p.payload[3]]);
            assert_eq!(p.payload[0], 5, "{i}");
            assert_eq!(p.payload[1] & 0x80 != 0, i >= 4, "{i}: end bit");
            assert_eq!(u32::from(duration), (i as u32 + 1).min(5) * 160, "{i}");
        }
        assert_eq!(packets[7].header.payload_type, 8);
        assert_eq!(packets[7].header.timestamp, 1000 + 7 * 160);
        assert_eq!(packets[7].payload.len(), 160);
    }
}
