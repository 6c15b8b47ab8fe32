//! Costs of the voice engine's per-call work. Figures are per 1 s of audio (50 frames) unless
//! named otherwise; divide by 1 s for the share of one core one call direction needs.

use std::f32::consts::PI;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use linedesk_voice::codec::{CodecConfig, Decoder, Encoder, FRAME_SAMPLES, Frame};
use linedesk_voice::jitter::{JitterBuffer, JitterConfig};
use linedesk_voice::netsim::Rng;
use linedesk_voice::recording::Recorder;

/// One second of speech-like audio: a 120-220 Hz voiced fundamental with harmonics, amplitude-
/// modulated at a syllable rate of 4 Hz, plus a little noise, with a 200 ms pause.
fn speech_like() -> Vec<Frame> {
    let mut rng = Rng::new(9);
    (0..50)
        .map(|k| {
            let mut f = [0.0; FRAME_SAMPLES];
            for (i, s) in f.iter_mut().enumerate() {
                let t = (k * FRAME_SAMPLES + i) as f32 / 48_000.0;
                let f0 = 170.0 + 50.0 * (2.0 * PI * 0.7 * t).sin();
                let voiced: f32 = (1..8)
                    .map(|h| (2.0 * PI * f0 * h as f32 * t).sin() / h as f32)
                    .sum();
                let envelope = if k >= 40 {
                    0.0
                } else {
                    (0.5 + 0.5 * (2.0 * PI * 4.0 * t).sin()).powi(2)
                };
                let noise = (rng.next_f64() as f32 - 0.5) * 0.01;
                *s = 0.2 * envelope * voiced + noise;
            }
            f
        })
        .collect()
}

fn codec(c: &mut Criterion) {
    let audio = speech_like();
    let mut enc = Encoder::new(&CodecConfig::default()).expect("bench");
    let mut dec = Decoder::new().expect("bench");
    c.bench_function("opus encode 1 s", |b| {
        b.iter(|| {
            for f in &audio {
                black_box(enc.encode(f).expect("bench"));
            }
        })
    });
    let packets: Vec<Vec<u8>> = audio
        .iter()
        .map(|f| enc.encode(f).expect("bench"))
        .collect();
    c.bench_function("opus decode 1 s", |b| {
        b.iter(|| {
            for p in &packets {
                black_box(dec.decode(Some(p)).expect("bench"));
            }
        })
    });
    c.bench_function("opus encode+decode 1 s", |b| {
        b.iter(|| {
            for f in &audio {
                let p = enc.encode(f).expect("bench");
                black_box(dec.decode(Some(&p)).expect("bench"));
            }
        })
    });
}

fn jitter(c: &mut Criterion) {
    // 1 s of packets with up to 40 ms of jitter, pushed and popped.
    let mut rng = Rng::new(5);
    let arrivals: Vec<Duration> = (0..50u32)
        .map(|k| Duration::from_millis(20) * k + rng.duration(Duration::from_millis(40)))
        .collect();
    c.bench_function("jitter push+pop 1 s (50 packets)", |b| {
        let mut jb = JitterBuffer::new(JitterConfig::default());
        let mut base = Duration::ZERO;
        let mut seq = 0u16;
        b.iter(|| {
            for (k, at) in arrivals.iter().enumerate() {
                jb.push(seq, u32::from(seq).wrapping_mul(960), k, base + *at);
                seq = seq.wrapping_add(1);
                black_box(jb.pop(base + Duration::from_millis(20) * k as u32));
            }
            base += Duration::from_secs(1);
        })
    });
}

fn recording(c: &mut Criterion) {
    let audio = speech_like();
    c.bench_function("recording write 1 s (two channels)", |b| {
        let mut rec = Recorder::new(std::io::sink()).expect("bench");
        b.iter(|| {
            for (i, f) in audio.iter().enumerate() {
                rec.write(Some(f), Some(&audio[(i + 25) % 50]))
                    .expect("bench");
            }
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(4));
    targets = codec, jitter, recording
}
criterion_main!(benches);
