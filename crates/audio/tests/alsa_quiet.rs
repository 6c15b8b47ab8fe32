//! A machine without a sound card: ALSA's library reports every card and plugin it cannot
//! find on stderr ("ALSA lib ..."), and the app's probes of the devices keep those reports off
//! it. The test re-runs itself in child processes with `ALSA_CONFIG_PATH` naming a default
//! device on a card that does not exist (ALSA reads its configuration once per process): cpal
//! alone makes ALSA print, which shows the configuration does reach ALSA; `CpalBackend`'s
//! probes (listing, the default, opening it) print nothing, and the failure to open is an
//! `AudioError` in words of ours.

use std::process::Command;

use linedesk_audio::backend::Backend;
use linedesk_audio::{CpalBackend, DeviceChoice, Direction, Headset};

/// Set in the child: which probe it runs.
const CHILD: &str = "LINEDESK_ALSA_QUIET_CHILD";
const NAME: &str = "alsa_reports_stay_off_stderr_without_a_sound_card";

/// Run this test in a child with `probe`; its stdout and stderr.
fn child(config: &std::path::Path, probe: &str) -> (String, String) {
    let exe = std::env::current_exe().expect("test binary path");
    let out = Command::new(exe)
        .args(["--exact", NAME, "--nocapture", "--test-threads=1"])
        .env(CHILD, probe)
        .env("ALSA_CONFIG_PATH", config)
        .output()
        .expect("re-run the test binary");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    );
    assert!(
        out.status.success(),
        "the {probe} child failed: {}\nstdout: {stdout}\nstderr: {stderr}",
        out.status
    );
    (stdout, stderr)
}

#[test]
fn alsa_reports_stay_off_stderr_without_a_sound_card() {
    match std::env::var(CHILD).as_deref() {
        Ok("cpal") => {
            // cpal alone, as the app probed before: ALSA prints what it cannot find.
            use cpal::traits::{DeviceTrait, HostTrait};
            let host = cpal::default_host();
            if let Some(device) = host.default_output_device() {
                let _ = device.default_output_config();
            }
            for device in host.output_devices().into_iter().flatten() {
                let _ = device.supported_output_configs().map(|c| c.count());
            }
            println!("child: cpal probed");
            return;
        }
        Ok("backend") => {
            let backend = CpalBackend;
            let listed = backend.devices(Direction::Output).map(|d| d.len());
            let default = backend.default_device(Direction::Output);
            let opened = Headset::open(DeviceChoice::Default, DeviceChoice::Default);
            let missing = linedesk_audio::devices::missing_headset(&backend);
            println!(
                "child: missing {missing:?}, listed {listed:?}, default {default:?}, opened: {}",
                match opened {
                    Ok(_) => "a headset".to_string(),
                    Err(e) => e.to_string(),
                }
            );
            return;
        }
        _ => {}
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("asound.conf");
    std::fs::write(
        &config,
        "</usr/share/alsa/alsa.conf>\n\
         defaults.pcm.card 7\n\
         defaults.ctl.card 7\n",
    )
    .expect("write the ALSA configuration");

    let (stdout, stderr) = child(&config, "cpal");
    assert!(stdout.contains("child: cpal probed"), "stdout: {stdout}");
    assert!(
        stderr.contains("ALSA lib"),
        "cpal alone should have made ALSA print its reports (the configuration did not reach \
         ALSA?); stderr: {stderr}"
    );

    let (stdout, stderr) = child(&config, "backend");
    assert!(
        stdout.contains("child: missing Some(\"no headset found"),
        "the missing headset is not said in words: {stdout}"
    );
    assert!(
        !stdout.contains("opened: a headset"),
        "card 7 does not exist, yet a headset opened: {stdout}"
    );
    assert!(
        !stderr.contains("ALSA lib") && !stderr.contains("jack server"),
        "ALSA's (or its JACK plugin's) reports reached stderr through CpalBackend: {stderr}"
    );
}
