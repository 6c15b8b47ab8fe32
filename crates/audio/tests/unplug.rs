//! A headset whose devices fail mid-call, through the test backend: the call's audio goes on
//! through the default device, then through nothing (lost), then through the headset again.

use std::sync::Arc;
use std::time::Duration;

use linedesk_audio::{
    AudioIo, DeviceChoice, DeviceEvent, Direction, FRAME_SAMPLES, Headset, HeadsetConfig,
    TestBackend, TestDevice,
};

fn device(id: &str, direction: Direction, rate: u32, channels: u16, tone_hz: f32) -> TestDevice {
    TestDevice {
        id: id.to_owned(),
        direction,
        rate,
        channels,
        tone_hz,
    }
}

/// Frequency of a sine from its zero crossings.
fn hz(samples: &[f32], rate: f32) -> f32 {
    let crossings = samples
        .windows(2)
        .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
        .count();
    crossings as f32 / 2.0 / (samples.len() as f32 / rate)
}

/// Run the backend and the engine side by side for `ms`, every 20 ms; the frames read.
fn call(backend: &TestBackend, headset: &mut Headset, ms: u64) -> Vec<f32> {
    let mut heard = Vec::new();
    let speech = [0.1f32; FRAME_SAMPLES];
    for _ in 0..ms / 20 {
        backend.run(Duration::from_millis(20));
        while let Some(frame) = headset.read_frame() {
            heard.extend_from_slice(&frame);
        }
        headset.write_frame(&speech);
    }
    heard
}

#[test]
fn unplugged_headset_switches_to_the_default_then_is_lost_then_comes_back() {
    let backend = TestBackend::new();
    backend.add(device("usb-mic", Direction::Input, 44_100, 2, 440.0), false);
    backend.add(
        device("laptop-mic", Direction::Input, 48_000, 1, 880.0),
        true,
    );
    backend.add(
        device("usb-speaker", Direction::Output, 44_100, 2, 0.0),
        false,
    );
    backend.add(
        device("laptop-speaker", Direction::Output, 48_000, 2, 0.0),
        true,
    );
    let config = HeadsetConfig {
        retry_every: Duration::from_millis(50),
        ..HeadsetConfig::default()
    };
    let mut headset = Headset::open_with(
        Arc::new(backend.clone()),
        DeviceChoice::Saved("usb-mic".into()),
        DeviceChoice::Saved("usb-speaker".into()),
        config,
    )
    .expect("headset opens");
    let levels = headset.levels();
    assert!(headset.poll_events().is_empty(), "the saved devices opened");

    // Half a second on the headset: its microphone's 440 Hz, resampled from 44.1 kHz stereo.
    let heard = call(&backend, &mut headset, 500);
    assert!(heard.len() >= 20 * FRAME_SAMPLES, "{} samples", heard.len());
    let f = hz(&heard[FRAME_SAMPLES..], 48_000.0);
    assert!((f - 440.0).abs() < 5.0, "{f} Hz on the headset");
    assert!(
        levels.borrow().input.rms_dbfs > -12.0,
        "{:?}",
        *levels.borrow()
    );
    assert!(!backend.played("usb-speaker").is_empty());

    // Unplug the headset mid-call: both directions move to the laptop, the call goes on.
    backend.unplug("usb-mic");
    backend.unplug("usb-speaker");
    let heard = call(&backend, &mut headset, 500);
    let events = headset.poll_events();
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(
        events.iter().any(|e| matches!(e,
        DeviceEvent::Switched { direction: Direction::Input, from, to, .. }
            if from == "usb-mic" && to == "laptop-mic")),
        "{events:?}"
    );
    assert!(events.iter().any(|e| matches!(e,
        DeviceEvent::Switched { direction: Direction::Output, to, .. } if to == "laptop-speaker")));
    assert!(
        heard.len() >= 20 * FRAME_SAMPLES,
        "frames go on: {}",
        heard.len()
    );
    let tail = &heard[heard.len() - 10 * FRAME_SAMPLES..];
    let f = hz(tail, 48_000.0);
    assert!((f - 880.0).abs() < 5.0, "{f} Hz on the laptop");
    let played = backend.played("laptop-speaker");
    assert!(
        played.iter().any(|&s| (s - 0.1).abs() < 1e-6),
        "the engine's audio plays"
    );
    let active = headset.device(Direction::Input).expect("an input");
    assert!(active.fell_back);

    // Unplug the laptop too: lost, no frames, writes discarded, the levels read silence.
    backend.unplug("laptop-mic");
    backend.unplug("laptop-speaker");
    let heard = call(&backend, &mut headset, 200);
    let events = headset.poll_events();
    assert!(
        events.iter().any(|e| matches!(
            e,
            DeviceEvent::Lost {
                direction: Direction::Input,
                ..
            }
        )),
        "{events:?}"
    );
    assert!(
        events.iter().any(|e| matches!(
            e,
            DeviceEvent::Lost {
                direction: Direction::Output,
                ..
            }
        )),
        "{events:?}"
    );
    assert!(
        heard.len() <= 2 * FRAME_SAMPLES,
        "at most what was buffered: {}",
        heard.len()
    );
    assert!(headset.device(Direction::Input).is_none());
    assert!(headset.stats().playback_discarded > 0);
    assert!(levels.borrow().input.rms_dbfs <= -99.0);

    // Plug the headset back in: the next retry opens it, and audio comes from it again.
    backend.plug_in("usb-mic");
    backend.plug_in("usb-speaker");
    std::thread::sleep(Duration::from_millis(60));
    let heard = call(&backend, &mut headset, 400);
    let events = headset.poll_events();
    assert!(
        events.iter().any(|e| matches!(e,
        DeviceEvent::Switched { direction: Direction::Input, to, .. } if to == "usb-mic")),
        "{events:?}"
    );
    let f = hz(&heard[heard.len() - 10 * FRAME_SAMPLES..], 48_000.0);
    assert!((f - 440.0).abs() < 5.0, "{f} Hz on the headset again");
    assert!(!headset.device(Direction::Input).expect("input").fell_back);
    let stats = headset.stats();
    println!(
        "stats after the unplug test: {stats:?}, streams opened: {}",
        backend.opens()
    );
}

#[test]
fn a_missing_saved_device_falls_back_and_returns_when_plugged_in() {
    let backend = TestBackend::new();
    backend.add(device("usb-mic", Direction::Input, 16_000, 1, 440.0), false);
    backend.add(
        device("laptop-mic", Direction::Input, 48_000, 2, 880.0),
        true,
    );
    backend.add(
        device("laptop-speaker", Direction::Output, 44_100, 2, 0.0),
        true,
    );
    backend.unplug("usb-mic");
    let config = HeadsetConfig {
        retry_every: Duration::from_millis(50),
        ..HeadsetConfig::default()
    };
    let mut headset = Headset::open_with(
        Arc::new(backend.clone()),
        DeviceChoice::Saved("usb-mic".into()),
        DeviceChoice::Saved("gone-speaker".into()),
        config,
    )
    .expect("opens on the defaults");
    let events = headset.poll_events();
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(headset.device(Direction::Input).expect("input").fell_back);
    assert!(headset.device(Direction::Output).expect("output").fell_back);
    let heard = call(&backend, &mut headset, 300);
    let f = hz(&heard[FRAME_SAMPLES..], 48_000.0);
    assert!((f - 880.0).abs() < 5.0, "{f} Hz");

    backend.plug_in("usb-mic");
    std::thread::sleep(Duration::from_millis(60));
    let heard = call(&backend, &mut headset, 300);
    let events = headset.poll_events();
    assert!(
        matches!(&events[..], [DeviceEvent::Switched { to, why, .. }]
        if to == "usb-mic" && why.contains("back")),
        "{events:?}"
    );
    let f = hz(&heard[heard.len() - 5 * FRAME_SAMPLES..], 48_000.0);
    assert!((f - 440.0).abs() < 5.0, "{f} Hz from the 16 kHz headset");

    // Nothing at all: open fails with a clear error instead of a silent call.
    let empty = TestBackend::new();
    let err = Headset::open_with(
        Arc::new(empty),
        DeviceChoice::Default,
        DeviceChoice::Default,
        HeadsetConfig::default(),
    )
    .expect_err("no devices");
    assert!(err.to_string().contains("no Input device"), "{err}");
}
