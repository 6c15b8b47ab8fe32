//! The ringtone in real time through cpal, ALSA's pulse plugin and a PulseAudio daemon the
//! test starts with its own runtime dir and two null sinks: `headset` (a saved output, an ALSA
//! PCM of the pulse plugin naming that sink) and `speaker` (the default sink). `parec` records
//! each sink's monitor: the ring reaches both, in one cycle's first second, and both are
//! silent once the ringer stops (no second cycle). The daemon is stopped by its pid at the end; the test re-runs
//! itself in a child with the daemon's environment (see `common::run_in_child`).

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use linedesk_audio::{CpalBackend, DeviceChoice, Ringer};

const NAME: &str = "the_ring_plays_in_real_time_on_both_sinks_and_stops";

/// A process killed by pid when the test ends (also when it fails).
struct Killed(Child);

impl Drop for Killed {
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
        ("HOME", dir.join("home").into_os_string()),
        ("XDG_CONFIG_HOME", dir.join("home/.config").into_os_string()),
        ("ALSA_CONFIG_PATH", dir.join("asound.conf").into_os_string()),
    ]
}

fn command(dir: &Path, program: &str, args: &[&str]) -> Command {
    let mut c = Command::new(program);
    c.args(args);
    for (key, value) in env_of(dir) {
        c.env(key, value);
    }
    c
}

fn start_daemon(dir: &Path) -> Killed {
    for sub in ["runtime", "home/.config"] {
        std::fs::create_dir_all(dir.join(sub)).expect("dirs");
    }
    let log = std::fs::File::create(dir.join("pulseaudio.log")).expect("log");
    let child = command(
        dir,
        "pulseaudio",
        &[
            "--daemonize=no",
            "--exit-idle-time=-1",
            "-n",
            "--load=module-native-protocol-unix",
            "--load=module-null-sink sink_name=headset rate=48000 channels=1",
            "--load=module-null-sink sink_name=speaker rate=48000 channels=1",
            "--log-target=stderr",
        ],
    )
    .stdout(Stdio::null())
    .stderr(log)
    .spawn()
    .unwrap_or_else(|e| panic!("PulseAudio cannot start: `pulseaudio` did not run: {e}"));
    let mut daemon = Killed(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(Some(status)) = daemon.0.try_wait() {
            panic!(
                "PulseAudio exited with {status}; its log:\n{}",
                std::fs::read_to_string(dir.join("pulseaudio.log")).unwrap_or_default()
            );
        }
        let ready = command(dir, "pactl", &["info"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ready {
            return daemon;
        }
        assert!(
            Instant::now() < deadline,
            "PulseAudio did not answer within 10 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Record `sink`'s monitor (48 kHz mono f32) into `file`.
fn record(dir: &Path, sink: &str, file: &Path) -> Killed {
    let out = std::fs::File::create(file).expect("recording");
    Killed(
        command(
            dir,
            "parec",
            &[
                &format!("--device={sink}.monitor"),
                "--format=float32le",
                "--rate=48000",
                "--channels=1",
                "--raw",
                "--latency-msec=20",
            ],
        )
        .stdout(out)
        .stderr(Stdio::null())
        .spawn()
        .expect("parec"),
    )
}

#[test]
fn the_ring_plays_in_real_time_on_both_sinks_and_stops() {
    let Some(dir) = std::env::var_os(common::CHILD) else {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("asound.conf"),
            "</usr/share/alsa/alsa.conf>\n\
             pcm.!default { type pulse }\nctl.!default { type pulse }\n\
             pcm.headset { type pulse device \"headset\" \
             hint { show on description \"Linedesk test headset\" } }\n",
        )
        .expect("alsa config");
        let daemon = start_daemon(dir.path());
        let pid = daemon.0.id();
        let status = command(dir.path(), "pactl", &["set-default-sink", "speaker"])
            .status()
            .expect("pactl");
        assert!(status.success());
        let env = env_of(dir.path());
        let env: Vec<(&str, &std::ffi::OsStr)> =
            env.iter().map(|(k, v)| (*k, v.as_os_str())).collect();
        common::run_in_child(NAME, dir.path(), &env);
        drop(daemon);
        println!("PulseAudio (pid {pid}) stopped");
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let (headset_file, speaker_file) = (dir.join("headset.f32"), dir.join("speaker.f32"));
    let recorders = [
        record(&dir, "headset", &headset_file),
        record(&dir, "speaker", &speaker_file),
    ];
    // Both recorders running (their files growing) before the ring starts.
    let deadline = Instant::now() + Duration::from_secs(10);
    let size = |f: &Path| std::fs::metadata(f).map_or(0, |m| m.len());
    while size(&headset_file) < 48_000 || size(&speaker_file) < 48_000 {
        assert!(Instant::now() < deadline, "parec recorded nothing");
        std::thread::sleep(Duration::from_millis(20));
    }

    let ringer = Ringer::start(
        &CpalBackend,
        &[DeviceChoice::Saved("headset".into()), DeviceChoice::Default],
    )
    .expect("rings");
    println!("{ringer:?}");
    assert_eq!(ringer.playing_on().len(), 2, "{ringer:?}");
    // The first cycle's two bursts (0-0.4 s, 0.6-1.0 s), then stop in the long pause.
    std::thread::sleep(Duration::from_millis(1800));
    let stopped_at = Instant::now();
    ringer.stop();
    std::thread::sleep(Duration::from_millis(2500));
    println!("stopped {:?} ago", stopped_at.elapsed());
    drop(recorders);

    for (name, file) in [("headset", &headset_file), ("speaker", &speaker_file)] {
        let samples = common::read_raw_mono(&std::fs::read(file).expect("recorded"), "f32", 1);
        let envelope: String = samples
            .chunks(4800)
            .map(|b| if common::rms(b) > 0.01 { '#' } else { '.' })
            .collect();
        println!("{name} every 100 ms: {envelope}");
        // One cycle's two bursts (0.8 s of ring; a loaded machine may drop a few 10 ms
        // blocks at the stream's start), all within its first second, and nothing after:
        // the next cycle, due 3 s after the first sound, never comes.
        let loud: Vec<usize> = samples
            .chunks(480)
            .enumerate()
            .filter(|(_, b)| common::rms(b) > 0.01)
            .map(|(i, _)| i)
            .collect();
        let onset = *loud
            .first()
            .unwrap_or_else(|| panic!("{name}: no ring at all"));
        let last = *loud.last().unwrap_or(&onset);
        println!(
            "{name}: {} ms of ring from {} ms, the last at {} ms",
            loud.len() * 10,
            onset * 10,
            last * 10
        );
        assert!(
            loud.len() >= 50,
            "{name}: only {} ms of ring",
            loud.len() * 10
        );
        assert!(
            last - onset <= 110,
            "{name}: sound {} ms after the ring began",
            (last - onset) * 10
        );
        assert!(
            samples.len() / 480 > onset + 350,
            "{name}: the recording ends too early to see a second cycle"
        );
    }
}
