//! How much of what went in came out, and how late: cross-correlation of a talker's input
//! with what the listener's speaker played, for the loopback, the tests and the benchmark.
//!
//! The delay is found on a 8 kHz copy (box-filtered by 6) and refined at 48 kHz. The jitter
//! buffer may skip or insert a 20 ms frame during the call (it adapts its delay), which
//! shifts the alignment of what follows, so the correlation is also given per half-second
//! segment, each aligned on its own within ±60 ms of the overall delay, weighted by the
//! segment's energy: that is the figure for "did the speech come out".

use std::time::Duration;

use linedesk_voice::codec::SAMPLE_RATE;

const DECIMATE: usize = 6;
const SEGMENT: usize = SAMPLE_RATE as usize / 2;
const SEGMENT_SLACK: usize = SAMPLE_RATE as usize * 60 / 1000;

/// The best alignment of an output against its input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Alignment {
    /// How far the output lags the input (the same time origin assumed for both).
    pub delay: Duration,
    /// Normalised correlation at that single delay, over the whole input.
    pub correlation: f64,
    /// Energy-weighted mean of the per-segment correlations (see the module doc).
    pub segment_correlation: f64,
}

fn decimate(x: &[f32]) -> Vec<f32> {
    x.chunks(DECIMATE)
        .map(|c| c.iter().sum::<f32>() / c.len() as f32)
        .collect()
}

/// Normalised correlation of `x` with `y` shifted by `lag` (`y[i + lag]` against `x[i]`).
fn correlation_at(x: &[f32], y: &[f32], lag: usize) -> f64 {
    let n = x.len().min(y.len().saturating_sub(lag));
    if n == 0 {
        return 0.0;
    }
    let (mut xy, mut xx, mut yy) = (0.0f64, 0.0f64, 0.0f64);
    for i in 0..n {
        let (a, b) = (f64::from(x[i]), f64::from(y[i + lag]));
        xy += a * b;
        xx += a * a;
        yy += b * b;
    }
    if xx <= 0.0 || yy <= 0.0 {
        0.0
    } else {
        xy / (xx * yy).sqrt()
    }
}

/// The lag in `range` with the highest correlation of `x` against `y`.
fn best_lag(x: &[f32], y: &[f32], range: std::ops::RangeInclusive<usize>) -> (usize, f64) {
    range
        .map(|lag| (lag, correlation_at(x, y, lag)))
        .fold((0, f64::MIN), |best, c| if c.1 > best.1 { c } else { best })
}

/// Align `output` against `input` (both 48 kHz mono, same time origin), looking up to
/// `max_delay` late. `None` when either is silent or too short.
pub fn align(input: &[f32], output: &[f32], max_delay: Duration) -> Option<Alignment> {
    let max_lag = (max_delay.as_secs_f64() * f64::from(SAMPLE_RATE)) as usize;
    let (x8, y8) = (decimate(input), decimate(output));
    if x8.is_empty() || y8.len() <= 1 {
        return None;
    }
    let max8 = (max_lag / DECIMATE).min(y8.len() - 1);
    let (coarse, c8) = best_lag(&x8, &y8, 0..=max8);
    if c8 <= 0.0 {
        return None;
    }
    let centre = coarse * DECIMATE;
    let (lag, correlation) = best_lag(
        input,
        output,
        centre.saturating_sub(DECIMATE)..=(centre + DECIMATE).min(output.len().saturating_sub(1)),
    );

    let mut weighted = 0.0;
    let mut weights = 0.0;
    let mean_energy = input.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / input.len() as f64;
    for (k, seg) in input.chunks(SEGMENT).enumerate() {
        let energy = seg.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / seg.len() as f64;
        if energy < 0.1 * mean_energy {
            continue;
        }
        let start = k * SEGMENT;
        let Some(tail) = output.get(start..) else {
            break;
        };
        let lo = lag.saturating_sub(SEGMENT_SLACK);
        let hi = lag + SEGMENT_SLACK;
        let (local8, _) = best_lag(
            &decimate(seg),
            &decimate(tail),
            lo / DECIMATE..=hi / DECIMATE,
        );
        let c = local8 * DECIMATE;
        let (_, local) = best_lag(seg, tail, c.saturating_sub(DECIMATE)..=c + DECIMATE);
        weighted += energy * local.max(0.0);
        weights += energy;
    }
    Some(Alignment {
        delay: Duration::from_secs_f64(lag as f64 / f64::from(SAMPLE_RATE)),
        correlation,
        segment_correlation: if weights > 0.0 {
            weighted / weights
        } else {
            0.0
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise_bursts(n: usize) -> Vec<f32> {
        let mut rng = linedesk_voice::netsim::Rng::new(7);
        (0..n)
            .map(|i| {
                let on = (i / 4800) % 3 != 2;
                if on {
                    (rng.next_f64() as f32 - 0.5) * 0.6
                } else {
                    0.0
                }
            })
            .collect()
    }

    #[test]
    fn a_delayed_copy_is_found_at_its_delay() {
        let input = noise_bursts(48_000);
        let mut output = vec![0.0; 3_000];
        output.extend(input.iter().map(|s| s * 0.5));
        let a = align(&input, &output, Duration::from_millis(200)).expect("aligned");
        assert_eq!(a.delay, Duration::from_secs_f64(3_000.0 / 48_000.0));
        assert!(
            a.correlation > 0.99 && a.segment_correlation > 0.99,
            "{a:?}"
        );
        assert!(align(&input, &vec![0.0; 10_000], Duration::from_millis(100)).is_none());
    }
}
