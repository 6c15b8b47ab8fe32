//! How well the microphone path removes an echo, measured against a simulation where the
//! echo and the near-end voice are known apart (see [`super::EchoPath`]).

use std::time::Duration;

use crate::codec::SAMPLE_RATE;

fn energy(x: &[f32]) -> f64 {
    x.iter().map(|s| f64::from(*s).powi(2)).sum()
}

/// Echo return loss enhancement in dB: the echo's energy over what is left of it.
/// `residual` is the processed microphone while only the far end talks.
pub fn erle_db(echo: &[f32], residual: &[f32]) -> f64 {
    let left = energy(residual).max(1e-20);
    10.0 * (energy(echo).max(1e-20) / left).log10()
}

/// ERLE per `window` where the echo is audible (its energy within 30 dB of the loudest
/// window's); `None` for windows of silence, where there is nothing to remove.
pub fn erle_windows(echo: &[f32], residual: &[f32], window: Duration) -> Vec<Option<f64>> {
    let n = ((window.as_secs_f64() * f64::from(SAMPLE_RATE)) as usize).max(1);
    let len = echo.len().min(residual.len());
    let loudest = echo[..len]
        .chunks(n)
        .map(energy)
        .fold(0.0f64, f64::max)
        .max(1e-20);
    echo[..len]
        .chunks(n)
        .zip(residual[..len].chunks(n))
        .map(|(e, r)| (energy(e) > loudest / 1000.0).then(|| erle_db(e, r)))
        .collect()
}

/// When the canceller converged: the end of the first `window` after which every window
/// with an audible echo has at least `target_db` of ERLE. `None`: it never held.
pub fn converged_after(
    echo: &[f32],
    residual: &[f32],
    window: Duration,
    target_db: f64,
) -> Option<Duration> {
    let windows = erle_windows(echo, residual, window);
    let last_bad = windows
        .iter()
        .rposition(|w| w.is_some_and(|erle| erle < target_db));
    let from = last_bad.map_or(0, |i| i + 1);
    if !windows[from..].iter().any(Option::is_some) {
        return None;
    }
    Some(window * u32::try_from(from).unwrap_or(u32::MAX))
}

/// How much of `signal` is `reference`: the best normalised cross-correlation over lags of
/// `signal` behind `reference` from 0 to `max_lag` samples, with that lag.
pub fn correlation(reference: &[f32], signal: &[f32], max_lag: usize) -> (f64, usize) {
    let mut best = (0.0, 0);
    for lag in 0..=max_lag {
        if lag >= signal.len() {
            break;
        }
        let s = &signal[lag..];
        let len = reference.len().min(s.len());
        let (r, s) = (&reference[..len], &s[..len]);
        let dot: f64 = r
            .iter()
            .zip(s)
            .map(|(a, b)| f64::from(*a) * f64::from(*b))
            .sum();
        let norm = (energy(r) * energy(s)).sqrt();
        if norm > 0.0 && dot / norm > best.0 {
            best = (dot / norm, lag);
        }
    }
    best
}

/// Scale-invariant signal-to-distortion ratio in dB of `signal` against `reference` at the
/// correlation's best lag: how far above everything else (residual echo, distortion) the
/// near-end voice stands. It is `10 log10(ρ² / (1 - ρ²))` of the correlation ρ.
pub fn si_sdr_db(reference: &[f32], signal: &[f32], max_lag: usize) -> f64 {
    let (rho, _) = correlation(reference, signal, max_lag);
    let rho2 = (rho * rho).min(1.0 - 1e-12);
    10.0 * (rho2 / (1.0 - rho2)).log10()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(len: usize, hz: f32) -> Vec<f32> {
        (0..len)
            .map(|i| (i as f32 * hz * std::f32::consts::TAU / 48_000.0).sin())
            .collect()
    }

    #[test]
    fn erle_of_an_echo_made_ten_times_weaker_is_20_db() {
        let echo = tone(4800, 440.0);
        let left: Vec<f32> = echo.iter().map(|s| s * 0.1).collect();
        assert!((erle_db(&echo, &left) - 20.0).abs() < 1e-6);
    }

    #[test]
    fn convergence_is_where_the_erle_stays_above_the_target() {
        let echo = tone(48_000, 300.0);
        let mut residual = echo.clone();
        // Untouched for 0.5 s, then 40 dB weaker.
        for s in &mut residual[24_000..] {
            *s *= 0.01;
        }
        let at = converged_after(&echo, &residual, Duration::from_millis(100), 30.0);
        assert_eq!(at, Some(Duration::from_millis(500)));
        assert_eq!(
            converged_after(&echo, &echo, Duration::from_millis(100), 30.0),
            None
        );
    }

    #[test]
    fn correlation_finds_the_lag_and_si_sdr_the_mix() {
        let voice = tone(9600, 220.0);
        let other = tone(9600, 1330.0);
        let mut mixed = vec![0.0; 48];
        mixed.extend(voice.iter().zip(&other).map(|(v, o)| v + 0.1 * o));
        let (rho, lag) = correlation(&voice, &mixed, 100);
        assert_eq!(lag, 48);
        assert!(rho > 0.99);
        // The other tone is 20 dB below the voice.
        assert!((si_sdr_db(&voice, &mixed, 100) - 20.0).abs() < 0.5);
    }
}
