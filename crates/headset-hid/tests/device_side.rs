//! The device side on a fake headset with a recorded descriptor: reports in, commands out,
//! lights written, unplug and replug survived.

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;
use linedesk_headset_hid::fake::FakeHeadset;
use linedesk_headset_hid::{
    AppCall, CallPhase, Command, DeviceError, HeadsetButtons, HeadsetDevice, HeadsetInfo,
    HeadsetSource, Status, Timing, Unusable,
};

const FAST: Timing = Timing {
    retry: Duration::from_millis(20),
    poll: Duration::from_millis(5),
};
const WAIT: Duration = Duration::from_secs(10);

fn poly() -> FakeHeadset {
    let info = HeadsetInfo {
        vendor_id: 0x047F,
        product_id: 0xC056,
        name: "Plantronics Blackwire 3220 Series".into(),
        path: "/dev/hidraw-fake".into(),
    };
    FakeHeadset::new(info, &fixture(POLY))
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < WAIT, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The last value written to the one-byte LED report `id`.
fn led(headset: &FakeHeadset, id: u8) -> Option<u8> {
    headset
        .written()
        .iter()
        .rev()
        .find(|r| r.first() == Some(&id))
        .and_then(|r| r.get(1).copied())
}

fn start(headset: &FakeHeadset) -> (HeadsetButtons, mpsc::Receiver<Command>) {
    let (tx, rx) = mpsc::channel();
    let buttons = HeadsetButtons::spawn(
        headset.source(),
        FAST,
        AppCall::default(),
        Box::new(move |c| {
            let _ = tx.send(c);
        }),
    )
    .expect("thread");
    (buttons, rx)
}

#[test]
fn ring_answer_mute_hang_up_through_the_device_side() {
    let headset = poly();
    let (buttons, commands) = start(&headset);
    wait_until("connected", || {
        buttons.status()
            == Status::Connected {
                name: "Plantronics Blackwire 3220 Series".into(),
            }
    });
    buttons.set_call(AppCall {
        phase: CallPhase::Ringing,
        muted: false,
    });
    wait_until("the ring LED", || led(&headset, 0x18) == Some(1));
    headset.send(&[0x08, 0b010]);
    assert_eq!(commands.recv_timeout(WAIT), Ok(Command::Answer));
    buttons.set_call(AppCall {
        phase: CallPhase::Active { on_hold: false },
        muted: false,
    });
    wait_until("off-hook on, ring off", || {
        led(&headset, 0x17) == Some(1) && led(&headset, 0x18) == Some(0)
    });
    headset.send(&[0x08, 0b011]);
    assert_eq!(commands.recv_timeout(WAIT), Ok(Command::ToggleMute));
    buttons.set_call(AppCall {
        phase: CallPhase::Active { on_hold: false },
        muted: true,
    });
    wait_until("the mute LED", || led(&headset, 0x09) == Some(1));
    headset.send(&[0x08, 0b000]);
    assert_eq!(commands.recv_timeout(WAIT), Ok(Command::HangUp));
    buttons.set_call(AppCall::default());
    wait_until("all off", || {
        led(&headset, 0x17) == Some(0) && led(&headset, 0x09) == Some(0)
    });
    assert!(commands.try_recv().is_err(), "nothing more");
}

#[test]
fn unplugged_headset_is_found_again_and_relit() {
    let headset = poly();
    let (buttons, commands) = start(&headset);
    wait_until("connected", || {
        matches!(buttons.status(), Status::Connected { .. })
    });
    headset.unplug();
    wait_until("searching", || buttons.status() == Status::Searching);
    // The call rings while it is unplugged; plugged back, it rings on the headset too.
    buttons.set_call(AppCall {
        phase: CallPhase::Ringing,
        muted: false,
    });
    headset.plug();
    wait_until("reopened", || {
        headset.opens() >= 2 && matches!(buttons.status(), Status::Connected { .. })
    });
    wait_until("the ring LED", || led(&headset, 0x18) == Some(1));
    headset.send(&[0x08, 0b010]);
    assert_eq!(commands.recv_timeout(WAIT), Ok(Command::Answer));
}

#[test]
fn a_headset_without_telephony_is_reported_unusable() {
    let info = HeadsetInfo {
        vendor_id: 0x046D,
        product_id: 0x0A37,
        name: "Logitech".into(),
        path: "x".into(),
    };
    let headset = FakeHeadset::new(info, &fixture(LOGITECH));
    let (buttons, _commands) = start(&headset);
    wait_until("unusable", || {
        matches!(buttons.status(), Status::Unusable { .. })
    });
    assert!(
        headset.written().is_empty(),
        "nothing written to a device we do not understand"
    );
}

#[test]
fn garbage_reports_are_dropped_and_the_side_goes_on() {
    let headset = poly();
    let (buttons, commands) = start(&headset);
    wait_until("connected", || {
        matches!(buttons.status(), Status::Connected { .. })
    });
    buttons.set_call(AppCall {
        phase: CallPhase::Ringing,
        muted: false,
    });
    headset.send(&[0x08]);
    headset.send(&[]);
    headset.send(&[0x77, 1, 2, 3]);
    headset.send(&[0x08, 0b010]);
    assert_eq!(commands.recv_timeout(WAIT), Ok(Command::Answer));
    assert!(matches!(buttons.status(), Status::Connected { .. }));
}

/// A source whose headset node the user may not open (no udev rule).
struct Denied;

impl HeadsetSource for Denied {
    fn open(&mut self) -> Result<Option<Box<dyn HeadsetDevice>>, DeviceError> {
        Err(DeviceError::Denied("/dev/hidraw3".into()))
    }
}

#[test]
fn a_headset_without_access_says_so_and_is_tried_again() {
    let (tx, _rx) = mpsc::channel();
    let buttons = HeadsetButtons::spawn(
        Box::new(Denied),
        FAST,
        AppCall::default(),
        Box::new(move |c| {
            let _ = tx.send(c);
        }),
    )
    .expect("thread");
    wait_until("no access", || {
        buttons.status()
            == Status::Unusable {
                name: "/dev/hidraw3".into(),
                why: Unusable::NoAccess,
            }
    });
}
