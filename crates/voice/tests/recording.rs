//! Call recordings: a two-channel Ogg Opus file that decodes back to what was fed, and that
//! survives being cut at any byte (a crash) losing at most about a second.

use std::f32::consts::PI;
use std::io::Cursor;
use std::time::Duration;

use linedesk_voice::codec::{FRAME_SAMPLES, Frame};
use linedesk_voice::netsim::Rng;
use linedesk_voice::recording::{self, Recorder};

fn tone(freq: f32, frame: usize) -> Frame {
    let mut f = [0.0; FRAME_SAMPLES];
    for (i, s) in f.iter_mut().enumerate() {
        let t = (frame * FRAME_SAMPLES + i) as f32 / 48_000.0;
        *s = 0.4 * (2.0 * PI * freq * t).sin();
    }
    f
}

/// Power of `signal` at `freq` (Goertzel), normalised per sample.
fn power_at(signal: &[f32], freq: f32) -> f32 {
    let w = 2.0 * PI * freq / 48_000.0;
    let (mut s1, mut s2) = (0.0f32, 0.0f32);
    for &x in signal {
        let s0 = x + 2.0 * w.cos() * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    (s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2) / (signal.len() as f32).powi(2)
}

/// Five seconds: 440 Hz from the specialist, 880 Hz from the client. Returns the file bytes
/// and the file's length after each frame was written.
fn five_seconds() -> (Vec<u8>, Vec<usize>) {
    let mut rec = Recorder::new(Vec::new()).expect("recording");
    let mut sizes = Vec::new();
    for k in 0..250 {
        rec.write(Some(&tone(440.0, k)), Some(&tone(880.0, k)))
            .expect("recording");
        sizes.push(rec.get_ref().len());
    }
    assert_eq!(rec.duration(), Duration::from_secs(5));
    (rec.finish().expect("recording"), sizes)
}

#[test]
fn five_seconds_decode_to_five_seconds_with_each_side_on_its_channel() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("call.opus");
    let mut rec = Recorder::create(&path).unwrap();
    for k in 0..250 {
        rec.write(Some(&tone(440.0, k)), Some(&tone(880.0, k)))
            .unwrap();
    }
    rec.finish().unwrap();

    let d = recording::read(&path).unwrap();
    assert!(d.complete);
    let error = d.duration.as_secs_f64() - 5.0;
    assert!(error.abs() <= 0.020, "duration {:?}", d.duration);
    assert_eq!(d.specialist.len(), d.client.len());
    let (a, b) = (&d.specialist[4800..], &d.client[4800..]);
    let (a440, a880) = (power_at(a, 440.0), power_at(a, 880.0));
    let (b440, b880) = (power_at(b, 440.0), power_at(b, 880.0));
    // A 0.4 sine has power 0.04 at its frequency; the other channel's tone must not leak.
    assert!(
        a440 > 0.02 && a880 < a440 / 1000.0,
        "specialist: 440 {a440}, 880 {a880}"
    );
    assert!(
        b880 > 0.02 && b440 < b880 / 1000.0,
        "client: 440 {b440}, 880 {b880}"
    );
}

#[test]
fn a_silent_side_stays_silent() {
    let mut rec = Recorder::new(Vec::new()).unwrap();
    for k in 0..100 {
        let client = (k % 2 == 0).then(|| tone(300.0, k));
        rec.write(None, client.as_ref().map(|f| f.as_slice()))
            .unwrap();
    }
    let d = recording::decode(Cursor::new(rec.finish().unwrap())).unwrap();
    let rms = |s: &[f32]| (s.iter().map(|x| x * x).sum::<f32>() / s.len() as f32).sqrt();
    assert!(
        rms(&d.specialist) < 0.001,
        "specialist rms {}",
        rms(&d.specialist)
    );
    assert!(rms(&d.client) > 0.1, "client rms {}", rms(&d.client));
    assert!(recording::decode(Cursor::new(b"not ogg".to_vec())).is_err());
}

#[test]
fn a_file_cut_at_any_byte_decodes_up_to_about_a_second_before_the_cut() {
    let (bytes, sizes) = five_seconds();
    let mut rng = Rng::new(42);
    let mut cuts: Vec<usize> = (0..40)
        .map(|_| (rng.next_u64() % bytes.len() as u64) as usize)
        .collect();
    cuts.extend([0, 1, 27, bytes.len() - 1]);
    for cut in cuts {
        // The writer had been fed `fed` frames when the file was still no longer than `cut`.
        let fed = sizes.iter().take_while(|&&len| len <= cut).count();
        let lost_at_most = 1.0;
        match recording::decode(Cursor::new(bytes[..cut].to_vec())) {
            Ok(d) => {
                assert!(!d.complete, "cut {cut}");
                let kept = d.duration.as_secs_f64();
                let fed = fed as f64 * 0.02;
                assert!(
                    kept >= fed - lost_at_most,
                    "cut at byte {cut}: fed {fed} s, decoded {kept} s"
                );
                assert!(
                    kept <= fed + 0.02,
                    "cut at byte {cut}: fed {fed} s, decoded {kept} s"
                );
            }
            // Only a cut inside the headers makes the file unreadable.
            Err(e) => assert!(fed == 0, "cut at byte {cut} after {fed} frames: {e}"),
        }
    }
}
