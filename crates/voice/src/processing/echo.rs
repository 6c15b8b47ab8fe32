//! Echo cancellation outside sonora's `AudioProcessing`: WebRTC's AEC3 block processor
//! (`sonora-aec3`) on sonora's three-band split, with its configuration tuned
//! ([`echo_config`]) instead of `EchoCanceller3Config::default()`, the only one
//! `AudioProcessing` builds.
//!
//! This is what `AudioProcessing` does around AEC3 for 48 kHz mono (`echo_canceller3.rs`):
//! each 10 ms chunk split into three 16 kHz bands, each band's 160 samples cut into two
//! 80-sample sub-frames, those regrouped into AEC3's 64-sample blocks (and back), and the
//! samples in the 16-bit range AEC3's thresholds are in. No high-pass filter.

use sonora::three_band_filter_bank::{FULL_BAND_SIZE, NUM_BANDS, SPLIT_BAND_SIZE};
use sonora_aec3::block::Block;
use sonora_aec3::block_framer::BlockFramer;
use sonora_aec3::block_processor::BlockProcessor;
use sonora_aec3::common::SUB_FRAME_LENGTH;
use sonora_aec3::config::{EchoCanceller3Config, TransparentModeType};
use sonora_aec3::frame_blocker::FrameBlocker;

use super::bands::{BandFrame, Bands};
use crate::codec::SAMPLE_RATE;

/// Sub-frames in a 10 ms band.
const SUB_FRAMES: usize = SPLIT_BAND_SIZE / SUB_FRAME_LENGTH;

/// AEC3's configuration for a support specialist's call (see BENCHMARKS.md for the figures
/// each change was chosen by).
pub(super) fn echo_config() -> EchoCanceller3Config {
    let mut config = EchoCanceller3Config::default();
    // With no echo AEC3 still suppresses the near end while the far end talks, until it
    // decides there is none; the HMM classifier decides sooner than the legacy counter. (What
    // the specialist hears of this is kept away by [`EchoPresence`] anyway.)
    config.echo_removal_control.transparent_mode = TransparentModeType::Hmm;
    // Follow a new echo delay (a Bluetooth headset's buffering changing) without waiting: no
    // hysteresis on the delay estimate and less smoothing of it once found (default 1 block and
    // 0.7). A 150 ms jump: 20 dB held again after 2.25 / 1.75 / 2.25 s instead of 2.5 / 2.25 /
    // 2.25 s, and 29-60 dB instead of 23-25 dB over the 2-7 s after it (BENCHMARKS.md).
    config.delay.hysteresis_limit_blocks = 0;
    config.delay.delay_estimate_smoothing_delay_found = 0.3;
    config.validate();
    config
}

fn sub_frame_of(bands: &BandFrame, index: usize) -> Vec<Vec<&[f32]>> {
    let at = index * SUB_FRAME_LENGTH;
    bands
        .iter()
        .map(|band| vec![&band[at..at + SUB_FRAME_LENGTH]])
        .collect()
}

/// WebRTC's AEC3 on 10 ms chunks of 48 kHz mono, split into three bands.
pub(super) struct EchoStage {
    processor: BlockProcessor,
    /// The far end's split (the microphone's is the processor's, shared with the other
    /// stages).
    render_bands: Bands,
    render_blocker: FrameBlocker,
    capture_blocker: FrameBlocker,
    framer: BlockFramer,
    /// The microphone as it came, framed with the same delay as the processed one.
    raw_framer: BlockFramer,
    render_block: Block,
    capture_block: Block,
    raw_block: Block,
    /// The microphone one block back: AEC3's output is a block (4 ms) behind its input.
    raw_held: Block,
    /// AEC3's linear filter's output (the microphone minus the echo it models), band 0.
    linear_block: Block,
    presence: EchoPresence,
    /// One processed sub-frame, `[band][channel][sample]` as the framer hands it back.
    sub_frame: Vec<Vec<Vec<f32>>>,
    raw_sub_frame: Vec<Vec<Vec<f32>>>,
}

impl std::fmt::Debug for EchoStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EchoStage").finish_non_exhaustive()
    }
}

/// What the metrics say, in the processor's units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct EchoMetrics {
    pub erle_db: f64,
    pub erl_db: f64,
    pub delay_ms: i32,
}

impl EchoStage {
    pub(super) fn new() -> EchoStage {
        EchoStage::with_config(&echo_config())
    }

    fn with_config(config: &EchoCanceller3Config) -> EchoStage {
        EchoStage {
            processor: BlockProcessor::new(config, SAMPLE_RATE as usize, 1, 1),
            render_bands: Bands::new(),
            render_blocker: FrameBlocker::new(NUM_BANDS, 1),
            capture_blocker: FrameBlocker::new(NUM_BANDS, 1),
            framer: BlockFramer::new(NUM_BANDS, 1),
            raw_framer: BlockFramer::new(NUM_BANDS, 1),
            render_block: Block::new(NUM_BANDS, 1),
            capture_block: Block::new(NUM_BANDS, 1),
            raw_block: Block::new(NUM_BANDS, 1),
            raw_held: Block::new(NUM_BANDS, 1),
            linear_block: Block::new(1, 1),
            presence: EchoPresence::default(),
            sub_frame: vec![vec![vec![0.0; SUB_FRAME_LENGTH]; 1]; NUM_BANDS],
            raw_sub_frame: vec![vec![vec![0.0; SUB_FRAME_LENGTH]; 1]; NUM_BANDS],
        }
    }

    /// The far end's next 10 ms, as the speaker is given it.
    pub(super) fn render(&mut self, chunk: &[f32; FULL_BAND_SIZE]) {
        self.render_bands.split(chunk);
        for index in 0..SUB_FRAMES {
            let sub_frame = sub_frame_of(&self.render_bands.bands, index);
            self.render_blocker
                .insert_sub_frame_and_extract_block(&sub_frame, &mut self.render_block);
            self.processor.buffer_render(&self.render_block);
            self.presence.render(self.render_block.view(0, 0));
        }
        if self.render_blocker.is_block_available() {
            self.render_blocker.extract_block(&mut self.render_block);
            self.processor.buffer_render(&self.render_block);
            self.presence.render(self.render_block.view(0, 0));
        }
    }

    /// The microphone's next 10 ms as three bands in the 16-bit range ([`Bands::split`]), in
    /// place; `saturated` when the microphone clipped.
    pub(super) fn capture(&mut self, bands: &mut BandFrame, saturated: bool) {
        for index in 0..SUB_FRAMES {
            let sub_frame = sub_frame_of(bands, index);
            self.capture_blocker
                .insert_sub_frame_and_extract_block(&sub_frame, &mut self.capture_block);
            self.process_block(saturated);
            self.framer
                .insert_block_and_extract_sub_frame(&self.capture_block, &mut self.sub_frame);
            self.raw_framer
                .insert_block_and_extract_sub_frame(&self.raw_block, &mut self.raw_sub_frame);
            let at = index * SUB_FRAME_LENGTH;
            let weight = self.presence.weight;
            for ((band, processed), raw) in bands
                .iter_mut()
                .zip(&self.sub_frame)
                .zip(&self.raw_sub_frame)
            {
                for ((to, p), r) in band[at..at + SUB_FRAME_LENGTH]
                    .iter_mut()
                    .zip(&processed[0])
                    .zip(&raw[0])
                {
                    *to = weight * p + (1.0 - weight) * r;
                }
            }
        }
        if self.capture_blocker.is_block_available() {
            self.capture_blocker.extract_block(&mut self.capture_block);
            self.process_block(saturated);
            self.framer.insert_block(&self.capture_block);
            self.raw_framer.insert_block(&self.raw_block);
        }
    }

    /// One captured block through AEC3, keeping it as it came and what the linear filter
    /// made of it for [`EchoPresence`].
    fn process_block(&mut self, saturated: bool) {
        self.raw_block
            .view_mut(0, 0)
            .copy_from_slice(self.capture_block.view(0, 0));
        for band in 1..NUM_BANDS {
            self.raw_block
                .view_mut(band, 0)
                .copy_from_slice(self.capture_block.view(band, 0));
        }
        // Until AEC3 writes its linear output (it skips blocks before any far end came),
        // the microphone stands for it: no echo removed.
        self.linear_block
            .view_mut(0, 0)
            .copy_from_slice(self.capture_block.view(0, 0));
        self.processor.process_capture(
            false,
            saturated,
            Some(&mut self.linear_block),
            &mut self.capture_block,
        );
        self.presence
            .capture(self.raw_block.view(0, 0), self.linear_block.view(0, 0));
        // The block framed beside the processed one is the one before this.
        self.raw_block.swap(&mut self.raw_held);
    }

    /// Whether an echo has been found in this call (the canceller's output is used since).
    pub(super) fn echo_found(&self) -> bool {
        self.presence.found
    }

    /// Where the echo is expected, in ms of playback plus capture buffering.
    pub(super) fn set_audio_buffer_delay(&mut self, delay_ms: i32) {
        self.processor.set_audio_buffer_delay(delay_ms);
    }

    pub(super) fn metrics(&self) -> EchoMetrics {
        let m = self.processor.get_metrics();
        EchoMetrics {
            erle_db: m.echo_return_loss_enhancement,
            erl_db: m.echo_return_loss,
            delay_ms: m.delay_ms,
        }
    }
}

/// Blocks of 64 samples at 16 kHz (band 0) in a second.
const BLOCKS_PER_SECOND: f32 = 250.0;
/// A far-end block this loud (mean square, 16-bit range; -50 dBFS) is the far end talking.
const ACTIVE_RENDER: f32 = 10_737.0;
/// How long after the far end talked its echo may still arrive: the longest delay looked for
/// (about 250 ms) and a room's tail.
const RENDER_HANGOVER_BLOCKS: u32 = 100;
/// A captured block quieter than this (mean square; -70 dBFS) tells nothing about an echo.
const QUIET_CAPTURE: f32 = 107.0;
/// The linear filter removes this much of the microphone's energy while the far end talks
/// (3 dB, averaged over [`PRESENCE_SECONDS`]): there is an echo to cancel. With no echo the
/// ratio stayed within 0.6 dB (speech on both ends); with an echo of -6 to -20 dB AEC3's
/// linear filter passes 3 dB after 0.5-1.2 s of far-end speech (its suppressor has removed
/// 20 dB by then, but the output is not used before the linear filter shows the echo).
const ECHO_FOUND_RATIO: f32 = 2.0;
/// The averaging time of the microphone's and the linear filter's output energies.
const PRESENCE_SECONDS: f32 = 0.25;
/// The output crosses from the microphone to the canceller's over this long.
const CROSSFADE_BLOCKS: f32 = 25.0;

/// Whether there is an echo to cancel at all.
///
/// With no echo (a headset), AEC3 still suppresses the near end while the far end talks, most
/// of all in its first second (20-40 dB) and in short dips later, until its transparent mode
/// decides there is no echo: the specialist's voice came out at WB-PESQ 2.1 instead of 4.6.
/// So the near end passes as captured until AEC3's own linear filter shows an echo: while the
/// far end talks, the filter's output is at least 3 dB weaker than the microphone (it models
/// and subtracts a real echo path; with no echo there is nothing it can subtract). From then on
/// the call uses the canceller's output (crossfaded over 100 ms); AEC3 runs all along, so it
/// has converged by the time it is used.
#[derive(Debug, Default)]
struct EchoPresence {
    /// Blocks left during which the far end's echo may still arrive.
    render_hangover: u32,
    /// Smoothed energies of the microphone and the linear filter's output.
    mic: f32,
    linear: f32,
    /// Blocks that counted (the far end talking, the microphone not quiet).
    evidence: u32,
    found: bool,
    /// The canceller's share of the output, 0 to 1.
    weight: f32,
}

impl EchoPresence {
    fn render(&mut self, band0: &[f32]) {
        if mean_square(band0) > ACTIVE_RENDER {
            self.render_hangover = RENDER_HANGOVER_BLOCKS;
        } else {
            self.render_hangover = self.render_hangover.saturating_sub(1);
        }
    }

    fn capture(&mut self, mic: &[f32], linear: &[f32]) {
        let mic_power = mean_square(mic);
        if self.render_hangover > 0 && mic_power > QUIET_CAPTURE {
            let keep = (-1.0 / (PRESENCE_SECONDS * BLOCKS_PER_SECOND)).exp();
            self.mic = keep * self.mic + (1.0 - keep) * mic_power;
            self.linear = keep * self.linear + (1.0 - keep) * mean_square(linear);
            // Not on a few blocks: at least the averaging time's worth of evidence.
            self.evidence = self.evidence.saturating_add(1);
            if self.evidence as f32 >= PRESENCE_SECONDS * BLOCKS_PER_SECOND
                && self.mic > ECHO_FOUND_RATIO * self.linear
            {
                self.found = true;
            }
        }
        let target = if self.found { 1.0 } else { 0.0 };
        let step = 1.0 / CROSSFADE_BLOCKS;
        self.weight = if target > self.weight {
            (self.weight + step).min(target)
        } else {
            (self.weight - step).max(target)
        };
    }
}

fn mean_square(x: &[f32]) -> f32 {
    x.iter().map(|s| s * s).sum::<f32>() / x.len().max(1) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block of `level` (mean square, 16-bit range): a constant of its root.
    fn block(level: f32) -> Vec<f32> {
        vec![level.sqrt(); 64]
    }

    fn fed(presence: &mut EchoPresence, blocks: usize, render: f32, mic: f32, linear: f32) {
        for _ in 0..blocks {
            presence.render(&block(render));
            presence.capture(&block(mic), &block(linear));
        }
    }

    #[test]
    fn no_echo_is_found_while_the_linear_filter_removes_nothing() {
        let mut p = EchoPresence::default();
        // The far end talks, the microphone hears the near end only.
        fed(&mut p, 2500, 1e7, 1e6, 0.9e6);
        assert!(!p.found);
        assert_eq!(p.weight, 0.0);
    }

    #[test]
    fn an_echo_the_linear_filter_removes_is_found_and_the_output_crosses_over() {
        let mut p = EchoPresence::default();
        // 6 dB removed: found once the averaging time's worth of blocks (63) counted, then 25
        // blocks of crossfade.
        fed(&mut p, 62, 1e7, 1e6, 0.25e6);
        assert!(!p.found);
        fed(&mut p, 1, 1e7, 1e6, 0.25e6);
        assert!(p.found);
        assert!(p.weight > 0.0 && p.weight < 0.1, "{}", p.weight);
        fed(&mut p, 24, 1e7, 1e6, 0.25e6);
        assert_eq!(p.weight, 1.0);
        // Found for the rest of the call, whatever comes.
        fed(&mut p, 1000, 1e7, 1e6, 1e6);
        assert!(p.found);
    }

    #[test]
    fn nothing_counts_without_the_far_end_or_with_a_quiet_microphone() {
        let mut p = EchoPresence::default();
        // The far end silent (long enough for any echo to be over): no evidence.
        fed(&mut p, 200, 0.0, 1e6, 0.0);
        assert!(!p.found);
        // The far end talking, the microphone below -70 dBFS: no evidence either.
        fed(&mut p, 200, 1e7, 10.0, 0.0);
        assert!(!p.found);
    }

    #[test]
    fn with_an_echo_path_the_stage_finds_it_and_cancels() {
        let mut stage = EchoStage::new();
        let mut bands = Bands::new();
        let mut path = super::super::EchoPath::new(std::time::Duration::from_millis(50), -6.0, 3);
        // Noise-like far end (a tone would not do: AEC3 treats it apart).
        let mut seed = 7u64;
        let mut noise = || {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((seed >> 33) as f32 / (1u64 << 31) as f32 - 0.5) * 0.2
        };
        let (mut echo_energy, mut out_energy) = (0.0f64, 0.0f64);
        for i in 0..400 {
            let far: [f32; FULL_BAND_SIZE] = std::array::from_fn(|_| noise());
            let echo = path.feed(&far);
            let mut mic: [f32; FULL_BAND_SIZE] = std::array::from_fn(|k| echo[k]);
            stage.render(&far);
            let saturated = bands.split(&mic);
            stage.capture(&mut bands.bands, saturated);
            bands.merge(&mut mic);
            if i >= 300 {
                echo_energy += echo.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>();
                out_energy += mic.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>();
            }
        }
        assert!(stage.echo_found());
        let erle = 10.0 * (echo_energy / out_energy.max(1e-20)).log10();
        assert!(erle >= 20.0, "ERLE over 3-4 s: {erle:.1} dB");
    }
}
