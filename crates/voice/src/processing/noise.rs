//! Noise suppression outside sonora's `AudioProcessing`: the same WebRTC suppressor
//! (`sonora-ns`) on the same three-band split ([`super::bands`]), without the high-pass filter
//! `AudioProcessing` forces on whenever noise suppression runs.
//!
//! That filter (WebRTC's current one: three biquads, a sharp cut at about 85 Hz with poles of
//! Q ≈ 60 near 89 Hz) delays 95-120 Hz by 8-12 ms and rings there: on a male voice (F0 about
//! 100-115 Hz) it cost 1.3 WB-PESQ points on its own, which was the whole "cost" of noise
//! suppression on a clean microphone (see BENCHMARKS.md).

use sonora::three_band_filter_bank::NUM_BANDS;
use sonora_ns::config::{NsConfig, SuppressionLevel};
use sonora_ns::noise_suppressor::NoiseSuppressor;

use super::bands::BandFrame;

/// WebRTC's noise suppressor on 10 ms chunks of 48 kHz mono split into three bands.
pub(super) struct NoiseStage {
    suppressor: NoiseSuppressor,
}

impl NoiseStage {
    /// At WebRTC's default level (moderate: up to 12 dB less steady noise).
    pub(super) fn new() -> NoiseStage {
        NoiseStage {
            suppressor: NoiseSuppressor::new_with_bands(
                NsConfig {
                    target_level: SuppressionLevel::K12dB,
                },
                NUM_BANDS,
            ),
        }
    }

    /// The noise estimate learns from the microphone as captured: WebRTC analyses before the
    /// echo canceller, whose comfort noise is not the room's.
    pub(super) fn analyze(&mut self, bands: &BandFrame) {
        self.suppressor.analyze(&bands[0]);
    }

    /// One 10 ms chunk in place (as `AudioProcessing` does it: the low band suppressed, the
    /// upper bands delayed to match and scaled by the low band's gain).
    pub(super) fn process(&mut self, bands: &mut BandFrame) {
        let [low, upper @ ..] = bands;
        self.suppressor.process(low);
        let gain = self.suppressor.upper_band_gain();
        for (index, band) in upper.iter_mut().enumerate() {
            self.suppressor.process_upper_band(band, index, gain);
            NoiseSuppressor::clamp_frame(band);
        }
    }
}
