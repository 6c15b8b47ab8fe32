//! The three-band split every band stage works on (sonora's `ThreeBandFilterBank`: 48 kHz into
//! three 16 kHz bands and back), in the 16-bit range WebRTC's thresholds are in.
//!
//! The microphone is split once and merged once whatever stages run, as WebRTC's
//! `AudioProcessing` does: the echo canceller and the noise suppressor each with a split of its
//! own cost a clean voice 0.08 WB-PESQ more than the suppressor alone (two analysis-synthesis
//! passes, the second's aliasing not cancelled where the suppressor scales the bands apart).

use sonora::three_band_filter_bank::{
    FULL_BAND_SIZE, NUM_BANDS, SPLIT_BAND_SIZE, ThreeBandFilterBank,
};

/// `[-1, 1]` floats to the 16-bit range, and back.
const S16: f32 = 32768.0;
/// A captured sample this loud (16-bit range) means the microphone clipped (WebRTC's test).
const SATURATED: f32 = 32700.0;

/// One 10 ms chunk as three bands of 160 samples, lowest first.
pub(super) type BandFrame = [[f32; SPLIT_BAND_SIZE]; NUM_BANDS];

/// A filter bank with the chunk it works on.
pub(super) struct Bands {
    bank: ThreeBandFilterBank,
    full: [f32; FULL_BAND_SIZE],
    pub(super) bands: BandFrame,
}

impl Bands {
    pub(super) fn new() -> Bands {
        Bands {
            bank: ThreeBandFilterBank::new(),
            full: [0.0; FULL_BAND_SIZE],
            bands: [[0.0; SPLIT_BAND_SIZE]; NUM_BANDS],
        }
    }

    /// `chunk` into [`Bands::bands`]; whether any sample clipped.
    pub(super) fn split(&mut self, chunk: &[f32; FULL_BAND_SIZE]) -> bool {
        let mut saturated = false;
        for (to, from) in self.full.iter_mut().zip(chunk.iter()) {
            *to = from.clamp(-1.0, 1.0) * S16;
            saturated |= to.abs() >= SATURATED;
        }
        self.bank.analysis(&self.full, &mut self.bands);
        saturated
    }

    /// [`Bands::bands`] back into `chunk`.
    pub(super) fn merge(&mut self, chunk: &mut [f32; FULL_BAND_SIZE]) {
        self.bank.synthesis(&self.bands, &mut self.full);
        for (to, from) in chunk.iter_mut().zip(self.full.iter()) {
            *to = (from / S16).clamp(-1.0, 1.0);
        }
    }
}
