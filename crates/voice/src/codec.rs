//! Opus for calls: 48 kHz mono, 20 ms frames, tuned for speech over a lossy network.
//!
//! The application is `VOIP` (speech-optimised, with the pre-filter that helps intelligibility),
//! the signal hint is `Voice`, the bitrate is 24-32 kbit/s, by default 28 kbit/s fullband. 32 kbit/s
//! wideband scored higher in WB-PESQ (4.30 against 3.88 clean, BENCHMARKS.md "Speech quality
//! under loss"; WB-PESQ scores only up to 8 kHz), but a Chromium peer then heard the engine at
//! a waveform correlation of 0.60-0.74 against 0.8+ before, so the default stays fullband until
//! that is understood; `--band wide --bitrate 32000` on the loopback gives the other. In-band FEC is on, so a lost frame
//! can be rebuilt from the redundancy the *next* packet carries ([`Decoder::conceal`] with the
//! next packet); without it, libopus's packet-loss concealment extrapolates. DTX is on: during
//! silence the encoder sends a tiny packet every 400 ms instead of one every 20 ms, which the
//! jitter buffer sees as a timestamp gap without a sequence gap (see [`crate::jitter`]).
//! FEC only works when the encoder knows how much loss to expect, so feed
//! [`Encoder::set_expected_loss`] from the far end's loss statistics.

use crate::VoiceError;
use crate::jitter::Playout;

/// The engine's one sample rate (Hz).
pub const SAMPLE_RATE: u32 = 48_000;
/// Samples in one 20 ms mono frame at [`SAMPLE_RATE`].
pub const FRAME_SAMPLES: usize = 960;
/// One 20 ms frame of mono PCM, `f32` in `[-1, 1]`.
pub type Frame = [f32; FRAME_SAMPLES];

/// The largest Opus packet libopus can produce for one frame (RFC 6716 recommends 4000 bytes).
const MAX_PACKET: usize = 4000;

/// Settings of the call encoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodecConfig {
    /// Target bitrate in bit/s, 24 000 to 32 000.
    pub bitrate: u32,
    /// Loss the encoder should protect against, 0-100 %: drives how much FEC it spends.
    pub expected_loss_percent: u8,
    /// In-band forward error correction.
    pub fec: bool,
    /// Discontinuous transmission during silence.
    pub dtx: bool,
    /// The widest audio band the encoder may code.
    pub max_band: Band,
    /// The receiving side's decoder complexity ([`DECODER_COMPLEXITY`] by default): deep PLC
    /// from 5, OSCE speech enhancement from 6.
    pub decoder_complexity: u8,
}

/// How much of the spectrum the encoder codes (Opus bandwidths).
///
/// Wideband (up to 8 kHz) is what telephony calls HD voice and what WB-PESQ scores; libopus
/// adds in-band FEC at 5 % expected loss only if the bitrate covers it at the coded band (its
/// `fec_thresholds`: about 20 kbit/s for wideband, 28 for fullband), so at 24-32 kbit/s a
/// fullband stream carries no FEC until the expected loss passes 5 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Band {
    /// Up to 8 kHz (SILK wideband).
    Wide,
    /// Up to 12 kHz.
    SuperWide,
    /// Up to 20 kHz.
    Full,
}

impl Band {
    fn opus(self) -> opus::Bandwidth {
        match self {
            Band::Wide => opus::Bandwidth::Wideband,
            Band::SuperWide => opus::Bandwidth::Superwideband,
            Band::Full => opus::Bandwidth::Fullband,
        }
    }
}

impl Default for CodecConfig {
    fn default() -> Self {
        Self {
            bitrate: 28_000,
            expected_loss_percent: 5,
            fec: true,
            dtx: true,
            max_band: Band::Full,
            decoder_complexity: DECODER_COMPLEXITY,
        }
    }
}

/// Lowest and highest bitrate the engine accepts (bit/s).
pub const BITRATE_RANGE: std::ops::RangeInclusive<u32> = 24_000..=32_000;

/// Encodes 20 ms mono frames into Opus packets.
pub struct Encoder {
    inner: opus::Encoder,
    out: Vec<u8>,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder").finish_non_exhaustive()
    }
}

impl Encoder {
    /// An encoder with the given settings; the bitrate must be in [`BITRATE_RANGE`].
    pub fn new(config: &CodecConfig) -> Result<Self, VoiceError> {
        if !BITRATE_RANGE.contains(&config.bitrate) {
            return Err(VoiceError::InvalidConfig("bitrate must be 24-32 kbit/s"));
        }
        let mut inner =
            opus::Encoder::new(SAMPLE_RATE, opus::Channels::Mono, opus::Application::Voip)?;
        inner.set_bitrate(opus::Bitrate::Bits(config.bitrate as i32))?;
        inner.set_signal(opus::Signal::Voice)?;
        inner.set_inband_fec(config.fec)?;
        inner.set_dtx(config.dtx)?;
        inner.set_max_bandwidth(config.max_band.opus())?;
        let mut encoder = Self {
            inner,
            out: vec![0; MAX_PACKET],
        };
        encoder.set_expected_loss(config.expected_loss_percent)?;
        Ok(encoder)
    }

    /// Tell the encoder how much loss to protect against (0-100 %, clamped).
    pub fn set_expected_loss(&mut self, percent: u8) -> Result<(), VoiceError> {
        self.inner
            .set_packet_loss_perc(i32::from(percent.min(100)))?;
        Ok(())
    }

    /// Change the bitrate mid-call; it must be in [`BITRATE_RANGE`].
    pub fn set_bitrate(&mut self, bitrate: u32) -> Result<(), VoiceError> {
        if !BITRATE_RANGE.contains(&bitrate) {
            return Err(VoiceError::InvalidConfig("bitrate must be 24-32 kbit/s"));
        }
        self.inner
            .set_bitrate(opus::Bitrate::Bits(bitrate as i32))?;
        Ok(())
    }

    /// Change the widest band mid-call.
    pub fn set_max_band(&mut self, band: Band) -> Result<(), VoiceError> {
        self.inner.set_max_bandwidth(band.opus())?;
        Ok(())
    }

    /// Encode one frame of `f32` samples (exactly [`FRAME_SAMPLES`] of them).
    ///
    /// With DTX on, libopus returns a packet of one or two bytes during silence: such a packet
    /// need not be sent (RFC 6716 / libopus docs); the receiver's jitter buffer sees the
    /// timestamp gap and its decoder fills it with comfort noise.
    pub fn encode(&mut self, pcm: &[f32]) -> Result<Vec<u8>, VoiceError> {
        check_len(pcm.len())?;
        let n = self.inner.encode_float(pcm, &mut self.out)?;
        Ok(self.out[..n].to_vec())
    }

    /// Encode one frame of 16-bit samples.
    pub fn encode_i16(&mut self, pcm: &[i16; FRAME_SAMPLES]) -> Result<Vec<u8>, VoiceError> {
        let n = self.inner.encode(pcm, &mut self.out)?;
        Ok(self.out[..n].to_vec())
    }

    /// The encoder's algorithmic delay in samples at 48 kHz (the Ogg pre-skip).
    pub fn lookahead(&mut self) -> Result<u16, VoiceError> {
        let samples = self.inner.get_lookahead()?;
        u16::try_from(samples).map_err(|_| VoiceError::InvalidConfig("lookahead out of range"))
    }
}

/// The call decoder's complexity: 5 and up conceals a lost frame with libopus's deep PLC
/// (a neural network instead of pitch repetition), 6 adds LACE and 7 NoLACE, the neural
/// speech enhancement (OSCE) of SILK frames, which takes coding noise off the decoded speech:
/// on a clean path it is worth about +0.2 WB-PESQ at 28-32 kbit/s and more under loss
/// (BENCHMARKS.md, "Speech quality under loss"). The models are compiled into libopus.
pub const DECODER_COMPLEXITY: u8 = 7;

/// Decodes Opus packets back into 20 ms mono frames, concealing lost ones.
///
/// Through `opusic-c` rather than `opus` 0.4 (which the recorder's multistream codec uses):
/// only it sets a decoder's complexity, which is what switches the neural concealment and
/// enhancement on. Both link the one libopus that `opusic-sys` builds.
pub struct Decoder {
    inner: opusic_c::Decoder,
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoder").finish_non_exhaustive()
    }
}

impl Decoder {
    /// A 48 kHz mono decoder at [`DECODER_COMPLEXITY`].
    pub fn new() -> Result<Self, VoiceError> {
        Self::with_complexity(DECODER_COMPLEXITY)
    }

    /// A decoder at another complexity (0-10; below 5 no deep PLC, below 6 no OSCE), for
    /// comparisons.
    pub fn with_complexity(complexity: u8) -> Result<Self, VoiceError> {
        if complexity > 10 {
            return Err(VoiceError::InvalidConfig("decoder complexity must be 0-10"));
        }
        let mut inner =
            opusic_c::Decoder::new(opusic_c::Channels::Mono, opusic_c::SampleRate::Hz48000)
                .map_err(VoiceError::OpusCode)?;
        inner
            .set_complexity(complexity)
            .map_err(VoiceError::OpusCode)?;
        Ok(Self { inner })
    }

    /// Decode one packet; `None` means the packet is lost (or the sender was silent) and
    /// libopus's concealment extrapolates one frame.
    pub fn decode(&mut self, packet: Option<&[u8]>) -> Result<Frame, VoiceError> {
        self.decode_into(packet.unwrap_or(&[]), false)
    }

    /// Rebuild a lost frame: from the FEC data in `next` (the packet right after the lost one)
    /// when the caller has it, otherwise by concealment. `next` is decoded again normally in
    /// its own turn.
    pub fn conceal(&mut self, next: Option<&[u8]>) -> Result<Frame, VoiceError> {
        match next {
            Some(next) if !next.is_empty() => self.decode_into(next, true),
            _ => self.decode(None),
        }
    }

    fn decode_into(&mut self, packet: &[u8], fec: bool) -> Result<Frame, VoiceError> {
        let mut frame = [0.0; FRAME_SAMPLES];
        let n = self
            .inner
            .decode_float_to_slice(packet, &mut frame, fec)
            .map_err(VoiceError::OpusCode)?;
        check_decoded(n)?;
        Ok(frame)
    }

    /// Decode whatever the jitter buffer said to play now.
    pub fn play<P: AsRef<[u8]>>(&mut self, playout: &Playout<P>) -> Result<Frame, VoiceError> {
        match playout {
            Playout::Frame(p) => self.decode(Some(p.as_ref())),
            Playout::Lost { next } => self.conceal(next.as_ref().map(AsRef::as_ref)),
            Playout::Nothing => self.decode(None),
        }
    }
}

fn check_len(got: usize) -> Result<(), VoiceError> {
    if got == FRAME_SAMPLES {
        Ok(())
    } else {
        Err(VoiceError::FrameLength {
            expected: FRAME_SAMPLES,
            got,
        })
    }
}

fn check_decoded(n: usize) -> Result<(), VoiceError> {
    // Our packets always carry 20 ms; anything else is a foreign packet.
    check_len(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f32, frame_index: usize) -> Frame {
        let mut f = [0.0; FRAME_SAMPLES];
        for (i, s) in f.iter_mut().enumerate() {
            let t = (frame_index * FRAME_SAMPLES + i) as f32 / SAMPLE_RATE as f32;
            *s = 0.5 * (2.0 * std::f32::consts::PI * freq * t).sin();
        }
        f
    }

    fn energy(f: &[f32]) -> f32 {
        f.iter().map(|s| s * s).sum::<f32>() / f.len() as f32
    }

    #[test]
    fn round_trip_keeps_a_tone() {
        let mut enc = Encoder::new(&CodecConfig::default()).unwrap();
        let mut dec = Decoder::new().unwrap();
        let mut out = Vec::new();
        for k in 0..50 {
            let p = enc.encode(&tone(440.0, k)).unwrap();
            assert!(
                !p.is_empty() && p.len() < 200,
                "packet of {} bytes",
                p.len()
            );
            out.extend_from_slice(&dec.decode(Some(&p)).unwrap());
        }
        // Skip the first 100 ms (encoder lookahead, start-up).
        let e = energy(&out[4800..]);
        assert!((e - 0.125).abs() < 0.03, "energy {e}");
    }

    #[test]
    fn loss_is_concealed_with_fec_and_plc() {
        let config = CodecConfig {
            expected_loss_percent: 20,
            ..CodecConfig::default()
        };
        let mut enc = Encoder::new(&config).unwrap();
        let mut dec = Decoder::new().unwrap();
        let packets: Vec<_> = (0..30)
            .map(|k| enc.encode(&tone(300.0, k)).unwrap())
            .collect();
        for p in &packets[..20] {
            dec.decode(Some(p)).unwrap();
        }
        let fec = dec.conceal(Some(&packets[21])).unwrap();
        let plc = dec.conceal(None).unwrap();
        assert!(energy(&fec) > 0.01, "FEC frame is silent");
        assert!(energy(&plc) > 0.001, "PLC frame is silent");
        dec.decode(Some(&packets[21])).unwrap();
    }

    #[test]
    fn the_neural_decoder_is_built_in_and_changes_the_output() {
        // Speech-like: a pitch with harmonics, wideband SILK (where OSCE works).
        let mut enc = Encoder::new(&CodecConfig::default()).unwrap();
        let packets: Vec<_> = (0..40)
            .map(|k| {
                let (a, b) = (tone(180.0, k), tone(540.0, k));
                let mix: Vec<f32> = a.iter().zip(&b).map(|(x, y)| 0.6 * x + 0.3 * y).collect();
                enc.encode(&mix).unwrap()
            })
            .collect();
        let decode = |complexity| {
            let mut dec = Decoder::with_complexity(complexity).unwrap();
            let mut out = Vec::new();
            for (k, p) in packets.iter().enumerate() {
                // Frame 30 lost with no FEC at hand: concealed.
                let frame = if k == 30 {
                    dec.conceal(None)
                } else {
                    dec.decode(Some(p))
                };
                out.extend_from_slice(&frame.unwrap());
            }
            out
        };
        let (plain, neural) = (decode(0), decode(DECODER_COMPLEXITY));
        // libopus without its models ignores the complexity; with them OSCE reshapes every
        // SILK frame and deep PLC the lost one.
        let diff = plain
            .iter()
            .zip(&neural)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(diff > 1e-3, "complexity 7 decoded the same as 0 ({diff})");
        assert!(energy(&neural[30 * FRAME_SAMPLES..31 * FRAME_SAMPLES]) > 0.001);
        assert!(matches!(
            Decoder::with_complexity(11),
            Err(VoiceError::InvalidConfig(_))
        ));
    }

    #[test]
    fn i16_input_and_dtx_silence() {
        let mut enc = Encoder::new(&CodecConfig::default()).unwrap();
        let silence = [0i16; FRAME_SAMPLES];
        let sizes: Vec<usize> = (0..40)
            .map(|_| enc.encode_i16(&silence).unwrap().len())
            .collect();
        // Silence: one- or two-byte packets (not sent), a real one every 400 ms.
        let dtx = sizes[10..].iter().filter(|&&n| n <= 2).count();
        assert!(dtx >= 25, "DTX packets: {sizes:?}");
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        assert!(matches!(
            Encoder::new(&CodecConfig {
                bitrate: 64_000,
                ..CodecConfig::default()
            }),
            Err(VoiceError::InvalidConfig(_))
        ));
        let mut enc = Encoder::new(&CodecConfig::default()).unwrap();
        assert!(matches!(
            enc.encode(&[0.0; 100]),
            Err(VoiceError::FrameLength { got: 100, .. })
        ));
        let mut dec = Decoder::new().unwrap();
        assert!(dec.decode(Some(&[0xff, 0xff, 0xff])).is_err());
    }
}
