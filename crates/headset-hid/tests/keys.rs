//! The key fallback: input events of a headset that only sends media keys become presses of a
//! relative hook switch and mute, through the same device side and logic. The events are built
//! here (synthetic: this machine has no input device); the sysfs tree is a temporary copy of
//! the layout the kernel gives.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use linedesk_headset_hid::descriptor::ReportDescriptor;
use linedesk_headset_hid::evdev::{EvdevSource, InputCandidate, is_headset_keys};
use linedesk_headset_hid::keys::{
    KEY_MICMUTE, KEY_PHONE, KEY_PLAYPAUSE, KEYS_DESCRIPTOR, has_any_key, report_for,
};
use linedesk_headset_hid::telephony::{Control, Telephony};
use linedesk_headset_hid::{
    AppCall, CallPhase, Command, HeadsetButtons, HeadsetSource, Reporting, Status, Timing,
};

/// One `struct input_event` (64-bit): time, type, code, value.
fn event(kind: u16, code: u16, value: i32) -> Vec<u8> {
    let mut e = vec![0u8; 16];
    e.extend_from_slice(&kind.to_ne_bytes());
    e.extend_from_slice(&code.to_ne_bytes());
    e.extend_from_slice(&value.to_ne_bytes());
    e
}
const EV_KEY: u16 = 1;
const EV_SYN: u16 = 0;

/// sysfs' `capabilities/key` for these codes: 64-bit words, most significant first.
fn capabilities(codes: &[u16]) -> String {
    let mut words = [0u64; 12];
    for c in codes {
        words[usize::from(*c / 64)] |= 1 << (c % 64);
    }
    let words: Vec<String> = words.iter().rev().map(|w| format!("{w:x}")).collect();
    words.join(" ")
}

#[test]
fn presses_become_reports_and_releases_do_not() {
    assert_eq!(report_for(&event(EV_KEY, KEY_PHONE, 1)), Some([0x01, 0b01]));
    assert_eq!(
        report_for(&event(EV_KEY, KEY_PLAYPAUSE, 1)),
        Some([0x01, 0b01])
    );
    assert_eq!(
        report_for(&event(EV_KEY, KEY_MICMUTE, 1)),
        Some([0x01, 0b10])
    );
    assert_eq!(report_for(&event(EV_KEY, KEY_PHONE, 0)), None, "release");
    assert_eq!(report_for(&event(EV_KEY, KEY_PHONE, 2)), None, "autorepeat");
    assert_eq!(report_for(&event(EV_SYN, 0, 0)), None);
    assert_eq!(report_for(&event(EV_KEY, 30, 1)), None, "KEY_A");
    assert_eq!(report_for(&[0u8; 10]), None, "short");
}

#[test]
fn the_key_descriptor_is_a_relative_hook_and_mute() {
    let d = ReportDescriptor::parse(&KEYS_DESCRIPTOR).expect("parses");
    let t = Telephony::from_descriptor(d).expect("telephony");
    assert_eq!(t.reporting(Control::HookSwitch), Some(Reporting::Relative));
    assert_eq!(t.reporting(Control::PhoneMute), Some(Reporting::Relative));
    assert!(t.lights().is_empty());
    let v = t.decode(&[0x01, 0b01]).expect("decodes");
    assert!(v.iter().any(|c| c.control == Control::HookSwitch && c.on));
}

#[test]
fn headset_input_devices_are_told_from_keyboards() {
    let caps = capabilities(&[KEY_PLAYPAUSE, KEY_MICMUTE, 115, 114]);
    assert!(has_any_key(&caps, &[KEY_MICMUTE]));
    assert!(!has_any_key(&caps, &[KEY_PHONE]));
    let device = |name: &str, vendor: u16, keys: &str| InputCandidate {
        node: "event5".into(),
        name: name.into(),
        vendor_id: vendor,
        product_id: 1,
        keys: keys.into(),
    };
    assert!(is_headset_keys(&device(
        "Logitech USB Headset H540 Consumer Control",
        0x046D,
        &caps
    )));
    assert!(is_headset_keys(&device(
        "GN Audio A/S Jabra Evolve 20",
        0x0B0E,
        &caps
    )));
    assert!(
        !is_headset_keys(&device("Logitech K120 Consumer Control", 0x046D, &caps)),
        "keyboard"
    );
    assert!(
        !is_headset_keys(&device("Jabra headset", 0x0B0E, &capabilities(&[115]))),
        "no call key"
    );
}

fn sysfs_device(root: &Path, node: &str, name: &str, vendor: &str, keys: &str) {
    let dev = root.join("class").join(node).join("device");
    std::fs::create_dir_all(dev.join("id")).expect("dirs");
    std::fs::create_dir_all(dev.join("capabilities")).expect("dirs");
    std::fs::write(dev.join("name"), format!("{name}\n")).expect("name");
    std::fs::write(dev.join("id/vendor"), format!("{vendor}\n")).expect("vendor");
    std::fs::write(dev.join("id/product"), "0a37\n").expect("product");
    std::fs::write(dev.join("capabilities/key"), format!("{keys}\n")).expect("keys");
}

#[test]
fn key_presses_answer_and_hang_up_through_the_device_side() {
    let root = tempfile::tempdir().expect("tempdir");
    let caps = capabilities(&[KEY_PLAYPAUSE, KEY_MICMUTE]);
    sysfs_device(root.path(), "event3", "Logitech K120", "046d", &caps);
    sysfs_device(
        root.path(),
        "event7",
        "Logitech USB Headset H540",
        "046d",
        &caps,
    );
    std::fs::create_dir_all(root.path().join("dev")).expect("dev");
    // The headset's event stream: a press (with its SYN) and release of play/pause, twice.
    let mut stream = Vec::new();
    for _ in 0..2 {
        stream.extend(event(EV_KEY, KEY_PLAYPAUSE, 1));
        stream.extend(event(EV_SYN, 0, 0));
        stream.extend(event(EV_KEY, KEY_PLAYPAUSE, 0));
        stream.extend(event(EV_SYN, 0, 0));
    }
    std::fs::write(root.path().join("dev/event7"), &stream).expect("stream");

    let mut source = EvdevSource::at(root.path().join("class"), root.path().join("dev"));
    let device = source.open().expect("opens").expect("finds the headset");
    assert_eq!(device.info().name, "Logitech USB Headset H540");
    drop(device);

    let (tx, rx) = mpsc::channel();
    let buttons = HeadsetButtons::spawn(
        Box::new(source),
        Timing {
            retry: Duration::from_secs(60),
            poll: Duration::from_millis(5),
        },
        AppCall {
            phase: CallPhase::Ringing,
            muted: false,
        },
        Box::new(move |c| {
            let _ = tx.send(c);
        }),
    )
    .expect("thread");
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(10)),
        Ok(Command::Answer)
    );
    // The second press comes before the app answered: the call the headset asked for is up,
    // so it hangs up (two presses, two commands), never a second answer.
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(10)),
        Ok(Command::HangUp)
    );
    // The end of the file is the device going away: the side looks for it again.
    let start = std::time::Instant::now();
    while buttons.status() != Status::Searching {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{:?}",
            buttons.status()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}
