//! [`WebRtcProcessor`]: [`MicProcessor`] over `sonora`, the pure-Rust port of WebRTC's audio
//! processing module (AEC3, noise suppression, AGC2).

use std::time::Duration;

use sonora::config::{AdaptiveDigital, GainController2};
use sonora::{AudioProcessing, Config, StreamConfig};

use super::bands::Bands;
use super::echo::EchoStage;
use super::noise::NoiseStage;
use super::{CHUNK_SAMPLES, Estimates, MicProcessor, Stages, chunks_of};
use crate::VoiceError;
use crate::codec::SAMPLE_RATE;

/// WebRTC's audio processing at 48 kHz mono, the stages as asked, in WebRTC's order: echo
/// canceller, noise suppressor, gain control.
///
/// Each stage is its own part, so that no high-pass filter runs: sonora's `AudioProcessing`
/// forces WebRTC's 80 Hz filter on with noise suppression (and with the echo canceller unless
/// told not to), and that filter alone cost 1.3 WB-PESQ points of a clean male voice (see
/// [`super::noise`]). So:
/// - the echo canceller is [`EchoStage`]: AEC3's block processor on the same band split, the
///   whole band processed (48 kHz, as WebRTC does today), with its own configuration (which
///   `AudioProcessing` does not take), passing the microphone untouched until AEC3's linear
///   filter shows there is an echo at all (a headset has none);
/// - noise suppression is [`NoiseStage`] (the same suppressor on the same band split);
/// - gain control is a second `AudioProcessing` with AGC2 only (adaptive digital gain and
///   limiter, [`gain_config`]): the operating system's microphone volume is left alone.
///
/// With every stage off, the audio is not touched and nothing is computed.
pub struct WebRtcProcessor {
    stages: Stages,
    echo: Option<EchoStage>,
    noise: Option<NoiseStage>,
    gain: Option<AudioProcessing>,
    /// The microphone's band split, shared by the echo canceller and the noise suppressor.
    bands: Bands,
    /// A captured chunk as it came, the input of the in-place processing.
    scratch: [f32; CHUNK_SAMPLES],
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

fn stream() -> StreamConfig {
    StreamConfig::new(SAMPLE_RATE, 1)
}

fn processing(config: Config) -> AudioProcessing {
    AudioProcessing::builder()
        .config(config)
        .capture_config(stream())
        .render_config(stream())
        .build()
}

/// AGC2 alone: adaptive digital gain and the limiter. Two of WebRTC's defaults changed:
/// it starts at 0 dB instead of +15 (a headset voice that is already loud went through the
/// limiter for the first seconds: 4.63 -> 4.26 WB-PESQ), and it brings the voice's peaks to
/// -10 dBFS instead of -5 (with noise suppression before it, -5 kept the limiter busy on a
/// loud voice: all stages 4.16 -> 4.42). A quiet voice is still raised, at up to 6 dB/s.
fn gain_config() -> Config {
    Config {
        gain_controller2: Some(GainController2 {
            adaptive_digital: Some(AdaptiveDigital {
                initial_gain_db: 0.0,
                headroom_db: 10.0,
                ..AdaptiveDigital::default()
            }),
            ..GainController2::default()
        }),
        ..Config::default()
    }
}

impl WebRtcProcessor {
    pub fn new(stages: Stages) -> WebRtcProcessor {
        let mut p = WebRtcProcessor {
            stages: Stages::NONE,
            echo: None,
            noise: None,
            gain: None,
            bands: Bands::new(),
            scratch: [0.0; CHUNK_SAMPLES],
            stream_delay_ms: 0,
        };
        p.set_stages(stages);
        p
    }
}

/// sonora's errors are about stream formats (fixed here) or a clamped delay (harmless).
fn apm_error(e: sonora::Error) -> VoiceError {
    VoiceError::Processing(e.to_string())
}

/// `part` processes `chunk` in place through `scratch`.
fn capture(
    part: &mut AudioProcessing,
    scratch: &mut [f32; CHUNK_SAMPLES],
    chunk: &mut [f32],
) -> Result<(), VoiceError> {
    scratch.copy_from_slice(chunk);
    part.process_capture_f32(&[&scratch[..]], &mut [chunk])
        .map_err(apm_error)
}

impl MicProcessor for WebRtcProcessor {
    fn analyze_render(&mut self, far: &[f32]) -> Result<(), VoiceError> {
        chunks_of(far.len())?;
        let Some(echo) = &mut self.echo else {
            return Ok(());
        };
        for chunk in far.chunks_exact(CHUNK_SAMPLES) {
            if let Ok(chunk) = <&[f32; CHUNK_SAMPLES]>::try_from(chunk) {
                echo.render(chunk);
            }
        }
        Ok(())
    }

    fn process_capture(&mut self, near: &mut [f32]) -> Result<(), VoiceError> {
        chunks_of(near.len())?;
        if !self.stages.any() {
            return Ok(());
        }
        for chunk in near.chunks_exact_mut(CHUNK_SAMPLES) {
            if let Ok(chunk) = <&mut [f32; CHUNK_SAMPLES]>::try_from(&mut *chunk)
                && (self.echo.is_some() || self.noise.is_some())
            {
                let saturated = self.bands.split(chunk);
                if let Some(noise) = &mut self.noise {
                    noise.analyze(&self.bands.bands);
                }
                if let Some(echo) = &mut self.echo {
                    echo.set_audio_buffer_delay(self.stream_delay_ms);
                    echo.capture(&mut self.bands.bands, saturated);
                }
                if let Some(noise) = &mut self.noise {
                    noise.process(&mut self.bands.bands);
                }
                self.bands.merge(chunk);
            }
            if let Some(gain) = &mut self.gain {
                capture(gain, &mut self.scratch, chunk)?;
            }
        }
        Ok(())
    }

    fn set_stream_delay(&mut self, delay: Duration) {
        self.stream_delay_ms = i32::try_from(delay.as_millis()).unwrap_or(i32::MAX);
    }

    /// A stage switched on starts fresh; the ones kept on keep what they learned.
    fn set_stages(&mut self, stages: Stages) {
        fn switch<T>(part: &mut Option<T>, on: bool, make: impl FnOnce() -> T) {
            match (on, part.is_some()) {
                (true, false) => *part = Some(make()),
                (false, true) => *part = None,
                _ => {}
            }
        }
        switch(&mut self.echo, stages.echo_cancellation, EchoStage::new);
        switch(&mut self.noise, stages.noise_suppression, NoiseStage::new);
        switch(&mut self.gain, stages.gain_control, || {
            processing(gain_config())
        });
        self.stages = stages;
    }

    fn stages(&self) -> Stages {
        self.stages
    }

    fn estimates(&self) -> Estimates {
        let Some(echo) = &self.echo else {
            return Estimates::default();
        };
        let metrics = echo.metrics();
        Estimates {
            erle_db: Some(metrics.erle_db),
            erl_db: Some(metrics.erl_db),
            delay: u64::try_from(metrics.delay_ms)
                .ok()
                .map(Duration::from_millis),
            echo_found: echo.echo_found(),
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
