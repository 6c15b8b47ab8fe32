//! Call recording: one two-channel Ogg Opus file per call (V1), written as the call goes.
//!
//! Channel 0 is the specialist, channel 1 the client. Each side is its own mono Opus stream
//! (channel mapping family 1, two streams, none coupled), not one stereo stream: stereo Opus
//! codes mid/side and, at speech bitrates, intensity stereo, which leaks one voice into the
//! other channel; separate streams keep the two sides apart (for listening to one side or for
//! transcription) and let silence on one side cost almost nothing. Family 1 with two channels
//! is ordinary left/right stereo to every player (RFC 7845 §5.1.1.2), so it plays as 2-channel.
//! Each stream gets 24 kbit/s (VOIP application, no FEC or DTX: a file loses nothing).
//!
//! Crash safety: a page is closed and flushed to the writer every [`PAGE_FRAMES`] frames
//! (0.5 s), so a crash loses at most the last half second; a file cut at any byte decodes up
//! to its last complete page (each page carries a CRC), and [`crate::recovery::close`] makes
//! it a complete stream again (partial page cut, end-of-stream page written). `OpusHead` and `OpusTags` are alone on
//! the first two pages; granule positions count 48 kHz samples including the encoder's
//! pre-skip, and [`Recorder::finish`] flushes the encoder's lookahead with one silent frame and
//! sets the last granule so that the file decodes to exactly the frames written.

use std::fs::File;
use std::io::{BufReader, Read, Seek, Write};
use std::path::Path;
use std::time::Duration;

use ogg::{PacketReader, PacketWriteEndInfo, PacketWriter};

use crate::VoiceError;
use crate::codec::{FRAME_SAMPLES, SAMPLE_RATE};

/// Frames per Ogg page: 25 × 20 ms = 0.5 s, the most a crash can lose.
pub const PAGE_FRAMES: u64 = 25;
/// Bitrate of each channel's stream (bit/s).
pub const CHANNEL_BITRATE: u32 = 24_000;

const SERIAL: u32 = 0x4C44_5643; // "LDVC"
const CHANNELS: usize = 2;
const MAPPING: [u8; 2] = [0, 1];
const VENDOR: &[u8] = b"linedesk-voice (libopus)";
/// Largest packet for one 20 ms frame of two streams.
const MAX_PACKET: usize = 2 * 4000;

/// Writes one call's recording. Drop it without [`Recorder::finish`] and the file still plays
/// up to the last flushed page.
pub struct Recorder<W: Write> {
    encoder: opus::MSEncoder,
    ogg: PacketWriter<'static, W>,
    pre_skip: u16,
    frames: u64,
    pcm: Vec<f32>,
    packet: Vec<u8>,
}

impl<W: Write> std::fmt::Debug for Recorder<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("frames", &self.frames)
            .finish_non_exhaustive()
    }
}

impl Recorder<File> {
    /// Create (or truncate) the file at `path` and write the headers.
    pub fn create(path: &Path) -> Result<Self, VoiceError> {
        let file = File::create(path).map_err(|source| VoiceError::Io {
            path: path.into(),
            source,
        })?;
        Self::new(file)
    }
}

impl<W: Write> Recorder<W> {
    /// Start a recording on `writer`: the `OpusHead` and `OpusTags` pages are written and
    /// flushed at once.
    pub fn new(writer: W) -> Result<Self, VoiceError> {
        let mut encoder =
            opus::MSEncoder::new(SAMPLE_RATE, 2, 0, &MAPPING, opus::Application::Voip)?;
        encoder.set_bitrate(opus::Bitrate::Bits(2 * CHANNEL_BITRATE as i32))?;
        encoder.set_signal(opus::Signal::Voice)?;
        let pre_skip = u16::try_from(encoder.get_lookahead()?)
            .map_err(|_| VoiceError::InvalidConfig("lookahead out of range"))?;
        let mut recorder = Self {
            encoder,
            ogg: PacketWriter::new(writer),
            pre_skip,
            frames: 0,
            pcm: vec![0.0; FRAME_SAMPLES * CHANNELS],
            packet: vec![0; MAX_PACKET],
        };
        recorder.write_packet(opus_head(pre_skip), PacketWriteEndInfo::EndPage, 0)?;
        recorder.write_packet(opus_tags(), PacketWriteEndInfo::EndPage, 0)?;
        Ok(recorder)
    }

    /// Record the next 20 ms: each side is one frame of [`FRAME_SAMPLES`] samples, or `None`
    /// for silence (muted, or no audio from that side).
    pub fn write(
        &mut self,
        specialist: Option<&[f32]>,
        client: Option<&[f32]>,
    ) -> Result<(), VoiceError> {
        for (channel, side) in [specialist, client].into_iter().enumerate() {
            match side {
                Some(s) if s.len() != FRAME_SAMPLES => {
                    return Err(VoiceError::FrameLength {
                        expected: FRAME_SAMPLES,
                        got: s.len(),
                    });
                }
                Some(s) => {
                    for (i, v) in s.iter().enumerate() {
                        self.pcm[i * CHANNELS + channel] = *v;
                    }
                }
                None => {
                    for i in 0..FRAME_SAMPLES {
                        self.pcm[i * CHANNELS + channel] = 0.0;
                    }
                }
            }
        }
        self.frames += 1;
        let end = if self.frames.is_multiple_of(PAGE_FRAMES) {
            PacketWriteEndInfo::EndPage
        } else {
            PacketWriteEndInfo::NormalPacket
        };
        self.encode(end, self.frames * FRAME_SAMPLES as u64)
    }

    /// Audio recorded so far.
    pub fn duration(&self) -> Duration {
        frames_duration(self.frames)
    }

    /// The underlying writer (e.g. to see how much was written).
    pub fn get_ref(&self) -> &W {
        self.ogg.inner()
    }

    /// End the stream: flush the encoder's lookahead and write the last page.
    pub fn finish(mut self) -> Result<W, VoiceError> {
        self.pcm.fill(0.0);
        let granule = self.frames * FRAME_SAMPLES as u64 + u64::from(self.pre_skip);
        self.encode(PacketWriteEndInfo::EndStream, granule)?;
        Ok(self.ogg.into_inner())
    }

    fn encode(&mut self, end: PacketWriteEndInfo, granule: u64) -> Result<(), VoiceError> {
        let n = self.encoder.encode_float(&self.pcm, &mut self.packet)?;
        let packet = self.packet[..n].to_vec();
        self.write_packet(packet, end, granule)
    }

    fn write_packet(
        &mut self,
        packet: Vec<u8>,
        end: PacketWriteEndInfo,
        granule: u64,
    ) -> Result<(), VoiceError> {
        let flush = end != PacketWriteEndInfo::NormalPacket;
        self.ogg
            .write_packet(packet, SERIAL, end, granule)
            .map_err(VoiceError::Stream)?;
        if flush {
            self.ogg.inner_mut().flush().map_err(VoiceError::Stream)?;
        }
        Ok(())
    }
}

/// `OpusHead` (RFC 7845 §5.1): version 1, two channels, mapping family 1 with two uncoupled
/// streams mapped to channels 0 and 1.
fn opus_head(pre_skip: u16) -> Vec<u8> {
    let mut h = Vec::with_capacity(23);
    h.extend_from_slice(b"OpusHead");
    h.push(1);
    h.push(CHANNELS as u8);
    h.extend_from_slice(&pre_skip.to_le_bytes());
    h.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
    h.extend_from_slice(&0i16.to_le_bytes());
    h.push(1); // mapping family
    h.push(2); // streams
    h.push(0); // coupled streams
    h.extend_from_slice(&MAPPING);
    h
}

/// `OpusTags` (RFC 7845 §5.2): vendor string and one comment naming the channel layout.
fn opus_tags() -> Vec<u8> {
    let comment: &[u8] = b"LINEDESK_CHANNELS=0:specialist,1:client";
    let mut t = Vec::new();
    t.extend_from_slice(b"OpusTags");
    t.extend_from_slice(&(VENDOR.len() as u32).to_le_bytes());
    t.extend_from_slice(VENDOR);
    t.extend_from_slice(&1u32.to_le_bytes());
    t.extend_from_slice(&(comment.len() as u32).to_le_bytes());
    t.extend_from_slice(comment);
    t
}

fn frames_duration(frames: u64) -> Duration {
    Duration::from_millis(frames * 20)
}

/// A recording decoded back to PCM.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// Length of the decoded audio.
    pub duration: Duration,
    /// Channel 0, 48 kHz.
    pub specialist: Vec<f32>,
    /// Channel 1, 48 kHz.
    pub client: Vec<f32>,
    /// Whether the stream ended properly (false: the writer crashed or the file was cut).
    pub complete: bool,
}

/// Decode the recording at `path` with libopus, as far as it is intact.
pub fn read(path: &Path) -> Result<Decoded, VoiceError> {
    let file = File::open(path).map_err(|source| VoiceError::Io {
        path: path.into(),
        source,
    })?;
    decode(BufReader::new(file))
}

/// Decode a recording from any seekable reader (see [`read`]).
pub fn decode<R: Read + Seek>(reader: R) -> Result<Decoded, VoiceError> {
    let mut ogg = PacketReader::new(reader);
    let head = match ogg.read_packet() {
        Ok(Some(p)) => p.data,
        _ => return Err(VoiceError::BadRecording("no OpusHead")),
    };
    if head.len() < 23 || &head[..8] != b"OpusHead" || head[9] != 2 || head[18] != 1 {
        return Err(VoiceError::BadRecording(
            "not a two-channel family-1 OpusHead",
        ));
    }
    let (streams, coupled) = (head[19], head[20]);
    let pre_skip = usize::from(u16::from_le_bytes([head[10], head[11]]));
    match ogg.read_packet() {
        Ok(Some(p)) if p.data.starts_with(b"OpusTags") => {}
        _ => return Err(VoiceError::BadRecording("no OpusTags")),
    }
    let mut decoder = opus::MSDecoder::new(SAMPLE_RATE, streams, coupled, &head[21..23])?;
    let mut pcm: Vec<f32> = Vec::new();
    let mut frame = vec![0.0f32; 5760 * CHANNELS];
    let mut end_granule = None;
    // A cut file ends in a partial page: the reader errors or stops there, and what was
    // decoded up to it is kept.
    while let Ok(Some(packet)) = ogg.read_packet() {
        let n = decoder.decode_float(&packet.data, &mut frame, false)?;
        pcm.extend_from_slice(&frame[..n * CHANNELS]);
        if packet.last_in_stream() {
            end_granule = Some(packet.absgp_page());
            break;
        }
    }
    let mut samples = (pcm.len() / CHANNELS).saturating_sub(pre_skip);
    if let Some(granule) = end_granule {
        let total = usize::try_from(granule)
            .unwrap_or(usize::MAX)
            .saturating_sub(pre_skip);
        samples = samples.min(total);
    }
    let interleaved = pcm
        .get(pre_skip * CHANNELS..(pre_skip + samples) * CHANNELS)
        .unwrap_or(&[]);
    let specialist = interleaved.iter().step_by(CHANNELS).copied().collect();
    let client = interleaved
        .iter()
        .skip(1)
        .step_by(CHANNELS)
        .copied()
        .collect();
    Ok(Decoded {
        duration: Duration::from_secs_f64(samples as f64 / f64::from(SAMPLE_RATE)),
        specialist,
        client,
        complete: end_granule.is_some(),
    })
}
