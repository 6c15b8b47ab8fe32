//! Conversion between a device's format (any rate, any channel count, interleaved `f32`) and
//! the engine's 48 kHz mono, with rubato.
//!
//! Capture averages the channels to mono *before* resampling (one channel to resample instead
//! of several); playback resamples mono and then copies it to every channel. Rubato's
//! asynchronous sinc resampler is used with a fixed input chunk of 10 ms: it needs no FFT (the
//! crate's `fft_resampler` feature stays off), it handles any ratio (44.1 kHz, 16 kHz, 96 kHz),
//! and a 64-tap windowed sinc keeps speech clean at a few µs per 10 ms. Input of any length is
//! buffered until a chunk is complete, so device callbacks of any size can be fed directly.
//! At 48 kHz the converter only mixes or copies channels.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{
    Async, FixedAsync, Resampler, SincInterpolationParameters, SincInterpolationType,
    WindowFunction,
};

use crate::VoiceError;
use crate::codec::SAMPLE_RATE;

/// One direction of conversion for one device.
pub struct Converter {
    channels: usize,
    capture: bool,
    resampler: Option<Async<f32>>,
    /// Mono samples waiting for a full chunk.
    pending: Vec<f32>,
    out: Vec<f32>,
}

impl std::fmt::Debug for Converter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Converter")
            .field("channels", &self.channels)
            .field("capture", &self.capture)
            .field("resampling", &self.resampler.is_some())
            .finish_non_exhaustive()
    }
}

impl Converter {
    /// From a capture device's interleaved samples to 48 kHz mono.
    pub fn capture(device_rate: u32, channels: u16) -> Result<Self, VoiceError> {
        Self::new(device_rate, channels, true)
    }

    /// From 48 kHz mono to a playback device's interleaved samples.
    pub fn playback(device_rate: u32, channels: u16) -> Result<Self, VoiceError> {
        Self::new(device_rate, channels, false)
    }

    fn new(device_rate: u32, channels: u16, capture: bool) -> Result<Self, VoiceError> {
        if device_rate == 0 || channels == 0 {
            return Err(VoiceError::DeviceFormat {
                rate: device_rate,
                channels,
            });
        }
        let (from, to) = if capture {
            (device_rate, SAMPLE_RATE)
        } else {
            (SAMPLE_RATE, device_rate)
        };
        let resampler = if from == to {
            None
        } else {
            let params = SincInterpolationParameters::new(64, WindowFunction::Blackman2)
                .oversampling_factor(128)
                .interpolation(SincInterpolationType::Linear);
            let chunk = (from / 100) as usize;
            let ratio = f64::from(to) / f64::from(from);
            let r = Async::<f32>::new_sinc(ratio, 1.0, &params, chunk, 1, FixedAsync::Input)
                .map_err(|e| VoiceError::Resample(e.to_string()))?;
            Some(r)
        };
        let out_max = resampler.as_ref().map_or(0, Resampler::output_frames_max);
        Ok(Self {
            channels: usize::from(channels),
            capture,
            resampler,
            pending: Vec::new(),
            out: vec![0.0; out_max],
        })
    }

    /// Convert `input` and append the result to `output`. Capture: `input` is interleaved
    /// device audio, `output` 48 kHz mono; playback the other way round. Output lags input by
    /// [`Converter::delay_frames`] plus whatever waits for a full 10 ms chunk.
    pub fn process(&mut self, input: &[f32], output: &mut Vec<f32>) -> Result<(), VoiceError> {
        let Some(resampler) = self.resampler.as_mut() else {
            self.direct(input, output);
            return Ok(());
        };
        if self.capture {
            self.pending.extend(
                input
                    .chunks(self.channels)
                    .map(|f| f.iter().sum::<f32>() / self.channels as f32),
            );
        } else {
            self.pending.extend_from_slice(input);
        }
        let mut used = 0;
        while self.pending.len() - used >= resampler.input_frames_next() {
            let n_in = resampler.input_frames_next();
            let chunk = &self.pending[used..used + n_in];
            let input = InterleavedSlice::new(chunk, 1, n_in)
                .map_err(|e| VoiceError::Resample(e.to_string()))?;
            let frames = self.out.len();
            let mut out = InterleavedSlice::new_mut(&mut self.out, 1, frames)
                .map_err(|e| VoiceError::Resample(e.to_string()))?;
            let (consumed, produced) = resampler
                .process_into_buffer(&input, &mut out, None)
                .map_err(|e| VoiceError::Resample(e.to_string()))?;
            used += consumed;
            emit(&self.out[..produced], self.capture, self.channels, output);
        }
        self.pending.drain(..used);
        Ok(())
    }

    /// The resampler's delay, in output frames.
    pub fn delay_frames(&self) -> usize {
        self.resampler.as_ref().map_or(0, Resampler::output_delay)
    }

    fn direct(&self, input: &[f32], output: &mut Vec<f32>) {
        if self.capture {
            let n = self.channels as f32;
            output.extend(
                input
                    .chunks(self.channels)
                    .map(|f| f.iter().sum::<f32>() / n),
            );
        } else {
            emit(input, false, self.channels, output);
        }
    }
}

/// Append mono `samples` to `output`, copied to every channel on playback.
fn emit(samples: &[f32], capture: bool, channels: usize, output: &mut Vec<f32>) {
    if capture || channels == 1 {
        output.extend_from_slice(samples);
    } else {
        output.extend(
            samples
                .iter()
                .flat_map(|&s| std::iter::repeat_n(s, channels)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zero_crossings(s: &[f32]) -> usize {
        s.windows(2)
            .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
            .count()
    }

    #[test]
    fn stereo_44k1_to_48k_mono_keeps_a_1khz_tone_and_its_duration() {
        let mut conv = Converter::capture(44_100, 2).unwrap();
        let mut out = Vec::new();
        // Two seconds, fed in device callbacks of 441 frames (10 ms).
        for block in 0..200 {
            let mut input = Vec::with_capacity(882);
            for i in 0..441 {
                let t = (block * 441 + i) as f32 / 44_100.0;
                let s = 0.5 * (2.0 * std::f32::consts::PI * 1000.0 * t).sin();
                input.extend([s, s]);
            }
            conv.process(&input, &mut out).unwrap();
        }
        let total = out.len() + conv.delay_frames();
        assert!(
            (total as i64 - 96_000).abs() <= 480,
            "{} frames + delay {}",
            out.len(),
            conv.delay_frames()
        );
        let steady = &out[conv.delay_frames() + 4800..];
        let hz = zero_crossings(steady) as f64 / 2.0 / (steady.len() as f64 / 48_000.0);
        assert!((hz - 1000.0).abs() < 2.0, "{hz} Hz");
        let rms = (steady.iter().map(|s| s * s).sum::<f32>() / steady.len() as f32).sqrt();
        assert!((rms - 0.3536).abs() < 0.01, "rms {rms}");
    }

    #[test]
    fn playback_to_44k1_stereo_and_48k_passthrough() {
        let mut conv = Converter::playback(44_100, 2).unwrap();
        let mut out = Vec::new();
        for _ in 0..100 {
            conv.process(&[0.25; 960], &mut out).unwrap();
        }
        let frames = out.len() / 2 + conv.delay_frames();
        assert!((frames as i64 - 88_200).abs() <= 441, "{frames}");
        assert!(out.chunks(2).all(|f| f[0] == f[1]));
        let mut same = Converter::capture(48_000, 2).unwrap();
        let mut mono = Vec::new();
        same.process(&[0.5, 0.0, 1.0, 1.0], &mut mono).unwrap();
        assert_eq!(mono, vec![0.25, 1.0]);
        assert!(Converter::capture(0, 1).is_err());
    }
}
