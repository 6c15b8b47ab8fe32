//! Helpers of the tests on real devices: speech made with espeak-ng and sox, raw sample
//! files, and alignment by correlation.

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

/// Run a command, failing the test with its output when it fails.
pub fn run(program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e} (is the Debian package installed?)"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Russian speech as a 48 kHz mono 16-bit WAV at `wav`.
pub fn speech_wav(dir: &Path, wav: &Path) {
    let raw = dir.join("espeak.wav");
    let raw = raw.to_str().expect("utf-8 path");
    run(
        "espeak-ng",
        &[
            "-v",
            "ru",
            "-w",
            raw,
            "Здравствуйте, служба поддержки, чем могу помочь? Говорите, я вас слушаю.",
        ],
    );
    let wav = wav.to_str().expect("utf-8 path");
    // Repeatable dither (`-R`): the same input gives the same samples on every run.
    run(
        "sox",
        &["-R", raw, "-r", "48000", "-c", "1", "-b", "16", wav],
    );
}

/// Convert `wav` to headerless samples: `encoding` is sox's (`floating-point` or `signed`).
pub fn wav_to_raw(wav: &Path, raw: &Path, encoding: &str, bits: u32, channels: u16, rate: u32) {
    let (wav, raw) = (wav.to_str().expect("utf-8"), raw.to_str().expect("utf-8"));
    let (bits, channels, rate) = (bits.to_string(), channels.to_string(), rate.to_string());
    run(
        "sox",
        &[
            "-R", wav, "-t", "raw", "-e", encoding, "-b", &bits, "-c", &channels, "-r", &rate, raw,
        ],
    );
}

/// Interleaved raw samples (`f32` or `i16`, little-endian) averaged to mono.
pub fn read_raw_mono(bytes: &[u8], sample_format: &str, channels: u16) -> Vec<f32> {
    let samples: Vec<f32> = match sample_format {
        "f32" => bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
        "i16" => bytes
            .chunks_exact(2)
            .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
            .collect(),
        other => panic!("the test does not decode {other}"),
    };
    samples
        .chunks_exact(usize::from(channels))
        .map(|f| f.iter().sum::<f32>() / f.len() as f32)
        .collect()
}

pub fn rms(s: &[f32]) -> f32 {
    (s.iter().map(|x| x * x).sum::<f32>() / s.len().max(1) as f32).sqrt()
}

fn first_sound(s: &[f32]) -> Option<usize> {
    s.iter().position(|x| x.abs() > 0.01)
}

/// Align `got` on `reference` (both 48 kHz mono) by their first sound, refine the lag within
/// ±`search` samples, and return (lag of `got` behind `reference`, normalised correlation
/// over `window` samples).
pub fn align(reference: &[f32], got: &[f32], search: i64, window: usize) -> (i64, f32) {
    let r0 = first_sound(reference).expect("the reference has sound") as i64;
    let g0 = first_sound(got).expect("no sound arrived") as i64;
    let mut best = (0, f32::MIN);
    for lag in (g0 - r0 - search)..=(g0 - r0 + search) {
        let start = r0.max(-lag).max(0) as usize;
        let end = (start + window)
            .min(reference.len())
            .min((got.len() as i64 - lag).max(0) as usize);
        if end <= start + window / 2 {
            continue;
        }
        let (mut xy, mut xx, mut yy) = (0.0f64, 0.0f64, 0.0f64);
        for i in start..end {
            let x = f64::from(reference[i]);
            let y = f64::from(got[(i as i64 + lag) as usize]);
            xy += x * y;
            xx += x * x;
            yy += y * y;
        }
        let c = (xy / (xx * yy).sqrt().max(1e-12)) as f32;
        if c > best.1 {
            best = (lag, c);
        }
    }
    best
}

/// The variable that marks the re-run child of a test.
pub const CHILD: &str = "LINEDESK_AUDIO_TEST_DIR";

/// Re-run the test `name` of this binary in a child process with `env` set, and fail if the
/// child fails. `std::env::set_var` is `unsafe` in edition 2024 (and the workspace forbids
/// `unsafe`), and ALSA reads its variables in-process: a child gets them from the start.
pub fn run_in_child(name: &str, dir: &Path, env: &[(&str, &std::ffi::OsStr)]) {
    let exe = std::env::current_exe().expect("test binary path");
    let mut command = Command::new(exe);
    command
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env(CHILD, dir);
    for (key, value) in env {
        command.env(key, value);
    }
    let status = command.status().expect("re-run the test binary");
    assert!(
        status.success(),
        "the test's child process failed: {status}"
    );
}
