//! Level meter for the UI: RMS and peak in dBFS per 20 ms window, falling back slowly.
//!
//! A reading rises at once and falls at [`DECAY_DB_PER_S`] (20 dB in 1.5 s, the fall time of an
//! IEC 60268-10 peak programme meter), so short syllables stay readable at the UI's frame rate.
//! Silence reads [`FLOOR_DBFS`].

/// How fast a reading falls, in dB per second.
pub const DECAY_DB_PER_S: f32 = 20.0 / 1.5;
/// The lowest reading (digital silence).
pub const FLOOR_DBFS: f32 = -100.0;

/// One reading of the meter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    pub rms_dbfs: f32,
    pub peak_dbfs: f32,
}

/// The meter of one audio direction (microphone or speaker).
#[derive(Debug, Clone)]
pub struct LevelMeter {
    shown: Level,
}

impl Default for LevelMeter {
    fn default() -> Self {
        Self::new()
    }
}

impl LevelMeter {
    pub fn new() -> Self {
        Self {
            shown: Level {
                rms_dbfs: FLOOR_DBFS,
                peak_dbfs: FLOOR_DBFS,
            },
        }
    }

    /// Measure one window of mono samples at `sample_rate` (normally a 20 ms frame at 48 kHz)
    /// and return the reading to show.
    pub fn process(&mut self, samples: &[f32], sample_rate: u32) -> Level {
        if samples.is_empty() || sample_rate == 0 {
            return self.shown;
        }
        let peak = samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        let mean_square = samples.iter().map(|s| s * s).sum::<f32>() / samples.len() as f32;
        let fall = DECAY_DB_PER_S * samples.len() as f32 / sample_rate as f32;
        let rise_or_fall = |shown: f32, now: f32| now.max(shown - fall).max(FLOOR_DBFS);
        self.shown = Level {
            rms_dbfs: rise_or_fall(self.shown.rms_dbfs, dbfs(mean_square.sqrt())),
            peak_dbfs: rise_or_fall(self.shown.peak_dbfs, dbfs(peak)),
        };
        self.shown
    }

    /// The last reading.
    pub fn level(&self) -> Level {
        self.shown
    }
}

/// An amplitude (1.0 = full scale) in dBFS.
pub fn dbfs(amplitude: f32) -> f32 {
    if amplitude <= 0.0 {
        FLOOR_DBFS
    } else {
        (20.0 * amplitude.log10()).max(FLOOR_DBFS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_scale_sine_reads_minus_3_rms_and_0_peak_then_decays() {
        let sine: Vec<f32> = (0..960)
            .map(|i| (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 48_000.0).sin())
            .collect();
        let mut meter = LevelMeter::new();
        let l = meter.process(&sine, 48_000);
        assert!((l.rms_dbfs + 3.01).abs() < 0.05, "{l:?}");
        assert!(l.peak_dbfs.abs() < 0.01, "{l:?}");
        // One second of silence afterwards: 13.3 dB lower, not at the floor.
        for _ in 0..50 {
            meter.process(&[0.0; 960], 48_000);
        }
        let l = meter.level();
        assert!((l.peak_dbfs + 13.33).abs() < 0.1, "{l:?}");
        for _ in 0..500 {
            meter.process(&[0.0; 960], 48_000);
        }
        assert_eq!(meter.level().rms_dbfs, FLOOR_DBFS);
        assert_eq!(dbfs(0.5).round(), -6.0);
    }
}
