//! Playing a recording back: 20 ms mono frames (both parties mixed) that are exactly what
//! the recording decodes to, from the start or from any position after a seek.

use std::f32::consts::PI;
use std::io::Cursor;
use std::time::Duration;

use linedesk_voice::codec::{FRAME_SAMPLES, Frame};
use linedesk_voice::playback::Playback;
use linedesk_voice::recording::{self, Recorder};

fn tone(freq: f32, frame: usize, amplitude: f32) -> Frame {
    let mut f = [0.0; FRAME_SAMPLES];
    for (i, s) in f.iter_mut().enumerate() {
        let t = (frame * FRAME_SAMPLES + i) as f32 / 48_000.0;
        *s = amplitude * (2.0 * PI * freq * t).sin();
    }
    f
}

/// Three seconds: the specialist at 440 Hz, the client at 660 Hz, louder as time goes.
fn three_seconds() -> Vec<u8> {
    let mut rec = Recorder::new(Vec::new()).expect("recorder");
    for k in 0..150 {
        let a = 0.1 + 0.002 * k as f32;
        rec.write(Some(&tone(440.0, k, a)), Some(&tone(660.0, k, a)))
            .expect("write");
    }
    rec.finish().expect("finish")
}

fn mixed(bytes: &[u8]) -> Vec<f32> {
    let d = recording::decode(Cursor::new(bytes.to_vec())).expect("decode");
    d.specialist
        .iter()
        .zip(&d.client)
        .map(|(a, b)| (a + b).clamp(-1.0, 1.0))
        .collect()
}

fn play_all(p: &mut Playback) -> Vec<f32> {
    let mut out = Vec::new();
    while let Some(frame) = p.next_frame().expect("frame") {
        out.extend_from_slice(&frame);
    }
    out
}

#[test]
fn frames_are_the_recording_mixed_to_mono() {
    let bytes = three_seconds();
    let want = mixed(&bytes);
    let mut p = Playback::open(bytes).expect("open");
    assert_eq!(p.duration(), Duration::from_secs(3));
    let got = play_all(&mut p);
    assert!(p.ended());
    assert_eq!(p.position(), Duration::from_secs(3));
    assert_eq!(got.len(), want.len());
    assert_eq!(got, want, "sample for sample");
}

#[test]
fn a_seek_lands_on_its_position_and_plays_what_is_there() {
    let bytes = three_seconds();
    let want = mixed(&bytes);
    let mut p = Playback::open(bytes).expect("open");
    for at_ms in [0u64, 7, 1370, 2000, 2990] {
        p.seek(Duration::from_millis(at_ms)).expect("seek");
        assert_eq!(p.position(), Duration::from_millis(at_ms));
        let got = play_all(&mut p);
        let from = (at_ms * 48) as usize;
        let expected = &want[from..];
        // Whole frames: the last one padded with silence.
        assert_eq!(
            got.len(),
            expected.len().div_ceil(FRAME_SAMPLES) * FRAME_SAMPLES,
            "seek to {at_ms} ms"
        );
        assert!(got[expected.len()..].iter().all(|&s| s == 0.0));
        let got = &got[..expected.len()];
        // The decoder restarts 80 ms before the target: close to, if not bit for bit, the
        // straight decode; and in step with it (2.5 ms off would be noise as loud as the tone).
        let snr = |expected: &[f32], got: &[f32]| {
            let noise: f32 = got.iter().zip(expected).map(|(a, b)| (a - b).powi(2)).sum();
            let signal: f32 = expected.iter().map(|x| x * x).sum();
            10.0 * (signal / noise.max(1e-12)).log10()
        };
        let aligned = snr(expected, got);
        assert!(aligned > 20.0, "seek to {at_ms} ms: SNR {aligned:.1} dB");
        if expected.len() > 120 {
            let off = snr(&expected[120..], got);
            assert!(
                off < 6.0,
                "seek to {at_ms} ms: 2.5 ms off gives {off:.1} dB"
            );
        }
    }
    // Past the end: the end.
    p.seek(Duration::from_secs(60)).expect("seek");
    assert!(p.ended());
    assert_eq!(p.next_frame().expect("frame"), None);
}

#[test]
fn what_is_not_a_recording_is_refused() {
    for bytes in [Vec::new(), b"OggS not really".to_vec()] {
        assert!(Playback::open(bytes).is_err());
    }
}
