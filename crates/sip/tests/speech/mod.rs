//! Speech for the media tests, as the engine's tests make it (espeak-ng and sox with `-R`),
//! and the normalized cross-correlation that says a signal arrived. A missing tool fails the
//! test with the install line, never skips it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use linedesk_sip::MediaStream;

pub const FRAME: usize = 960;

fn run(tool: &str, args: &[&str]) {
    let status = Command::new(tool).args(args).status().unwrap_or_else(|e| {
        panic!("{tool} is needed for the speech of this test ({e}): apt-get install espeak-ng sox")
    });
    assert!(status.success(), "{tool} {args:?} failed: {status}");
}

/// `text` spoken in Russian as a WAV of `rate` Hz mono in `dir`; its path.
pub fn speech_wav(dir: &Path, name: &str, text: &str, rate: u32) -> PathBuf {
    let raw = dir.join(format!("{name}-espeak.wav"));
    let wav = dir.join(format!("{name}.wav"));
    let (raw_s, wav_s) = (raw.to_string_lossy(), wav.to_string_lossy());
    run("espeak-ng", &["-v", "ru", "-w", &raw_s, text]);
    let rate = rate.to_string();
    // Repeatable dither (`-R`): the same text gives the same samples on every run.
    run(
        "sox",
        &["-R", &raw_s, "-r", &rate, "-c", "1", "-b", "16", &wav_s],
    );
    wav
}

/// The samples a WAV file's header says it holds (0 when sox cannot read it yet).
pub fn samples_in(wav: &Path) -> usize {
    Command::new("soxi")
        .arg("-s")
        .arg(wav)
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(0)
}

/// A WAV file as 48 kHz mono samples (sox converts it).
pub fn read_48k(dir: &Path, wav: &Path) -> Vec<f32> {
    let stem = wav
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let raw = dir.join(format!("{stem}.raw"));
    let (wav_s, raw_s) = (wav.to_string_lossy(), raw.to_string_lossy());
    run(
        "sox",
        &[
            "-R", &wav_s, "-t", "raw", "-e", "signed", "-b", "16", "-r", "48000", "-c", "1", &raw_s,
        ],
    );
    let bytes = std::fs::read(&raw).expect("the raw file sox wrote");
    bytes
        .chunks_exact(2)
        .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
        .collect()
}

/// Queue `samples` on `stream` in 20 ms frames, as fast as its one-second queue takes them.
pub async fn send_all(stream: &MediaStream, samples: &[f32]) {
    for chunk in samples.chunks(FRAME) {
        let mut frame = [0.0; FRAME];
        frame[..chunk.len()].copy_from_slice(chunk);
        while stream.send(frame).is_err() {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
}

/// How well `sent` arrived within `got`: the median, over the voiced 400 ms segments of
/// `sent`, of each segment's largest normalized cross-correlation (1.0 is the same waveform;
/// speech against silence or another text stays well under 0.3). Each segment finds its own
/// lag near the whole signal's, so a jitter buffer that skipped or inserted a frame on a
/// loaded machine costs only the segment where it did. Lags are found at 8 kHz (means of 6
/// samples), then refined at 48 kHz.
pub fn correlation(sent: &[f32], got: &[f32]) -> f64 {
    if got.len() < sent.len() || sent.is_empty() {
        return 0.0;
    }
    let (s8, g8) = (coarse(sent), coarse(got));
    let whole = best_lag(&s8, &g8, 0, g8.len().saturating_sub(s8.len()));
    const SEGMENT: usize = 19_200;
    const DRIFT: usize = 1_600; // 200 ms at 8 kHz
    let loud = rms(sent) * 0.5;
    let mut scores: Vec<f64> = sent
        .chunks_exact(SEGMENT)
        .enumerate()
        .filter(|(_, seg)| rms(seg) >= loud)
        .map(|(i, seg)| {
            let start8 = whole + i * SEGMENT / 6;
            let seg8 = coarse(seg);
            let last8 = g8.len().saturating_sub(seg8.len());
            let lag8 = best_lag(
                &seg8,
                &g8,
                start8.saturating_sub(DRIFT),
                (start8 + DRIFT).min(last8),
            );
            let last = got.len().saturating_sub(seg.len());
            let from = (lag8 * 6).saturating_sub(12);
            (from..=(lag8 * 6 + 12).min(last))
                .map(|lag| at(seg, got, lag))
                .fold(0.0, f64::max)
        })
        .collect();
    if scores.is_empty() {
        return 0.0;
    }
    scores.sort_by(f64::total_cmp);
    scores[scores.len() / 2]
}

fn coarse(x: &[f32]) -> Vec<f32> {
    x.chunks(6).map(|c| c.iter().sum::<f32>() / 6.0).collect()
}

fn best_lag(sent: &[f32], got: &[f32], from: usize, to: usize) -> usize {
    (from..=to.max(from))
        .max_by(|&a, &b| at(sent, got, a).total_cmp(&at(sent, got, b)))
        .unwrap_or(from)
}

/// The normalized correlation of `sent` with `got` from `lag` on.
fn at(sent: &[f32], got: &[f32], lag: usize) -> f64 {
    let Some(window) = got.get(lag..lag + sent.len()) else {
        return 0.0;
    };
    let (mut dot, mut e_sent, mut e_got) = (0.0f64, 0.0f64, 0.0f64);
    for (a, b) in sent.iter().zip(window) {
        let (a, b) = (f64::from(*a), f64::from(*b));
        dot += a * b;
        e_sent += a * a;
        e_got += b * b;
    }
    if e_sent == 0.0 || e_got == 0.0 {
        0.0
    } else {
        dot / (e_sent * e_got).sqrt()
    }
}

/// RMS of a stretch of samples.
pub fn rms(x: &[f32]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    (x.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
}
