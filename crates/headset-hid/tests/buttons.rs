//! The call-button logic on the controls decoded from the recorded descriptors.

mod common;

use common::*;
use linedesk_headset_hid::buttons::JABRA_VENDOR;
use linedesk_headset_hid::descriptor::ReportDescriptor;
use linedesk_headset_hid::telephony::{Lights, Telephony};
use linedesk_headset_hid::{AppCall, ButtonLogic, CallPhase, Command, Quirks};

const IDLE: AppCall = AppCall {
    phase: CallPhase::Idle,
    muted: false,
};
const RINGING: AppCall = AppCall {
    phase: CallPhase::Ringing,
    muted: false,
};
const IN_CALL: AppCall = AppCall {
    phase: CallPhase::Active { on_hold: false },
    muted: false,
};
const MUTED: AppCall = AppCall {
    phase: CallPhase::Active { on_hold: false },
    muted: true,
};

/// A headset's logic fed raw input reports, as the device side does.
struct Headset {
    telephony: Telephony,
    logic: ButtonLogic,
}

impl Headset {
    fn new(name: &str, quirks: Quirks) -> Headset {
        let d = ReportDescriptor::parse(&fixture(name)).expect("parses");
        Headset {
            telephony: Telephony::from_descriptor(d).expect("telephony"),
            logic: ButtonLogic::new(IDLE, quirks),
        }
    }

    fn report(&mut self, bytes: &[u8]) -> Vec<Command> {
        let values = self.telephony.decode(bytes).expect("decodes");
        self.logic.on_input(&values)
    }

    fn app(&mut self, app: AppCall) {
        self.logic.set_app(app);
    }
}

// Poly Blackwire 3220: report 8, bit 0 Phone Mute (relative), bit 1 Hook Switch (absolute).
const POLY_ON_HOOK: [u8; 2] = [0x08, 0b000];
const POLY_OFF_HOOK: [u8; 2] = [0x08, 0b010];
const POLY_MUTE_OFF_HOOK: [u8; 2] = [0x08, 0b011];

#[test]
fn ringing_lights_the_ring_led_and_a_call_the_off_hook_led() {
    let mut logic = ButtonLogic::new(IDLE, Quirks::default());
    assert_eq!(logic.lights(), Lights::default());
    assert!(logic.set_app(RINGING));
    assert_eq!(
        logic.lights(),
        Lights {
            ring: true,
            ..Lights::default()
        }
    );
    assert!(logic.set_app(IN_CALL));
    assert_eq!(
        logic.lights(),
        Lights {
            off_hook: true,
            ..Lights::default()
        }
    );
    assert!(logic.set_app(MUTED));
    assert_eq!(
        logic.lights(),
        Lights {
            off_hook: true,
            mute: true,
            ..Lights::default()
        }
    );
    assert!(!logic.set_app(MUTED), "no change, no write");
    let held = AppCall {
        phase: CallPhase::Active { on_hold: true },
        muted: false,
    };
    assert!(logic.set_app(held));
    assert_eq!(
        logic.lights(),
        Lights {
            off_hook: true,
            hold: true,
            ..Lights::default()
        }
    );
}

#[test]
fn poly_absolute_hook_answers_then_hangs_up() {
    let mut h = Headset::new(POLY, Quirks::for_vendor(0x047F));
    assert_eq!(h.report(&POLY_ON_HOOK), vec![], "idle, on hook: nothing");
    h.app(RINGING);
    assert_eq!(h.report(&POLY_OFF_HOOK), vec![Command::Answer]);
    assert_eq!(
        h.report(&POLY_OFF_HOOK),
        vec![],
        "the same state again is no second answer"
    );
    h.app(IN_CALL);
    assert_eq!(
        h.report(&POLY_OFF_HOOK),
        vec![],
        "the echo of the off-hook LED does nothing"
    );
    assert_eq!(h.report(&POLY_ON_HOOK), vec![Command::HangUp]);
    assert_eq!(
        h.logic.lights(),
        Lights::default(),
        "off hook light off at once"
    );
    h.app(IDLE);
    assert_eq!(h.report(&POLY_ON_HOOK), vec![]);
}

#[test]
fn poly_relative_mute_toggles_on_each_press_in_a_call_only() {
    let mut h = Headset::new(POLY, Quirks::default());
    assert_eq!(h.report(&[0x08, 0b001]), vec![], "no call: nothing to mute");
    h.app(IN_CALL);
    assert_eq!(h.report(&POLY_MUTE_OFF_HOOK), vec![Command::ToggleMute]);
    assert_eq!(h.report(&POLY_OFF_HOOK), vec![], "the release");
    h.app(MUTED);
    assert_eq!(
        h.report(&POLY_MUTE_OFF_HOOK),
        vec![Command::ToggleMute],
        "and back"
    );
}

#[test]
fn a_hook_already_off_when_the_call_starts_is_not_a_hang_up() {
    // The headset's first report in a call says off hook (it follows the LED): nothing to do.
    let mut h = Headset::new(POLY, Quirks::default());
    h.app(IN_CALL);
    assert_eq!(h.report(&POLY_OFF_HOOK), vec![]);
    // Its first report in a call says on hook: the user put it down.
    let mut h = Headset::new(POLY, Quirks::default());
    h.app(IN_CALL);
    assert_eq!(h.report(&POLY_ON_HOOK), vec![Command::HangUp]);
}

#[test]
fn relative_hook_switch_toggles_by_the_call() {
    let mut h = Headset::new(TOGGLE, Quirks::default());
    const PRESS: [u8; 1] = [0x01];
    const NOTHING: [u8; 1] = [0x00];
    assert_eq!(h.report(&PRESS), vec![], "idle");
    h.app(RINGING);
    assert_eq!(h.report(&PRESS), vec![Command::Answer]);
    assert_eq!(h.report(&NOTHING), vec![]);
    h.app(IN_CALL);
    assert_eq!(h.report(&PRESS), vec![Command::HangUp]);
    assert_eq!(
        h.report(&PRESS),
        vec![],
        "not twice before the app hung up, no answer either"
    );
    h.app(IDLE);
    // Drop (value 3) rejects a ringing call.
    h.app(RINGING);
    assert_eq!(h.report(&[0x03]), vec![Command::HangUp]);
}

#[test]
fn jabra_mute_follows_the_mute_light() {
    // Report 2: bit 0 hook, bit 1 mute (absolute), bit 2 flash.
    let mut h = Headset::new(JABRA_STYLE, Quirks::for_vendor(JABRA_VENDOR));
    h.app(RINGING);
    assert_eq!(h.report(&[0x02, 0b001]), vec![Command::Answer]);
    h.app(IN_CALL);
    assert_eq!(
        h.report(&[0x02, 0b011]),
        vec![Command::ToggleMute],
        "mute pressed"
    );
    h.app(MUTED);
    assert_eq!(
        h.report(&[0x02, 0b011]),
        vec![],
        "still muted: the headset holds the state"
    );
    assert_eq!(
        h.report(&[0x02, 0b001]),
        vec![Command::ToggleMute],
        "pressed again: unmute"
    );
    h.app(IN_CALL);
    assert_eq!(h.report(&[0x02, 0b000]), vec![Command::HangUp]);
}

#[test]
fn without_the_jabra_quirk_an_absolute_mute_is_a_press_on_its_rise() {
    let mut h = Headset::new(JABRA_STYLE, Quirks::default());
    h.app(IN_CALL);
    assert_eq!(h.report(&[0x02, 0b011]), vec![Command::ToggleMute]);
    h.app(MUTED);
    assert_eq!(
        h.report(&[0x02, 0b001]),
        vec![],
        "the release of a momentary button"
    );
    assert_eq!(h.report(&[0x02, 0b011]), vec![Command::ToggleMute]);
}
