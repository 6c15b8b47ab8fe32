//! The simulated echo path the echo tests and the `echo` bench share: speech from espeak-ng
//! and sox (Debian packages `espeak-ng`, `sox`; a missing tool fails with the install line),
//! the far end through an [`EchoPath`] into the microphone beside the near end's voice, and
//! a [`MicProcessor`] in between, 10 ms at a time as the engine runs it.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use linedesk_voice::processing::{CHUNK_SAMPLES, EchoPath, MicProcessor};

fn run(tool: &str, args: &[&str]) {
    let status = Command::new(tool).args(args).status().unwrap_or_else(|e| {
        panic!("{tool} is needed for the speech of this test ({e}): apt-get install espeak-ng sox")
    });
    assert!(status.success(), "{tool} {args:?} failed: {status}");
}

/// `text` spoken by espeak-ng's `voice`, 48 kHz mono, at -20 dBFS RMS.
pub fn speech(dir: &Path, name: &str, voice: &str, text: &str) -> Vec<f32> {
    let wav = dir.join(format!("{name}.wav"));
    let raw = dir.join(format!("{name}.f32"));
    let (wav_s, raw_s) = (wav.to_string_lossy(), raw.to_string_lossy());
    run("espeak-ng", &["-v", voice, "-s", "150", "-w", &wav_s, text]);
    run(
        "sox",
        // Repeatable dither (`-R`): the same text gives the same samples on every run.
        &[
            "-R",
            &wav_s,
            "-r",
            "48000",
            "-c",
            "1",
            "-e",
            "floating-point",
            "-b",
            "32",
            "-t",
            "raw",
            &raw_s,
        ],
    );
    let bytes = std::fs::read(&raw).expect("the samples sox wrote");
    let samples: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let rms = (samples.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>()
        / samples.len().max(1) as f64)
        .sqrt();
    let gain = (0.1 / rms.max(1e-9)) as f32;
    samples.into_iter().map(|s| s * gain).collect()
}

/// `samples` repeated (or cut) to `len`.
pub fn looped(samples: &[f32], len: usize) -> Vec<f32> {
    samples.iter().copied().cycle().take(len).collect()
}

pub const FAR_TEXT: &str = "Здравствуйте, вы позвонили в службу поддержки. Расскажите, пожалуйста, \
что случилось с вашим заказом, и назовите номер договора. Я проверю оплату и доставку, а потом \
перезвоню вам в течение часа.";
pub const NEAR_TEXT: &str = "Добрый день. Заказ пришёл неполный, не хватает двух коробок. \
Номер договора двадцать шесть, ноль ноль четыре, два один семь.";

/// One simulated stretch of a call, every signal sample-aligned at the microphone.
pub struct Run {
    /// The echo alone, as the microphone picks it up.
    pub echo: Vec<f32>,
    /// The near end's voice alone.
    pub near: Vec<f32>,
    /// What the microphone captured: echo plus near end.
    pub mic: Vec<f32>,
    /// What the processor let through.
    pub out: Vec<f32>,
    /// Time spent in the processor per 10 ms chunk (render plus capture), mean.
    pub per_chunk: Duration,
}

/// Play `far` through `path` into a microphone that also hears `near` (zero-padded to the
/// same length); at `jump`, the path's delay becomes `jump_to`.
pub fn simulate(
    processor: &mut dyn MicProcessor,
    path: &mut EchoPath,
    far: &[f32],
    near: &[f32],
    jump: Option<(Duration, Duration)>,
) -> Run {
    let chunks = far.len() / CHUNK_SAMPLES;
    let mut run = Run {
        echo: Vec::with_capacity(far.len()),
        near: Vec::with_capacity(far.len()),
        mic: Vec::with_capacity(far.len()),
        out: Vec::with_capacity(far.len()),
        per_chunk: Duration::ZERO,
    };
    let mut spent = Duration::ZERO;
    for i in 0..chunks {
        let at = Duration::from_millis(10 * i as u64);
        if let Some((when, to)) = jump
            && at == when
        {
            path.set_delay(to);
        }
        let range = i * CHUNK_SAMPLES..(i + 1) * CHUNK_SAMPLES;
        let far_chunk = &far[range.clone()];
        let echo = path.feed(far_chunk);
        let voice: Vec<f32> = (range.clone())
            .map(|n| near.get(n).copied().unwrap_or(0.0))
            .collect();
        let mut mic: Vec<f32> = echo.iter().zip(&voice).map(|(e, v)| e + v).collect();
        run.mic.extend_from_slice(&mic);
        let started = std::time::Instant::now();
        processor.analyze_render(far_chunk).expect("render");
        processor.process_capture(&mut mic).expect("capture");
        spent += started.elapsed();
        run.out.extend_from_slice(&mic);
        run.echo.extend_from_slice(&echo);
        run.near.extend_from_slice(&voice);
    }
    run.per_chunk = spent / u32::try_from(chunks.max(1)).unwrap_or(u32::MAX);
    run
}

/// `near` through a processor of `stages` with nothing from the far end: what the output
/// would be without any echo. The double-talk figures compare against this, not the raw
/// voice, so that the processing's delay and what noise suppression and gain control do to
/// a voice alone do not count as the echo canceller's damage.
pub fn without_echo(stages: linedesk_voice::processing::Stages, near: &[f32]) -> Vec<f32> {
    let mut p = linedesk_voice::processing::WebRtcProcessor::new(stages);
    let mut silent = EchoPath::new(Duration::ZERO, -200.0, 0);
    let far = vec![0.0; near.len() / CHUNK_SAMPLES * CHUNK_SAMPLES];
    simulate(&mut p, &mut silent, &far, near, None).out
}

/// Samples in `d`.
pub fn at(d: Duration) -> usize {
    (d.as_secs_f64() * 48_000.0) as usize
}
