//! The real cpal/ALSA path on file devices (no sound card needed): `ALSA_CONFIG_PATH` points
//! at a configuration in the test's temp dir whose default capture reads a speech file and
//! whose default playback writes one. The `null` slave has no clock, so audio runs much
//! faster than real time: this test checks the device path and the sample handling, not
//! timing (see `pulse_null_sink.rs` for that). The test re-runs itself in a child process
//! with `ALSA_CONFIG_PATH` set (see `common::run_in_child`), and is alone in its binary.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use linedesk_audio::backend::Backend;
use linedesk_audio::{
    AudioIo, CpalBackend, DeviceChoice, Direction, FRAME_SAMPLES, Headset, HeadsetConfig,
    play_test_tone,
};

const NAME: &str = "file_devices_carry_speech_through_cpal_both_ways";

#[test]
fn file_devices_carry_speech_through_cpal_both_ways() {
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
    let d = |name: &str| dir.join(name);
    let wav = d("speech.wav");
    common::speech_wav(&dir, &wav);
    let config = format!(
        r#"</usr/share/alsa/alsa.conf>
pcm.!default {{
    type asym
    capture.pcm "speechin"
    playback.pcm "speechout"
}}
pcm.speechin {{
    type file
    slave.pcm "null"
    infile "{infile}"
    file "{sink}"
    format "raw"
    hint {{ show on description "Linedesk test microphone" }}
}}
pcm.speechout {{
    type file
    slave.pcm "null"
    file "{outfile}"
    format "raw"
    hint {{ show on description "Linedesk test speaker" }}
}}
pcm.tone {{
    type file
    slave.pcm "null"
    file "{tonefile}"
    format "raw"
    hint {{ show on description "Linedesk test tone speaker" }}
}}
"#,
        infile = d("speech.raw").display(),
        sink = d("capture-copy.raw").display(),
        outfile = d("played.raw").display(),
        tonefile = d("tone.raw").display(),
    );
    // ALSA reads it (through ALSA_CONFIG_PATH, set by the parent) when cpal first opens it.
    std::fs::write(d("asound.conf"), config).expect("write config");
    // The capture PCM opens only when its input file exists; the speech goes in once the
    // device's format is known.
    std::fs::write(d("speech.raw"), [0u8; 4096]).expect("placeholder");

    let backend = CpalBackend;
    let inputs = linedesk_audio::devices::list(&backend, Direction::Input).expect("list inputs");
    let outputs = backend.devices(Direction::Output).expect("list outputs");
    let ids = |l: &[linedesk_audio::DeviceInfo]| l.iter().map(|d| d.id.clone()).collect::<Vec<_>>();
    println!("inputs: {:?}, outputs: {:?}", ids(&inputs), ids(&outputs));
    if let Some(mic) = inputs.iter().find(|d| d.id == "speechin") {
        println!(
            "speechin offers {} format ranges, e.g. {:?}",
            mic.configs.len(),
            mic.configs.first()
        );
    }
    assert!(
        ids(&inputs).contains(&"speechin".to_owned()),
        "{:?}",
        ids(&inputs)
    );
    assert!(
        ids(&outputs).contains(&"tone".to_owned()),
        "{:?}",
        ids(&outputs)
    );
    assert!(inputs[0].is_default, "the default is listed first");
    let in_format = backend
        .format(Direction::Input, "default")
        .expect("capture format");
    let out_format = backend
        .format(Direction::Output, "default")
        .expect("playback format");
    println!("capture at {in_format:?}, playback at {out_format:?}");

    // The capture file holds the speech in the format the device will run at.
    let (encoding, bits) = match in_format.sample_format.as_str() {
        "f32" => ("floating-point", 32),
        "i16" => ("signed", 16),
        other => panic!("unexpected capture format {other}"),
    };
    common::wav_to_raw(
        &wav,
        &d("speech.raw"),
        encoding,
        bits,
        in_format.channels,
        in_format.rate,
    );
    common::wav_to_raw(&wav, &d("reference.raw"), "floating-point", 32, 1, 48_000);
    let reference = common::read_raw_mono(
        &std::fs::read(d("reference.raw")).expect("reference"),
        "f32",
        1,
    );

    let started = Instant::now();
    let big = HeadsetConfig {
        // The file device runs far faster than real time: keep everything.
        capture_buffer: Duration::from_secs(60),
        playback_buffer: Duration::from_secs(60),
        ..HeadsetConfig::default()
    };
    let mut headset = Headset::open_with(
        Arc::new(backend),
        DeviceChoice::Default,
        DeviceChoice::Default,
        big,
    )
    .expect("headset on the file devices");
    println!("opened in {:?}: {headset:?}", started.elapsed());

    // Playback: the speech in 20 ms frames.
    for chunk in reference.chunks(FRAME_SAMPLES) {
        let mut frame = [0.0; FRAME_SAMPLES];
        frame[..chunk.len()].copy_from_slice(chunk);
        headset.write_frame(&frame);
    }
    // Capture: read until a little more than the speech has arrived.
    let mut heard = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while heard.len() < reference.len() + 48_000 && Instant::now() < deadline {
        match headset.read_frame() {
            Some(frame) => heard.extend_from_slice(&frame),
            None => std::thread::sleep(Duration::from_millis(2)),
        }
    }
    let capture_time = started.elapsed();
    // Let the playback side drain into its file.
    let out_bytes = (reference.len() + 48_000)
        * usize::from(out_format.channels)
        * if out_format.sample_format == "f32" {
            4
        } else {
            2
        };
    while std::fs::metadata(d("played.raw")).map_or(0, |m| m.len() as usize) < out_bytes
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(5));
    }
    let stats = headset.stats();
    let events = headset.poll_events();
    drop(headset);
    println!(
        "{} s of speech captured in {capture_time:?} ({:.1}x real time), stats {stats:?}",
        heard.len() as f32 / 48_000.0,
        heard.len() as f32 / 48_000.0 / capture_time.as_secs_f32()
    );
    assert!(events.is_empty(), "{events:?}");
    assert!(
        heard.len() >= reference.len(),
        "captured {} of {}",
        heard.len(),
        reference.len()
    );
    assert_eq!(stats.capture_dropped, 0);

    let (lag, corr) = common::align(&reference, &heard, 200, 96_000);
    println!("capture: lag {lag} samples, correlation {corr:.4}");
    assert!(
        corr > 0.95,
        "captured audio does not match the file: correlation {corr}"
    );

    let played = common::read_raw_mono(
        &std::fs::read(d("played.raw")).expect("played file"),
        &out_format.sample_format,
        out_format.channels,
    );
    // The file device has no clock: when this thread writes slower than the device plays (a
    // busy machine), the headset pads the gaps with exact silence (`playback_padded`). What
    // matters is that every written sample lands, in order: compare without the exact zeros.
    let audible = |v: &[f32]| {
        v.iter()
            .copied()
            .filter(|x| *x != 0.0)
            .collect::<Vec<f32>>()
    };
    let (lag, corr) = common::align(&audible(&reference), &audible(&played), 200, 96_000);
    println!(
        "playback: {} samples written ({} padded), speech at {lag}, correlation {corr:.4}",
        played.len(),
        stats.playback_padded
    );
    assert!(
        corr > 0.95,
        "played file does not hold the frames written: correlation {corr}"
    );

    // The settings screen's test tone, on a saved (non-default) output.
    let name = play_test_tone(
        &CpalBackend,
        &DeviceChoice::Saved("tone".into()),
        1000.0,
        Duration::from_millis(300),
    )
    .expect("test tone");
    let tone_format = CpalBackend
        .format(Direction::Output, "tone")
        .expect("tone format");
    let tone = common::read_raw_mono(
        &std::fs::read(d("tone.raw")).expect("tone file"),
        &tone_format.sample_format,
        tone_format.channels,
    );
    let start = tone
        .iter()
        .position(|s| s.abs() > 0.01)
        .expect("the tone is in the file");
    let body = &tone[start + 2_400..start + 12_000];
    let crossings = body
        .windows(2)
        .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
        .count();
    let hz = crossings as f32 / 2.0 / (body.len() as f32 / tone_format.rate as f32);
    println!("tone on {name}: {hz} Hz, rms {}", common::rms(body));
    assert!((hz - 1000.0).abs() < 10.0, "{hz} Hz");
    assert!((common::rms(body) - 0.25 / 2f32.sqrt()).abs() < 0.02);
}
