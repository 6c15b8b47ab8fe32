//! The microphone path alone on a recording: what the specialist's voice becomes through the
//! stages asked, 20 ms at a time as the engine runs it, with a far end (silent by default)
//! as the echo reference. Raw 48 kHz mono 16-bit little-endian in and out (sox converts):
//!
//! ```sh
//! sox talk.wav -r 48000 -c 1 -b 16 -t raw talk.raw
//! cargo run --release -p linedesk-voice --example mic_path -- talk.raw out.raw eng [far.raw]
//! sox -t raw -r 48000 -e signed -b 16 -c 1 out.raw out.wav
//! $CARGO_TARGET_DIR/pesq-venv/bin/python crates/engine/bench/pesq_score.py talk.wav out.wav
//! ```
//!
//! Stages: any of `e` (echo canceller), `n` (noise suppression), `g` (gain control); `-`
//! for none. With `DELAY_MS:LEVEL_DB` after the far end, the microphone also hears the far end
//! through a simulated echo path ([`EchoPath`]: that delay, a room's tail, that level), so
//! `out.raw` scored against the clean `talk.wav` is double talk over an echo.
//! BENCHMARKS.md has the figures.

use std::time::Duration;

use linedesk_voice::processing::{EchoPath, MicProcessor, Stages, WebRtcProcessor};

/// One engine frame: 20 ms at 48 kHz.
const FRAME: usize = 960;

fn read(path: &str) -> Vec<f32> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    bytes
        .chunks_exact(2)
        .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [near, out, stages, rest @ ..] = args.as_slice() else {
        eprintln!(
            "usage: mic_path NEAR.raw OUT.raw STAGES(e,n,g or -) [FAR.raw [DELAY_MS:LEVEL_DB]]"
        );
        std::process::exit(2);
    };
    let near = read(near);
    let far = rest.first().map(|p| read(p)).unwrap_or_default();
    let mut echo = rest.get(1).map(|spec| {
        let (delay, level) = spec
            .split_once(':')
            .and_then(|(d, l)| Some((d.parse::<u64>().ok()?, l.parse::<f64>().ok()?)))
            .unwrap_or_else(|| panic!("{spec}: DELAY_MS:LEVEL_DB expected"));
        EchoPath::new(Duration::from_millis(delay), level, delay)
    });
    let stages = Stages {
        echo_cancellation: stages.contains('e'),
        noise_suppression: stages.contains('n'),
        gain_control: stages.contains('g'),
    };
    let mut processor = WebRtcProcessor::new(stages);
    // What a headset's buffering typically says; AEC3 finds the true delay itself.
    processor.set_stream_delay(Duration::from_millis(40));
    let mut processed = Vec::with_capacity(near.len());
    let mut reference = [0.0f32; FRAME];
    let started = std::time::Instant::now();
    for (i, frame) in near.chunks_exact(FRAME).enumerate() {
        for (k, s) in reference.iter_mut().enumerate() {
            *s = far.get(i * FRAME + k).copied().unwrap_or(0.0);
        }
        processor.analyze_render(&reference).expect("a whole frame");
        let mut frame = frame.to_vec();
        if let Some(path) = &mut echo {
            for (s, e) in frame.iter_mut().zip(path.feed(&reference)) {
                *s += e;
            }
        }
        processor
            .process_capture(&mut frame)
            .expect("a whole frame");
        processed.extend(frame);
    }
    let frames = (near.len() / FRAME).max(1);
    eprintln!(
        "{stages:?}: {:.0} µs per 20 ms frame",
        started.elapsed().as_secs_f64() * 1e6 / frames as f64
    );
    let bytes: Vec<u8> = processed
        .iter()
        .flat_map(|s| ((s.clamp(-1.0, 1.0) * 32767.0) as i16).to_le_bytes())
        .collect();
    std::fs::write(out, bytes).unwrap_or_else(|e| panic!("{out}: {e}"));
}
