//! Noise suppression outside sonora's `AudioProcessing`: the same WebRTC suppressor
//! (`sonora-ns`) on the same three-band split (`sonora::three_band_filter_bank`), without the
//! high-pass filter `AudioProcessing` forces on whenever noise suppression runs.
//!
//! That filter (WebRTC's current one: three biquads, a sharp cut at about 85 Hz with poles of
//! Q ≈ 60 near 89 Hz) delays 95-120 Hz by 8-12 ms and rings there: on a male voice (F0 about
//! 100-115 Hz) it cost 1.3 WB-PESQ points on its own, which was the whole "cost" of noise
//! suppression on a clean microphone (see BENCHMARKS.md).

use sonora::three_band_filter_bank::{
    FULL_BAND_SIZE, NUM_BANDS, SPLIT_BAND_SIZE, ThreeBandFilterBank,
};
use sonora_ns::config::{NsConfig, SuppressionLevel};
use sonora_ns::noise_suppressor::NoiseSuppressor;

/// `[-1, 1]` floats to the 16-bit range the suppressor's thresholds are in, and back.
const S16: f32 = 32768.0;

/// WebRTC's noise suppressor on 10 ms chunks of 48 kHz mono.
pub(super) struct NoiseStage {
    bank: ThreeBandFilterBank,
    suppressor: NoiseSuppressor,
    full: [f32; FULL_BAND_SIZE],
    bands: [[f32; SPLIT_BAND_SIZE]; NUM_BANDS],
}

impl NoiseStage {
    /// At WebRTC's default level (moderate: up to 12 dB less steady noise).
    pub(super) fn new() -> NoiseStage {
        NoiseStage {
            bank: ThreeBandFilterBank::new(),
            suppressor: NoiseSuppressor::new_with_bands(
                NsConfig {
                    target_level: SuppressionLevel::K12dB,
                },
                NUM_BANDS,
            ),
            full: [0.0; FULL_BAND_SIZE],
            bands: [[0.0; SPLIT_BAND_SIZE]; NUM_BANDS],
        }
    }

    /// One 10 ms chunk in place (as `AudioProcessing` does it: the low band analysed and
    /// suppressed, the upper bands delayed to match and scaled by the low band's gain).
    pub(super) fn process(&mut self, chunk: &mut [f32; FULL_BAND_SIZE]) {
        for (to, from) in self.full.iter_mut().zip(chunk.iter()) {
            *to = from.clamp(-1.0, 1.0) * S16;
        }
        self.bank.analysis(&self.full, &mut self.bands);
        let [low, upper @ ..] = &mut self.bands;
        self.suppressor.analyze(low);
        self.suppressor.process(low);
        let gain = self.suppressor.upper_band_gain();
        for (index, band) in upper.iter_mut().enumerate() {
            self.suppressor.process_upper_band(band, index, gain);
            NoiseSuppressor::clamp_frame(band);
        }
        self.bank.synthesis(&self.bands, &mut self.full);
        for (to, from) in chunk.iter_mut().zip(self.full.iter()) {
            *to = (from / S16).clamp(-1.0, 1.0);
        }
    }
}
