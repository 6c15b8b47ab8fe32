//! Playing a call's recording back on a headset: [`Playback`] holds the file's Opus packets
//! (about 6 KB a second, so an hour is some 22 MB, where decoded PCM would be 1.4 GB) and
//! decodes 20 ms at a time, both parties mixed into one mono frame, from any position.
//!
//! Seeking decodes from four packets (80 ms) before the target and throws that away, as
//! RFC 7845 §4.6 recommends, so the decoder has converged when the wanted audio starts.

use std::collections::VecDeque;
use std::io::Cursor;
use std::time::Duration;

use ogg::PacketReader;

use crate::VoiceError;
use crate::codec::{FRAME_SAMPLES, Frame, SAMPLE_RATE};

/// Packets decoded and dropped before a seek's target.
const PREROLL_PACKETS: usize = 4;
/// The most samples one Opus packet decodes to (120 ms at 48 kHz).
const MAX_PACKET_SAMPLES: usize = 5760;

/// A recording ready to play: [`Playback::next_frame`] every 20 ms, [`Playback::seek`] at will.
pub struct Playback {
    packets: Vec<Vec<u8>>,
    /// Where each packet starts in the decoder's output (before the pre-skip is dropped).
    starts: Vec<u64>,
    channels: usize,
    streams: u8,
    coupled: u8,
    mapping: Vec<u8>,
    pre_skip: u64,
    /// The recording's length in samples.
    total: u64,
    decoder: opus::MSDecoder,
    next_packet: usize,
    /// Decoded mono samples waiting to be played, starting at `position`.
    ready: VecDeque<f32>,
    position: u64,
    pcm: Vec<f32>,
}

impl std::fmt::Debug for Playback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Playback")
            .field("packets", &self.packets.len())
            .field("total", &self.total)
            .field("position", &self.position)
            .finish_non_exhaustive()
    }
}

fn samples_duration(samples: u64) -> Duration {
    Duration::from_secs_f64(samples as f64 / f64::from(SAMPLE_RATE))
}

impl Playback {
    /// Read a recording's bytes (a two-channel Ogg Opus file as the recorder writes it; a cut
    /// one plays up to its last whole page).
    pub fn open(bytes: Vec<u8>) -> Result<Playback, VoiceError> {
        let mut ogg = PacketReader::new(Cursor::new(bytes));
        let head = match ogg.read_packet() {
            Ok(Some(p)) => p.data,
            _ => return Err(VoiceError::BadRecording("no OpusHead")),
        };
        if head.len() < 21 || &head[..8] != b"OpusHead" || head[18] != 1 {
            return Err(VoiceError::BadRecording("not a family-1 OpusHead"));
        }
        let channels = usize::from(head[9]);
        let mapping = head
            .get(21..21 + channels)
            .ok_or(VoiceError::BadRecording("a short OpusHead"))?
            .to_vec();
        let (streams, coupled) = (head[19], head[20]);
        let pre_skip = u64::from(u16::from_le_bytes([head[10], head[11]]));
        match ogg.read_packet() {
            Ok(Some(p)) if p.data.starts_with(b"OpusTags") => {}
            _ => return Err(VoiceError::BadRecording("no OpusTags")),
        }
        let (mut packets, mut starts) = (Vec::new(), Vec::new());
        let mut decoded = 0u64;
        let mut end_granule = None;
        while let Ok(Some(packet)) = ogg.read_packet() {
            let samples = opus::packet::get_nb_samples(&packet.data, SAMPLE_RATE)
                .map_err(VoiceError::Opus)?;
            if samples == 0 || samples > MAX_PACKET_SAMPLES {
                return Err(VoiceError::BadRecording("a packet of no known length"));
            }
            let last = packet.last_in_stream();
            let granule = packet.absgp_page();
            starts.push(decoded);
            decoded += samples as u64;
            packets.push(packet.data);
            if last {
                end_granule = Some(granule);
                break;
            }
        }
        let mut total = decoded.saturating_sub(pre_skip);
        if let Some(granule) = end_granule {
            total = total.min(granule.saturating_sub(pre_skip));
        }
        let decoder = opus::MSDecoder::new(SAMPLE_RATE, streams, coupled, &mapping)?;
        let mut playback = Playback {
            packets,
            starts,
            channels,
            streams,
            coupled,
            mapping,
            pre_skip,
            total,
            decoder,
            next_packet: 0,
            ready: VecDeque::new(),
            position: 0,
            pcm: vec![0.0; MAX_PACKET_SAMPLES * channels.max(1)],
        };
        playback.seek(Duration::ZERO)?;
        Ok(playback)
    }

    /// The recording's length.
    pub fn duration(&self) -> Duration {
        samples_duration(self.total)
    }

    /// Where the next frame starts.
    pub fn position(&self) -> Duration {
        samples_duration(self.position)
    }

    /// Whether everything was played.
    pub fn ended(&self) -> bool {
        self.position >= self.total
    }

    /// Go to `at` (past the end: the end).
    pub fn seek(&mut self, at: Duration) -> Result<(), VoiceError> {
        let target = ((at.as_secs_f64() * f64::from(SAMPLE_RATE)) as u64).min(self.total);
        // In the decoder's output, the target is pre_skip samples later.
        let out = target + self.pre_skip;
        let holding = self.starts.partition_point(|&s| s <= out).saturating_sub(1);
        let from = holding.saturating_sub(PREROLL_PACKETS);
        self.decoder =
            opus::MSDecoder::new(SAMPLE_RATE, self.streams, self.coupled, &self.mapping)?;
        self.ready.clear();
        self.next_packet = from;
        self.position = target;
        // Decode the preroll and the start of the target's packet, keeping from the target on.
        let mut skip = out.saturating_sub(self.starts.get(from).copied().unwrap_or(0));
        while skip > 0 && self.next_packet < self.packets.len() {
            self.decode_next()?;
            let drop = usize::try_from(skip).map_or(self.ready.len(), |s| s.min(self.ready.len()));
            self.ready.drain(..drop);
            skip -= drop as u64;
        }
        Ok(())
    }

    /// Decode the next packet onto `ready` (mono: the two parties summed, clipped to ±1).
    fn decode_next(&mut self) -> Result<(), VoiceError> {
        let packet = &self.packets[self.next_packet];
        self.next_packet += 1;
        let n = match self.decoder.decode_float(packet, &mut self.pcm, false) {
            Ok(n) => n,
            // A damaged packet plays as concealment, as a lost one would.
            Err(_) => self.decoder.decode_float(&[], &mut self.pcm, false)?,
        };
        let channels = self.channels.max(1);
        for frame in self.pcm[..n * channels].chunks_exact(channels) {
            self.ready
                .push_back(frame.iter().sum::<f32>().clamp(-1.0, 1.0));
        }
        Ok(())
    }

    /// The next 20 ms (silence past the end), or `None` once everything was played.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, VoiceError> {
        if self.ended() {
            return Ok(None);
        }
        while self.ready.len() < FRAME_SAMPLES && self.next_packet < self.packets.len() {
            self.decode_next()?;
        }
        let left = usize::try_from(self.total - self.position).unwrap_or(usize::MAX);
        let take = FRAME_SAMPLES.min(left).min(self.ready.len());
        let mut frame = [0.0f32; FRAME_SAMPLES];
        for (slot, sample) in frame.iter_mut().zip(self.ready.drain(..take)) {
            *slot = sample;
        }
        self.position += FRAME_SAMPLES.min(left) as u64;
        Ok(Some(frame))
    }
}
