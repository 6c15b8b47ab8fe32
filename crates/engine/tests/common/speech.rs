//! Speech for the tests: espeak-ng and sox (Debian packages `espeak-ng`, `sox`), as
//! TOOLCHAIN.md says. A missing tool fails the test with the install line, never skips it.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

fn run(tool: &str, args: &[&str]) {
    let status = Command::new(tool).args(args).status().unwrap_or_else(|e| {
        panic!("{tool} is needed for the speech of this test ({e}): apt-get install espeak-ng sox")
    });
    assert!(status.success(), "{tool} {args:?} failed: {status}");
}

/// `text` spoken in Russian, 48 kHz mono, via a WAV in `dir`.
pub fn speech(dir: &Path, name: &str, text: &str) -> Vec<f32> {
    let raw = dir.join(format!("{name}-espeak.wav"));
    let wav = dir.join(format!("{name}.wav"));
    let (raw_s, wav_s) = (raw.to_string_lossy(), wav.to_string_lossy());
    run("espeak-ng", &["-v", "ru", "-w", &raw_s, text]);
    run(
        "sox",
        // Repeatable dither (`-R`): the same text gives the same samples on every run.
        &["-R", &raw_s, "-r", "48000", "-c", "1", "-b", "16", &wav_s],
    );
    linedesk_engine::wav::read(&wav).expect("the WAV sox wrote")
}

/// RMS of a stretch of samples.
pub fn rms(x: &[f32]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    (x.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
}
