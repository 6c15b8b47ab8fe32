//! Real-time capture through cpal, ALSA's pulse plugin and a PulseAudio daemon the test starts
//! with its own runtime dir and a null sink named `headset`: `paplay` speaks into the sink,
//! the headset captures its monitor, and frames must arrive at the pace of a clock (about 50
//! a second) and carry speech. The daemon is stopped by its pid at the end. The test re-runs
//! itself in a child process with the daemon's environment (see `common::run_in_child`).

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use linedesk_audio::{AudioIo, DeviceChoice, Direction, FRAME_SAMPLES, Headset};

const NAME: &str = "pulse_null_sink_monitor_is_captured_in_real_time";

/// The daemon, killed by pid when the test ends (also when it fails).
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn env_of(dir: &Path) -> Vec<(&'static str, std::ffi::OsString)> {
    let runtime = dir.join("runtime");
    vec![
        ("XDG_RUNTIME_DIR", runtime.clone().into_os_string()),
        ("PULSE_RUNTIME_PATH", runtime.join("pulse").into_os_string()),
        // Keep the daemon's cookie and state out of the user's home.
        ("HOME", dir.join("home").into_os_string()),
        ("XDG_CONFIG_HOME", dir.join("home/.config").into_os_string()),
        ("ALSA_CONFIG_PATH", dir.join("asound.conf").into_os_string()),
    ]
}

fn start_daemon(dir: &Path) -> Daemon {
    for sub in ["runtime", "home/.config"] {
        std::fs::create_dir_all(dir.join(sub)).expect("dirs");
    }
    let log = std::fs::File::create(dir.join("pulseaudio.log")).expect("log");
    let mut command = Command::new("pulseaudio");
    command
        .args([
            "--daemonize=no",
            "--exit-idle-time=-1",
            "-n",
            "--load=module-native-protocol-unix",
            "--load=module-null-sink sink_name=headset rate=48000 channels=1",
            "--log-target=stderr",
        ])
        .stdout(Stdio::null())
        .stderr(log);
    for (key, value) in env_of(dir) {
        command.env(key, value);
    }
    let child = command
        .spawn()
        .unwrap_or_else(|e| panic!("PulseAudio cannot start: `pulseaudio` did not run: {e}"));
    let mut daemon = Daemon(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(Some(status)) = daemon.0.try_wait() {
            panic!(
                "PulseAudio cannot start in this sandbox: the daemon exited with {status}; its log:\n{}",
                std::fs::read_to_string(dir.join("pulseaudio.log")).unwrap_or_default()
            );
        }
        let mut pactl = Command::new("pactl");
        pactl
            .arg("info")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (key, value) in env_of(dir) {
            pactl.env(key, value);
        }
        if pactl.status().is_ok_and(|s| s.success()) {
            return daemon;
        }
        assert!(
            Instant::now() < deadline,
            "PulseAudio cannot start in this sandbox: no answer to `pactl info` within 10 s; its log:\n{}",
            std::fs::read_to_string(dir.join("pulseaudio.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn pulse_null_sink_monitor_is_captured_in_real_time() {
    let Some(dir) = std::env::var_os(common::CHILD) else {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("asound.conf"),
            "</usr/share/alsa/alsa.conf>\npcm.!default { type pulse }\nctl.!default { type pulse }\n",
        )
        .expect("alsa config");
        let daemon = start_daemon(dir.path());
        let pid = daemon.0.id();
        common::run(
            "env",
            &[
                &format!("XDG_RUNTIME_DIR={}", dir.path().join("runtime").display()),
                &format!("HOME={}", dir.path().join("home").display()),
                "pactl",
                "set-default-source",
                "headset.monitor",
            ],
        );
        let env = env_of(dir.path());
        let env: Vec<(&str, &std::ffi::OsStr)> =
            env.iter().map(|(k, v)| (*k, v.as_os_str())).collect();
        common::run_in_child(NAME, dir.path(), &env);
        drop(daemon);
        println!("PulseAudio (pid {pid}) stopped");
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let wav = dir.join("speech.wav");
    common::speech_wav(&dir, &wav);

    let mut headset =
        Headset::open(DeviceChoice::Default, DeviceChoice::Default).expect("headset through pulse");
    println!("{headset:?}");
    let format = headset
        .device(Direction::Input)
        .expect("input")
        .format
        .clone();

    let mut speaker = Command::new("paplay")
        .args(["--device=headset", wav.to_str().expect("utf-8")])
        .spawn()
        .expect("paplay");
    // The engine's loop: every 20 ms, read what is there.
    let started = Instant::now();
    let run_for = Duration::from_secs(5);
    let mut frames = 0usize;
    let mut rms = Vec::new();
    let mut backlog = Duration::ZERO;
    let mut tick = started;
    let mut first = None;
    while started.elapsed() < run_for {
        tick += Duration::from_millis(20);
        std::thread::sleep(tick.saturating_duration_since(Instant::now()));
        while let Some(frame) = headset.read_frame() {
            first.get_or_insert_with(|| started.elapsed());
            frames += 1;
            rms.push(common::rms(&frame));
            backlog = backlog.max(headset.capture_backlog());
        }
        headset.write_frame(&[0.0; FRAME_SAMPLES]);
    }
    let first = first.expect("no frame at all arrived");
    let elapsed = (started.elapsed() - first).as_secs_f32();
    let stats = headset.stats();
    let events = headset.poll_events();
    drop(headset);
    let _ = speaker.wait();
    // Counted from the first frame: opening the pulse stream and its first period take time.
    let rate = frames.saturating_sub(1) as f32 / elapsed;
    let speaking = rms.iter().filter(|&&r| r > 0.01).count();
    let loudest = rms.iter().fold(0.0f32, |m, &r| m.max(r));
    println!(
        "device format {format:?}; first frame after {first:?}; {frames} frames in {elapsed:.2} s = {rate:.1} frames/s; \
         {speaking} frames of speech (rms > 0.01), loudest rms {loudest:.3}; \
         largest backlog behind a read {backlog:?}; stats {stats:?}; events {events:?}"
    );
    assert!(events.is_empty(), "{events:?}");
    assert!(
        (35.0..=65.0).contains(&rate),
        "{rate} frames/s is not real time (50)"
    );
    assert!(speaking >= 25, "only {speaking} frames carry speech");
    assert!(loudest > 0.05, "loudest frame rms {loudest}");
}
