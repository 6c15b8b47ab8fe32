//! The answered codec between the pipeline's 20 ms frames of 48 kHz mono and RTP payloads:
//! Opus through the engine's wrapper (48 kHz, no resampling), G.711 through the engine's
//! resampler (48 kHz to 8 kHz and back) and the companding of [`super::g711`].

use std::collections::VecDeque;

use linedesk_voice::codec::{CodecConfig, Decoder, Encoder, FRAME_SAMPLES, Frame};
use linedesk_voice::resample::Converter;

use super::g711;
use crate::{Codec, SipError};

/// RTP clock ticks of one 20 ms frame at 8 kHz.
pub const G711_FRAME: u32 = 160;

/// Encodes this side's frames into payloads.
pub(crate) enum Outgoing {
    Opus(Box<Encoder>),
    G711 {
        alaw: bool,
        down: Box<Converter>,
        narrow: Vec<f32>,
    },
}

/// Decodes the far end's payloads into frames.
pub(crate) enum Incoming {
    Opus(Box<Decoder>),
    G711 {
        alaw: bool,
        up: Box<Converter>,
        wide: Vec<f32>,
        ready: VecDeque<f32>,
    },
}

fn media(e: impl std::fmt::Display) -> SipError {
    SipError::Media(e.to_string())
}

impl Outgoing {
    pub(crate) fn new(codec: Codec) -> Result<Outgoing, SipError> {
        Ok(match codec {
            Codec::Opus => Outgoing::Opus(Box::new(
                Encoder::new(&CodecConfig::default()).map_err(media)?,
            )),
            Codec::Pcma | Codec::Pcmu => Outgoing::G711 {
                alaw: codec == Codec::Pcma,
                down: Box::new(Converter::playback(8_000, 1).map_err(media)?),
                narrow: Vec::with_capacity(2 * G711_FRAME as usize),
            },
        })
    }

    /// RTP clock ticks per frame.
    pub(crate) fn frame_ticks(&self) -> u32 {
        match self {
            Outgoing::Opus(_) => FRAME_SAMPLES as u32,
            Outgoing::G711 { .. } => G711_FRAME,
        }
    }

    /// One frame's payload. G.711 sends what the resampler gave (160 bytes once it runs).
    pub(crate) fn encode(&mut self, frame: &Frame) -> Result<Vec<u8>, SipError> {
        match self {
            Outgoing::Opus(encoder) => encoder.encode(frame).map_err(media),
            Outgoing::G711 { alaw, down, narrow } => {
                down.process(frame, narrow).map_err(media)?;
                let take = narrow.len().min(G711_FRAME as usize);
                // Before the resampler's first output, a frame of silence keeps the clock.
                let silence = vec![0.0; G711_FRAME as usize - take];
                let samples = narrow.drain(..take).chain(silence);
                Ok(samples
                    .map(|s| {
                        let linear = to_i16(s);
                        if *alaw {
                            g711::alaw_encode(linear)
                        } else {
                            g711::ulaw_encode(linear)
                        }
                    })
                    .collect())
            }
        }
    }
}

impl Incoming {
    pub(crate) fn new(codec: Codec) -> Result<Incoming, SipError> {
        Ok(match codec {
            Codec::Opus => Incoming::Opus(Box::new(Decoder::new().map_err(media)?)),
            Codec::Pcma | Codec::Pcmu => Incoming::G711 {
                alaw: codec == Codec::Pcma,
                up: Box::new(Converter::capture(8_000, 1).map_err(media)?),
                wide: Vec::with_capacity(2 * FRAME_SAMPLES),
                ready: VecDeque::with_capacity(4 * FRAME_SAMPLES),
            },
        })
    }

    /// The RTP timestamp scale to the jitter buffer's 48 kHz clock.
    pub(crate) fn ticks_to_48k(&self) -> u32 {
        match self {
            Incoming::Opus(_) => 1,
            Incoming::G711 { .. } => 6,
        }
    }

    /// The next frame: `Some(payload)` decodes it, `None` conceals a lost or missing one
    /// (Opus's concealment; silence for G.711).
    pub(crate) fn decode(&mut self, payload: Option<&[u8]>) -> Result<Frame, SipError> {
        match self {
            Incoming::Opus(decoder) => decoder.decode(payload).map_err(media),
            Incoming::G711 {
                alaw,
                up,
                wide,
                ready,
            } => {
                let narrow: Vec<f32> = match payload {
                    Some(bytes) => bytes
                        .iter()
                        .map(|&b| {
                            let linear = if *alaw {
                                g711::alaw_decode(b)
                            } else {
                                g711::ulaw_decode(b)
                            };
                            f32::from(linear) / 32768.0
                        })
                        .collect(),
                    None => vec![0.0; G711_FRAME as usize],
                };
                wide.clear();
                up.process(&narrow, wide).map_err(media)?;
                ready.extend(wide.iter().copied());
                let mut frame = [0.0; FRAME_SAMPLES];
                let n = ready.len().min(FRAME_SAMPLES);
                for (slot, s) in frame.iter_mut().zip(ready.drain(..n)) {
                    *slot = s;
                }
                // A far end sending longer packets leaves the rest for the next frames; at most
                // 200 ms is kept.
                if ready.len() > 10 * FRAME_SAMPLES {
                    let extra = ready.len() - 10 * FRAME_SAMPLES;
                    ready.drain(..extra);
                }
                Ok(frame)
            }
        }
    }
}

fn to_i16(sample: f32) -> i16 {
    // Clamped first: the cast cannot overflow.
    (sample.clamp(-1.0, 1.0) * 32767.0) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1 kHz tone through each codec's encoder and decoder keeps its level once the
    /// resamplers have started.
    #[test]
    fn a_tone_survives_each_codec() {
        for codec in Codec::OFFERED {
            let mut out = Outgoing::new(codec).expect("encoder");
            let mut inc = Incoming::new(codec).expect("decoder");
            let mut got = Vec::new();
            for f in 0..50 {
                let mut frame = [0.0; FRAME_SAMPLES];
                for (i, s) in frame.iter_mut().enumerate() {
                    let t = (f * FRAME_SAMPLES + i) as f32 / 48_000.0;
                    *s = 0.5 * (2.0 * std::f32::consts::PI * 1000.0 * t).sin();
                }
                let payload = out.encode(&frame).expect("encode");
                got.extend_from_slice(&inc.decode(Some(&payload)).expect("decode"));
            }
            let tail = &got[20 * FRAME_SAMPLES..];
            let rms = (tail.iter().map(|s| s * s).sum::<f32>() / tail.len() as f32).sqrt();
            assert!((rms - 0.354).abs() < 0.05, "{codec:?}: rms {rms}");
        }
    }
}
