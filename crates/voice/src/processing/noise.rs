//! Noise suppression outside sonora's `AudioProcessing`: the same WebRTC suppressor
//! (`sonora-ns`) on the same three-band split ([`super::bands`]), without the high-pass filter
//! `AudioProcessing` forces on whenever noise suppression runs.
//!
//! That filter (WebRTC's current one: three biquads, a sharp cut at about 85 Hz with poles of
//! Q ≈ 60 near 89 Hz) delays 95-120 Hz by 8-12 ms and rings there: on a male voice (F0 about
//! 100-115 Hz) it cost 1.3 WB-PESQ points on its own, which was the whole "cost" of noise
//! suppression on a clean microphone (see BENCHMARKS.md).

use std::collections::VecDeque;

use sonora::three_band_filter_bank::{NUM_BANDS, SPLIT_BAND_SIZE};
use sonora_ns::config::{NsConfig, OVERLAP_SIZE, SuppressionLevel};
use sonora_ns::noise_suppressor::NoiseSuppressor;

use super::bands::BandFrame;

/// WebRTC's noise suppressor on 10 ms chunks of 48 kHz mono split into three bands.
pub(super) struct NoiseStage {
    suppressor: NoiseSuppressor,
    floor: NoiseFloor,
    /// The low band as it came, delayed as the suppressor delays it.
    raw_low: [f32; SPLIT_BAND_SIZE],
    raw_delay: [f32; OVERLAP_SIZE],
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
            floor: NoiseFloor::default(),
            raw_low: [0.0; SPLIT_BAND_SIZE],
            raw_delay: [0.0; OVERLAP_SIZE],
        }
    }

    /// The noise estimate learns from the microphone as captured: WebRTC analyses before the
    /// echo canceller, whose comfort noise is not the room's.
    pub(super) fn analyze(&mut self, bands: &BandFrame) {
        self.suppressor.analyze(&bands[0]);
        self.floor.update(&bands[0]);
    }

    /// One 10 ms chunk in place (as `AudioProcessing` does it: the low band suppressed, the
    /// upper bands delayed to match and scaled by the low band's gain).
    pub(super) fn process(&mut self, bands: &mut BandFrame) {
        let [low, upper @ ..] = bands;
        // The suppressor's output is its input delayed by its overlap: the same delay for the
        // low band as it came.
        self.raw_low[..OVERLAP_SIZE].copy_from_slice(&self.raw_delay);
        self.raw_low[OVERLAP_SIZE..].copy_from_slice(&low[..SPLIT_BAND_SIZE - OVERLAP_SIZE]);
        self.raw_delay
            .copy_from_slice(&low[SPLIT_BAND_SIZE - OVERLAP_SIZE..]);
        self.suppressor.process(low);
        let weight = self.floor.weight();
        if weight < 1.0 {
            for (to, raw) in low.iter_mut().zip(&self.raw_low) {
                *to = weight * *to + (1.0 - weight) * raw;
            }
        }
        let gain = weight * self.suppressor.upper_band_gain() + (1.0 - weight);
        for (index, band) in upper.iter_mut().enumerate() {
            self.suppressor.process_upper_band(band, index, gain);
            NoiseSuppressor::clamp_frame(band);
        }
    }
}

/// 10 ms chunks the noise floor is the quietest of (2 s).
const FLOOR_CHUNKS: usize = 200;
/// The low band's floor (dBFS) under which there is no noise to remove ...
const QUIET_FLOOR_DBFS: f32 = -90.0;
/// ... and over which the suppressor works in full.
const NOISY_FLOOR_DBFS: f32 = -80.0;
/// Full scale in the 16-bit range, as a mean square.
const FULL_SCALE: f32 = 32768.0 * 32768.0;
/// The suppressor's share moves this much per 10 ms chunk at most (0 to 1 in 0.5 s).
const WEIGHT_STEP: f32 = 0.02;

/// How much noise there is to suppress: the quietest 10 ms of the last 2 s of the microphone's
/// low band (0-8 kHz). Where there is next to none (a clean recording's pauses are dither,
/// about -100 dBFS in the low band), the suppressor only costs the voice: 0.21 WB-PESQ of a
/// clean one. So its share of the output follows the floor: none under -90 dBFS, all of it
/// over -80 (white noise of -75 dBFS over the whole band and louder), moving at most 0 to 1
/// in 0.5 s. Scored (BENCHMARKS.md), the gate is never worse than the suppressor always on:
/// clean 4.63 (always on 4.42), white noise at -85 / -80 / -75 / -70 dBFS 4.60 / 4.58 / 4.46 /
/// 4.33 (4.45 / 4.44 / 4.42 / 4.33), at -55 and brown at -45 unchanged.
#[derive(Debug)]
struct NoiseFloor {
    recent: VecDeque<f32>,
    share: f32,
}

impl Default for NoiseFloor {
    fn default() -> Self {
        NoiseFloor {
            recent: VecDeque::with_capacity(FLOOR_CHUNKS),
            share: 0.0,
        }
    }
}

impl NoiseFloor {
    fn update(&mut self, low: &[f32]) {
        let power = low.iter().map(|s| s * s).sum::<f32>() / low.len().max(1) as f32;
        if self.recent.len() == FLOOR_CHUNKS {
            self.recent.pop_front();
        }
        self.recent.push_back(power);
        let floor = self.recent.iter().copied().fold(f32::INFINITY, f32::min);
        let floor_dbfs = 10.0 * (floor / FULL_SCALE).max(1e-20).log10();
        let target = ((floor_dbfs - QUIET_FLOOR_DBFS) / (NOISY_FLOOR_DBFS - QUIET_FLOOR_DBFS))
            .clamp(0.0, 1.0);
        self.share = if (target - self.share).abs() <= WEIGHT_STEP * 1.001 {
            target
        } else if target > self.share {
            self.share + WEIGHT_STEP
        } else {
            self.share - WEIGHT_STEP
        };
    }

    /// The suppressor's share of the output, 0 to 1.
    fn weight(&self) -> f32 {
        self.share
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A low band of `dbfs` (a constant of that mean square).
    fn chunk(dbfs: f32) -> [f32; SPLIT_BAND_SIZE] {
        let power = FULL_SCALE * 10f32.powf(dbfs / 10.0);
        [power.sqrt(); SPLIT_BAND_SIZE]
    }

    fn fed(floor: &mut NoiseFloor, chunks: usize, dbfs: f32) {
        for _ in 0..chunks {
            floor.update(&chunk(dbfs));
        }
    }

    #[test]
    fn a_quiet_microphone_gets_no_suppression_and_a_noisy_one_all_of_it() {
        let mut floor = NoiseFloor::default();
        fed(&mut floor, 300, -100.0);
        assert_eq!(floor.weight(), 0.0);
        let mut floor = NoiseFloor::default();
        fed(&mut floor, 49, -60.0);
        assert!(
            floor.weight() > 0.9 && floor.weight() < 1.0,
            "{}",
            floor.weight()
        );
        fed(&mut floor, 1, -60.0);
        assert_eq!(floor.weight(), 1.0);
        let mut floor = NoiseFloor::default();
        fed(&mut floor, 300, -85.0);
        assert!((floor.weight() - 0.5).abs() < 0.01, "{}", floor.weight());
    }

    #[test]
    fn speech_over_a_quiet_floor_does_not_switch_it_on() {
        let mut floor = NoiseFloor::default();
        // Loud stretches with one quiet 10 ms every 1.5 s: the floor is the quiet one.
        for _ in 0..4 {
            fed(&mut floor, 149, -30.0);
            fed(&mut floor, 1, -100.0);
        }
        assert_eq!(floor.weight(), 0.0);
    }

    #[test]
    fn noise_that_starts_mid_call_is_suppressed_once_it_fills_the_window() {
        let mut floor = NoiseFloor::default();
        fed(&mut floor, 300, -100.0);
        fed(&mut floor, FLOOR_CHUNKS - 1, -60.0);
        assert_eq!(floor.weight(), 0.0, "a quiet chunk is still in the window");
        fed(&mut floor, 50, -60.0);
        assert_eq!(floor.weight(), 1.0);
        // And back off once the noise is gone for the whole window.
        fed(&mut floor, FLOOR_CHUNKS + 50, -100.0);
        assert_eq!(floor.weight(), 0.0);
    }
}
