//! [`EchoPath`]: a simulated speaker-to-microphone path for tests and the bench.

use std::time::Duration;

use crate::codec::SAMPLE_RATE;

/// The longest delay a path takes (its history of the far end).
pub const MAX_DELAY: Duration = Duration::from_secs(1);
/// Dense part of the impulse response: the first reflections.
const DENSE: Duration = Duration::from_millis(5);
/// The whole impulse response.
const TAIL: Duration = Duration::from_millis(80);
/// The tail's amplitude falls 60 dB in this long (a small, damped room).
const RT60: Duration = Duration::from_millis(120);

fn samples(d: Duration) -> usize {
    (d.as_secs_f64() * f64::from(SAMPLE_RATE)).round() as usize
}

/// SplitMix64: a seeded, dependency-free source of the impulse response's randomness.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    fn signed(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

/// What the microphone picks up of the speaker: the far end delayed, through a room's impulse
/// response (a direct tap, dense early reflections for 5 ms, then sparser reflections whose
/// level decays exponentially, 60 dB in 120 ms, up to 80 ms), scaled so that the echo's
/// power is `level_db` relative to the far end's (for a white signal).
///
/// Deterministic: the same seed gives the same path. The delay can change mid-stream
/// ([`EchoPath::set_delay`]), as when a Bluetooth headset's buffering changes.
#[derive(Debug, Clone)]
pub struct EchoPath {
    /// (offset in samples, gain) of each tap.
    taps: Vec<(usize, f32)>,
    delay: usize,
    history: Vec<f32>,
    /// Where the next far-end sample goes in `history`.
    at: usize,
}

impl EchoPath {
    pub fn new(delay: Duration, level_db: f64, seed: u64) -> EchoPath {
        let mut random = SplitMix(seed);
        let dense = samples(DENSE);
        let tail = samples(TAIL);
        let decay_per_sample = (1000f64).ln() / samples(RT60) as f64;
        let mut taps = vec![(0usize, 1.0f64)];
        let mut offset = 1;
        while offset < tail {
            let envelope = (-decay_per_sample * offset as f64).exp();
            taps.push((offset, 0.5 * envelope * random.signed()));
            // Dense at first, then a reflection every 0.1-0.5 ms.
            offset += if offset < dense {
                1
            } else {
                5 + (random.next() % 20) as usize
            };
        }
        let energy: f64 = taps.iter().map(|(_, g)| g * g).sum();
        let scale = (10f64.powf(level_db / 10.0) / energy).sqrt();
        let mut path = EchoPath {
            taps: taps
                .into_iter()
                .map(|(o, g)| (o, (g * scale) as f32))
                .collect(),
            delay: 0,
            history: vec![0.0; samples(MAX_DELAY) + tail + 1],
            at: 0,
        };
        path.set_delay(delay);
        path
    }

    /// From now on the echo comes `delay` after the far end (at most [`MAX_DELAY`]).
    pub fn set_delay(&mut self, delay: Duration) {
        self.delay = samples(delay.min(MAX_DELAY));
    }

    pub fn delay(&self) -> Duration {
        Duration::from_secs_f64(self.delay as f64 / f64::from(SAMPLE_RATE))
    }

    /// The echo of `far` (the next far-end samples), one sample out per sample in.
    pub fn feed(&mut self, far: &[f32]) -> Vec<f32> {
        let len = self.history.len();
        far.iter()
            .map(|&x| {
                self.history[self.at] = x;
                let newest = self.at + len;
                let y = self
                    .taps
                    .iter()
                    .map(|&(offset, gain)| {
                        gain * self.history[(newest - self.delay - offset) % len]
                    })
                    .sum();
                self.at = (self.at + 1) % len;
                y
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_impulse_comes_back_after_the_delay_at_the_level_asked() {
        let mut path = EchoPath::new(Duration::from_millis(50), -10.0, 7);
        let mut far = vec![0.0; 9600];
        far[0] = 1.0;
        let echo = path.feed(&far);
        let first = echo.iter().position(|s| s.abs() > 1e-6).expect("an echo");
        assert_eq!(first, 2400);
        let energy: f64 = echo.iter().map(|s| f64::from(*s).powi(2)).sum();
        assert!((10.0 * energy.log10() + 10.0).abs() < 0.01, "{energy}");
        // A decaying tail: the last 40 ms hold far less than the first 5 ms.
        let part = |r: std::ops::Range<usize>| -> f64 {
            echo[r].iter().map(|s| f64::from(*s).powi(2)).sum()
        };
        assert!(part(4320..6240) < part(2400..2640) / 20.0);
        assert!(part(4320..6240) > 0.0);
    }

    #[test]
    fn the_delay_changes_mid_stream() {
        let mut path = EchoPath::new(Duration::from_millis(30), -6.0, 1);
        path.feed(&vec![0.0; 4800]);
        path.set_delay(Duration::from_millis(180));
        let mut far = vec![0.0; 19200];
        far[0] = 1.0;
        let echo = path.feed(&far);
        assert_eq!(echo.iter().position(|s| s.abs() > 1e-6), Some(8640));
    }
}
