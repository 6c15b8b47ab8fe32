//! The ringtone through the real cpal/ALSA path on two file devices at once (no sound card
//! needed): the headset (a saved output) and the computer's speaker (the default output) both
//! receive the ring, and once the ringer stops neither file grows. As in `alsa_file.rs`, the
//! `null` slave has no clock (audio runs faster than real time), so this checks the device
//! path, not timing; the test re-runs itself in a child with `ALSA_CONFIG_PATH` set.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use linedesk_audio::backend::Backend;
use linedesk_audio::ringtone::{RING_AMPLITUDE, RING_TONES_HZ};
use linedesk_audio::{CpalBackend, DeviceChoice, Direction, Ringer};

const NAME: &str = "the_ring_reaches_the_headset_and_the_speaker_and_stops";

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// Power of `samples` at `hz` (Goertzel), normalised to the block's length.
fn power_at(samples: &[f32], hz: f32, rate: f32) -> f32 {
    let k = 2.0 * (std::f32::consts::TAU * hz / rate).cos();
    let (mut s1, mut s2) = (0.0f32, 0.0f32);
    for &x in samples {
        let s0 = x + k * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    (s1 * s1 + s2 * s2 - k * s1 * s2) / (samples.len() as f32).powi(2)
}

#[test]
fn the_ring_reaches_the_headset_and_the_speaker_and_stops() {
    let Some(dir) = std::env::var_os(common::CHILD) else {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("asound.conf");
        common::run_in_child(
            NAME,
            dir.path(),
            &[("ALSA_CONFIG_PATH", config.as_os_str())],
        );
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let (speaker, headset) = (dir.join("speaker.raw"), dir.join("headset.raw"));
    let config = format!(
        r#"</usr/share/alsa/alsa.conf>
pcm.!default {{
    type file
    slave.pcm "null"
    file "{speaker}"
    format "raw"
}}
pcm.headset {{
    type file
    slave.pcm "null"
    file "{headset}"
    format "raw"
    hint {{ show on description "Linedesk test headset" }}
}}
"#,
        speaker = speaker.display(),
        headset = headset.display(),
    );
    std::fs::write(dir.join("asound.conf"), config).expect("write config");

    let ringer = Ringer::start(
        &CpalBackend,
        &[DeviceChoice::Saved("headset".into()), DeviceChoice::Default],
    )
    .expect("rings");
    println!("{ringer:?}");
    assert_eq!(ringer.playing_on().len(), 2, "{ringer:?}");
    // A whole cycle (3 s of audio) on each file.
    let deadline = Instant::now() + Duration::from_secs(20);
    let cycle_bytes = 3 * 48_000 * 2 * 4;
    while (size(&speaker) < cycle_bytes || size(&headset) < cycle_bytes)
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    ringer.stop();
    // Let the device threads notice, then the files must stay as they are.
    std::thread::sleep(Duration::from_millis(300));
    let stopped = (size(&speaker), size(&headset));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        (size(&speaker), size(&headset)),
        stopped,
        "nothing is played once the ringer stopped"
    );

    for (id, file) in [("default", &speaker), ("headset", &headset)] {
        let format = CpalBackend
            .format(Direction::Output, id)
            .expect("the device's format");
        let played = common::read_raw_mono(
            &std::fs::read(file).expect("played file"),
            &format.sample_format,
            format.channels,
        );
        let rate = format.rate as f32;
        let start = played
            .iter()
            .position(|s| s.abs() > 0.01)
            .expect("the ring is in the file");
        let burst = &played[start + 480..start + (rate * 0.35) as usize];
        let pause = &played[start + (rate * 1.1) as usize..start + (rate * 2.9) as usize];
        let (at_440, at_480, off) = (
            power_at(burst, RING_TONES_HZ[0], rate),
            power_at(burst, RING_TONES_HZ[1], rate),
            power_at(burst, 1000.0, rate),
        );
        println!(
            "{id} at {format:?}: {} s of audio, burst rms {:.3}, pause rms {:.4}, power 440/480/1000 Hz {at_440:.2e}/{at_480:.2e}/{off:.2e}",
            played.len() as f32 / rate,
            common::rms(burst),
            common::rms(pause)
        );
        assert!(
            common::rms(burst) > RING_AMPLITUDE / 4.0,
            "{id}: the ring is too quiet"
        );
        assert!(common::rms(pause) < 0.001, "{id}: the pause is not silent");
        assert!(
            at_440 > 100.0 * off && at_480 > 100.0 * off,
            "{id}: not the ring's two tones"
        );
    }
}
