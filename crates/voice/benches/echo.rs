//! The microphone path on a simulated echo path, figures printed (BENCHMARKS.md):
//! `cargo bench -p linedesk-voice --bench echo` (release).
//!
//! Far-end speech (espeak-ng, looped) through an [`EchoPath`] (delay, a room's impulse
//! response with a decaying tail, a level) into a microphone; per delay and level:
//! - single talk: ERLE over 2-10 s, and when the ERLE first held 20 and 30 dB in every
//!   250 ms window with an audible echo from then on;
//! - double talk (the near end talks from 4 s): correlation and SI-SDR of the output with the
//!   near-end voice as the same processing gives it without any echo (see `without_echo`),
//!   against those of the unprocessed microphone with the clean voice; and how much of the
//!   echo is left in it (its correlation with the echo alone, likewise processed);
//! - a 150 ms jump of the delay at 5 s: ERLE over 7-12 s and when it held 20 dB again;
//! - CPU: mean time in the processor per 10 ms chunk (render + capture), echo canceller
//!   alone and all stages; and the latency the processing adds to the microphone path.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Duration;

use common::{FAR_TEXT, NEAR_TEXT, at, looped, simulate, speech, without_echo};
use linedesk_voice::processing::measure::{converged_after, correlation, erle_db, si_sdr_db};
use linedesk_voice::processing::{CHUNK_SAMPLES, EchoPath, MicProcessor, Stages, WebRtcProcessor};

const WINDOW: Duration = Duration::from_millis(250);
const LAG: usize = 96;

fn ms(d: Option<Duration>) -> String {
    d.map_or("never".into(), |d| format!("{} ms", d.as_millis()))
}

fn main() {
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wants = |section: &str| only.is_empty() || only.iter().any(|o| o == section);
    let dir = tempfile::tempdir().expect("temp dir");
    let far_voice = speech(dir.path(), "far", "ru+f3", FAR_TEXT);
    let near_voice = speech(dir.path(), "near", "ru", NEAR_TEXT);
    let secs = |s: u64| Duration::from_secs(s);
    let far = looped(&far_voice, at(secs(12)));
    let mut near = vec![0.0; at(secs(4))];
    near.extend_from_slice(&near_voice);
    let talk = at(secs(4))..(at(secs(4)) + near_voice.len()).min(far.len());
    let reference = without_echo(Stages::ECHO_ONLY, &near);
    let reference_all = without_echo(Stages::ALL, &near);

    if wants("talk") {
        talking(&far, &near, &reference, talk.clone());
    }
    if wants("noecho") {
        no_echo(&far, &near_voice);
    }
    if wants("jump") {
        jump(&far);
    }
    if wants("cpu") {
        cpu(&far, &near, &reference_all, talk);
    }
}

fn talking(far: &[f32], near: &[f32], reference: &[f32], talk: std::ops::Range<usize>) {
    let secs = |s: u64| Duration::from_secs(s);
    println!("single talk (far end only), echo canceller alone; double talk from 4 s");
    println!(
        "{:>6} {:>6} | {:>9} {:>10} {:>10} {:>9} | {:>10} {:>14} {:>16} {:>15}",
        "delay",
        "level",
        "ERLE 2-10s",
        "20 dB by",
        "30 dB by",
        "AEC delay",
        "DT clean",
        "DT corr (mic)",
        "DT SI-SDR (mic)",
        "DT echo (mic)"
    );
    for delay in [30u64, 60, 120, 250] {
        for level in [-6.0, -12.0, -20.0] {
            let path = || EchoPath::new(Duration::from_millis(delay), level, delay);
            let mut p = WebRtcProcessor::new(Stages::ECHO_ONLY);
            let single = simulate(&mut p, &mut path(), &far[..at(secs(10))], &[], None);
            let from = at(secs(2));
            let erle = erle_db(&single.echo[from..], &single.out[from..]);
            let by20 = converged_after(&single.echo, &single.out, WINDOW, 20.0);
            let by30 = converged_after(&single.echo, &single.out, WINDOW, 30.0);
            let found = p.estimates().delay;

            let mut p = WebRtcProcessor::new(Stages::ECHO_ONLY);
            let double = simulate(&mut p, &mut path(), far, near, None);
            let clean = &double.near[talk.clone()];
            let processed = &reference[talk.clone()];
            let out = &double.out[talk.clone()];
            let mic = &double.mic[talk.clone()];
            let echo_alone = without_echo(Stages::ECHO_ONLY, &double.echo);
            println!(
                "{:>4}ms {:>4}dB | {:>7.1}dB {:>10} {:>10} {:>9} | {:>10.3} {:>5.3} ({:>5.3}) {:>6.1} ({:>5.1}) dB {:>5.3} ({:>5.3})",
                delay,
                level,
                erle,
                ms(by20),
                ms(by30),
                ms(found),
                correlation(clean, out, CLEAN_LAG).0,
                correlation(processed, out, LAG).0,
                correlation(clean, mic, LAG).0,
                si_sdr_db(processed, out, LAG),
                si_sdr_db(clean, mic, LAG),
                correlation(&echo_alone[talk.clone()], out, LAG).0,
                correlation(&double.echo[talk.clone()], mic, LAG).0,
            );
        }
    }
}

fn jump(far: &[f32]) {
    let secs = |s: u64| Duration::from_secs(s);
    println!("\ndelay jump of 150 ms at 5 s (Bluetooth-like), far end only, echo canceller alone");
    println!(
        "{:>12} {:>6} | {:>12} {:>14} {:>12}",
        "delay", "level", "ERLE 2-5s", "ERLE 7-12s", "20 dB again"
    );
    for (delay, level) in [(30u64, -6.0), (80, -12.0), (100, -20.0)] {
        let mut p = WebRtcProcessor::new(Stages::ECHO_ONLY);
        let mut path = EchoPath::new(Duration::from_millis(delay), level, 9);
        let jump = Duration::from_millis(delay + 150);
        let run = simulate(&mut p, &mut path, far, &[], Some((secs(5), jump)));
        let (a, b) = (at(secs(5)), at(secs(7)));
        let after = converged_after(&run.echo[a..], &run.out[a..], WINDOW, 20.0);
        println!(
            "{:>4}->{:>4}ms {:>4}dB | {:>10.1}dB {:>12.1}dB {:>12}",
            delay,
            delay + 150,
            level,
            erle_db(&run.echo[at(secs(2))..a], &run.out[at(secs(2))..a]),
            erle_db(&run.echo[b..], &run.out[b..]),
            ms(after),
        );
    }
}

fn cpu(far: &[f32], near: &[f32], reference_all: &[f32], talk: std::ops::Range<usize>) {
    let secs = |s: u64| Duration::from_secs(s);
    // Latency the processing adds: the lag of white noise through it (nothing from the far end).
    let mut seed = 1u64;
    let noise: Vec<f32> = (0..at(secs(2)))
        .map(|_| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((seed >> 33) as f32 / (1u64 << 31) as f32 - 0.5) * 0.1
        })
        .collect();
    for (name, stages) in [
        ("echo canceller alone", Stages::ECHO_ONLY),
        ("all stages", Stages::ALL),
    ] {
        let through = without_echo(stages, &noise);
        let from = at(secs(1));
        let (_, lag) = correlation(&noise[from..], &through[from..], 960);
        println!(
            "latency added, {name}: {lag} samples = {:.1} ms",
            lag as f64 / 48.0
        );
    }

    // Double talk at 120 ms, -12 dB. Wall time is the machine's load as much as ours, so the
    // processor's own time on the CPU is measured too: the microphone signal of one run fed
    // again to a fresh processor, the thread's run time (`/proc/thread-self/schedstat`) before
    // and after, three runs each.
    let per_chunk = |stages: Stages| {
        let mut p = WebRtcProcessor::new(stages);
        let mut path = EchoPath::new(Duration::from_millis(120), -12.0, 5);
        let run = simulate(&mut p, &mut path, far, near, None);
        let chunks = run.mic.len() / CHUNK_SAMPLES;
        let mut spent = Vec::new();
        for _ in 0..3 {
            let mut p = WebRtcProcessor::new(stages);
            let mut mic = run.mic.clone();
            let Some(before) = cpu_time() else { break };
            for (far, mic) in far
                .chunks_exact(CHUNK_SAMPLES)
                .zip(mic.chunks_exact_mut(CHUNK_SAMPLES))
            {
                p.analyze_render(far).expect("render");
                p.process_capture(mic).expect("capture");
            }
            if let Some(after) = cpu_time() {
                spent.push(after.saturating_sub(before) / u32::try_from(chunks).unwrap_or(1));
            }
        }
        let cpu = spent.iter().sum::<Duration>() / u32::try_from(spent.len().max(1)).unwrap_or(1);
        (run.per_chunk, cpu, run)
    };
    let (echo_wall, echo_cpu, _) = per_chunk(Stages::ECHO_ONLY);
    let (all_wall, all_cpu, run) = per_chunk(Stages::ALL);
    println!(
        "\nper 10 ms chunk (render + capture, 48 kHz mono), CPU time (wall time in brackets): \
         echo canceller alone {:.0} µs ({:.0} µs), all stages {:.0} µs ({:.0} µs); a call runs \
         100 chunks a second: {:.1} % and {:.1} % of one core",
        echo_cpu.as_secs_f64() * 1e6,
        echo_wall.as_secs_f64() * 1e6,
        all_cpu.as_secs_f64() * 1e6,
        all_wall.as_secs_f64() * 1e6,
        echo_cpu.as_secs_f64() * 1e4,
        all_cpu.as_secs_f64() * 1e4,
    );
    let clean = &reference_all[talk.clone()];
    println!(
        "all stages, 120 ms -12 dB: ERLE 2-4 s {:.1} dB, double talk corr {:.3} SI-SDR {:.1} dB",
        erle_db(
            &run.echo[at(secs(2))..at(secs(4))],
            &run.out[at(secs(2))..at(secs(4))]
        ),
        correlation(clean, &run.out[talk.clone()], LAG).0,
        si_sdr_db(clean, &run.out[talk], LAG),
    );
}

/// Lags searched against the clean near end: the echo canceller's own delay (about 9 ms)
/// and some.
const CLEAN_LAG: usize = 720;

/// With no echo at all (a headset), what the echo canceller alone does to the near end:
/// correlation of the output with the clean voice (whole and the worst second) and the
/// level change, with the far end silent, talking throughout, and the near end starting
/// 4 s into the far end's speech.
fn no_echo(far: &[f32], near_voice: &[f32]) {
    println!(
        "\nno echo at all (a headset), echo canceller alone: output against the clean near end"
    );
    println!(
        "{:>34} | {:>6} {:>12} {:>10}",
        "far end", "corr", "worst second", "level"
    );
    let second = at(Duration::from_secs(1));
    for (name, start, far_on) in [
        ("silent", 0, false),
        ("talking from the start", 0, true),
        ("talking, near end from 4 s", 4, true),
    ] {
        let mut near = vec![0.0; at(Duration::from_secs(start))];
        near.extend_from_slice(near_voice);
        let len = (near.len() / CHUNK_SAMPLES) * CHUNK_SAMPLES;
        let far: Vec<f32> = if far_on {
            looped(far, len)
        } else {
            vec![0.0; len]
        };
        let mut p = WebRtcProcessor::new(Stages::ECHO_ONLY);
        let mut silent = EchoPath::new(Duration::ZERO, -200.0, 0);
        let run = simulate(&mut p, &mut silent, &far, &near[..len], None);
        let talk = at(Duration::from_secs(start))..len;
        let clean = &run.near[talk.clone()];
        let (rho, lag) = correlation(clean, &run.out[talk.clone()], CLEAN_LAG);
        let worst = clean
            .chunks_exact(second)
            .enumerate()
            .filter_map(|(i, s)| {
                let from = talk.start + i * second + lag;
                run.out
                    .get(from..from + second)
                    .map(|o| correlation(s, o, 0).0)
            })
            .fold(1.0f64, f64::min);
        let out = &run.out[talk.start + lag..];
        let level = erle_db(&clean[..out.len()], out);
        println!("{name:>34} | {rho:>6.3} {worst:>12.3} {:>8.1}dB", -level);
    }
}

/// This thread's time on a CPU so far (Linux: the first field of its schedstat, in ns).
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}
