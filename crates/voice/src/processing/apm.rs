//! [`WebRtcProcessor`]: [`MicProcessor`] over `sonora`, the pure-Rust port of WebRTC's audio
//! processing module (AEC3, noise suppression, AGC2).

use std::time::Duration;

use sonora::config::{
    AdaptiveDigital, EchoCanceller, GainController2, HighPassFilter, MaxProcessingRate,
    NoiseSuppression, Pipeline,
};
use sonora::{AudioProcessing, Config, StreamConfig};

use super::{CHUNK_SAMPLES, Estimates, MicProcessor, Stages, chunks_of};
use crate::VoiceError;
use crate::codec::SAMPLE_RATE;

/// WebRTC's audio processing at 48 kHz mono, the stages as asked.
///
/// Besides the stages, a high-pass filter (80 Hz) runs whenever any stage does, as in
/// WebRTC's own clients. The whole band is processed (48 kHz internally, as WebRTC does
/// today; sonora's default of 32 kHz would cut everything above 16 kHz). Gain control is AGC2's adaptive digital gain and limiter only: the
/// operating system's microphone volume is left alone. With every stage off, the audio is not
/// touched and nothing is computed.
pub struct WebRtcProcessor {
    apm: AudioProcessing,
    stages: Stages,
    /// A captured chunk as it came, the input of the in-place processing.
    scratch: [f32; CHUNK_SAMPLES],
    /// The rendered chunk sonora hands back (unchanged; required by its API).
    render_out: [f32; CHUNK_SAMPLES],
    stream_delay_ms: i32,
}

impl std::fmt::Debug for WebRtcProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebRtcProcessor")
            .field("stages", &self.stages)
            .field("stream_delay_ms", &self.stream_delay_ms)
            .finish_non_exhaustive()
    }
}

fn config(stages: Stages) -> Config {
    Config {
        pipeline: Pipeline {
            maximum_internal_processing_rate: MaxProcessingRate::Rate48kHz,
            ..Pipeline::default()
        },
        high_pass_filter: stages.any().then(HighPassFilter::default),
        echo_canceller: stages.echo_cancellation.then(EchoCanceller::default),
        noise_suppression: stages.noise_suppression.then(NoiseSuppression::default),
        gain_controller2: stages.gain_control.then(|| GainController2 {
            adaptive_digital: Some(AdaptiveDigital::default()),
            ..GainController2::default()
        }),
        ..Config::default()
    }
}

impl WebRtcProcessor {
    pub fn new(stages: Stages) -> WebRtcProcessor {
        let stream = StreamConfig::new(SAMPLE_RATE, 1);
        let apm = AudioProcessing::builder()
            .config(config(stages))
            .capture_config(stream)
            .render_config(stream)
            .build();
        WebRtcProcessor {
            apm,
            stages,
            scratch: [0.0; CHUNK_SAMPLES],
            render_out: [0.0; CHUNK_SAMPLES],
            stream_delay_ms: 0,
        }
    }
}

/// sonora's errors are about stream formats (fixed here) or a clamped delay (harmless).
fn apm_error(e: sonora::Error) -> VoiceError {
    VoiceError::Processing(e.to_string())
}

impl MicProcessor for WebRtcProcessor {
    fn analyze_render(&mut self, far: &[f32]) -> Result<(), VoiceError> {
        chunks_of(far.len())?;
        if !self.stages.echo_cancellation {
            return Ok(());
        }
        for chunk in far.chunks_exact(CHUNK_SAMPLES) {
            self.apm
                .process_render_f32(&[chunk], &mut [&mut self.render_out[..]])
                .map_err(apm_error)?;
        }
        Ok(())
    }

    fn process_capture(&mut self, near: &mut [f32]) -> Result<(), VoiceError> {
        chunks_of(near.len())?;
        if !self.stages.any() {
            return Ok(());
        }
        for chunk in near.chunks_exact_mut(CHUNK_SAMPLES) {
            self.scratch.copy_from_slice(chunk);
            // Clamping to 0-500 ms is fine: the estimator searches around it anyway.
            let _ = self.apm.set_stream_delay_ms(self.stream_delay_ms);
            self.apm
                .process_capture_f32(&[&self.scratch[..]], &mut [chunk])
                .map_err(apm_error)?;
        }
        Ok(())
    }

    fn set_stream_delay(&mut self, delay: Duration) {
        self.stream_delay_ms = i32::try_from(delay.as_millis()).unwrap_or(i32::MAX);
    }

    fn set_stages(&mut self, stages: Stages) {
        if stages != self.stages {
            self.stages = stages;
            self.apm.apply_config(config(stages));
        }
    }

    fn stages(&self) -> Stages {
        self.stages
    }

    fn estimates(&self) -> Estimates {
        if !self.stages.echo_cancellation {
            return Estimates::default();
        }
        let stats = self.apm.statistics();
        Estimates {
            erle_db: stats.echo_return_loss_enhancement,
            erl_db: stats.echo_return_loss,
            delay: stats
                .delay_ms
                .and_then(|ms| u64::try_from(ms).ok())
                .map(Duration::from_millis),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone() -> Vec<f32> {
        (0..960).map(|i| (i as f32 * 0.05).sin() * 0.3).collect()
    }

    #[test]
    fn with_every_stage_off_the_audio_is_untouched() {
        let mut p = WebRtcProcessor::new(Stages::NONE);
        let mut frame = tone();
        p.analyze_render(&frame).expect("render");
        p.process_capture(&mut frame).expect("capture");
        assert_eq!(frame, tone());
        assert_eq!(p.estimates(), Estimates::default());
    }

    #[test]
    fn stages_switch_on_and_off_mid_stream() {
        let mut p = WebRtcProcessor::new(Stages::NONE);
        p.set_stages(Stages::ALL);
        assert_eq!(p.stages(), Stages::ALL);
        let mut frame = tone();
        for _ in 0..10 {
            frame = tone();
            p.analyze_render(&frame).expect("render");
            p.process_capture(&mut frame).expect("capture");
        }
        assert_ne!(frame, tone(), "processed");
        p.set_stages(Stages::NONE);
        let mut frame = tone();
        p.process_capture(&mut frame).expect("capture");
        assert_eq!(frame, tone());
    }

    #[test]
    fn a_frame_that_is_not_whole_10_ms_chunks_is_refused() {
        let mut p = WebRtcProcessor::new(Stages::ALL);
        let mut odd = vec![0.0; 700];
        assert!(matches!(
            p.process_capture(&mut odd),
            Err(VoiceError::FrameLength {
                expected: 960,
                got: 700
            })
        ));
        assert!(p.analyze_render(&odd).is_err());
    }
}
