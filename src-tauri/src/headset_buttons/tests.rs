//! The headset link end to end: a fake headset with a recorded descriptor (Poly Blackwire 3220,
//! from libusb/hidapi's test data) replays input reports through the device side and this
//! module into a desk that keeps a call as the app does; the lights written back are checked.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use linedesk_headset_hid::fake::FakeHeadset;
use linedesk_headset_hid::{AppCall, CallPhase, HeadsetInfo, Status, Timing, Unusable};

use super::{CallDesk, HeadsetLink, app_call, status_view};
use crate::calls::CallView;

/// The Blackwire 3220's telephony collection, byte for byte (see
/// crates/headset-hid/tests/fixtures/poly_blackwire_3220_telephony.hex for its source).
const POLY: [u8; 109] = [
    0x05, 0x0B, 0x09, 0x05, 0xA1, 0x01, 0x85, 0x08, 0x15, 0x00, 0x25, 0x01, 0x09, 0x2F, 0x75, 0x01,
    0x95, 0x01, 0x81, 0x06, 0x09, 0x20, 0x09, 0x21, 0x75, 0x01, 0x95, 0x02, 0x81, 0x22, 0x95, 0x05,
    0x81, 0x01, 0x05, 0x08, 0x85, 0x09, 0x09, 0x09, 0x95, 0x01, 0x91, 0x22, 0x95, 0x07, 0x91, 0x01,
    0x85, 0x17, 0x09, 0x17, 0x95, 0x01, 0x91, 0x22, 0x95, 0x07, 0x91, 0x01, 0x85, 0x18, 0x09, 0x18,
    0x95, 0x01, 0x91, 0x22, 0x95, 0x07, 0x91, 0x01, 0x85, 0x1E, 0x09, 0x1E, 0x95, 0x01, 0x91, 0x22,
    0x95, 0x07, 0x91, 0x01, 0x85, 0x20, 0x09, 0x20, 0x95, 0x01, 0x91, 0x22, 0x95, 0x07, 0x91, 0x01,
    0x85, 0x2A, 0x09, 0x2A, 0x95, 0x01, 0x91, 0x22, 0x95, 0x07, 0x91, 0x01, 0xC0,
];
const OFF_HOOK: [u8; 2] = [0x08, 0b010];
const ON_HOOK: [u8; 2] = [0x08, 0b000];
const MUTE_PRESS: [u8; 2] = [0x08, 0b011];
const LED_MUTE: u8 = 0x09;
const LED_OFF_HOOK: u8 = 0x17;
const LED_RING: u8 = 0x18;

const FAST: Timing = Timing {
    retry: Duration::from_millis(20),
    poll: Duration::from_millis(5),
};
const WAIT: Duration = Duration::from_secs(10);

/// A call kept as `Calls` keeps it: answer only a ringing call, hang up any, mute only one that
/// is up; what was asked is logged.
#[derive(Default)]
struct Desk {
    call: Mutex<AppCall>,
    asked: Mutex<Vec<String>>,
}

impl Desk {
    fn set(&self, call: AppCall) {
        *self.call.lock().expect("lock") = call;
    }
    fn asked(&self) -> Vec<String> {
        self.asked.lock().expect("lock").clone()
    }
}

#[async_trait::async_trait]
impl CallDesk for Desk {
    fn call(&self) -> AppCall {
        *self.call.lock().expect("lock")
    }

    async fn answer(self: Arc<Self>) -> Result<(), String> {
        self.asked.lock().expect("lock").push("answer".into());
        let mut call = self.call.lock().expect("lock");
        if call.phase != CallPhase::Ringing {
            return Err("there is no call to do that with".into());
        }
        call.phase = CallPhase::Active { on_hold: false };
        Ok(())
    }

    async fn hang_up(self: Arc<Self>) -> Result<(), String> {
        self.asked.lock().expect("lock").push("hang_up".into());
        *self.call.lock().expect("lock") = AppCall::default();
        Ok(())
    }

    async fn set_muted(self: Arc<Self>, on: bool) -> Result<(), String> {
        self.asked.lock().expect("lock").push(format!("mute {on}"));
        let mut call = self.call.lock().expect("lock");
        if !matches!(call.phase, CallPhase::Active { .. }) {
            return Err("there is no call to do that with".into());
        }
        call.muted = on;
        Ok(())
    }
}

fn poly() -> FakeHeadset {
    let info = HeadsetInfo {
        vendor_id: 0x047F,
        product_id: 0xC056,
        name: "Plantronics Blackwire 3220 Series".into(),
        path: "/dev/hidraw-fake".into(),
    };
    FakeHeadset::new(info, &POLY)
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < WAIT, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn led(headset: &FakeHeadset, id: u8) -> Option<u8> {
    headset
        .written()
        .iter()
        .rev()
        .find(|r| r.first() == Some(&id))
        .and_then(|r| r.get(1).copied())
}

#[test]
fn a_ringing_call_is_answered_muted_both_ways_and_hung_up_from_the_headset() {
    let headset = poly();
    let desk = Arc::new(Desk::default());
    let link = HeadsetLink::start(desk.clone(), headset.source(), FAST).expect("starts");
    wait_until("connected", || {
        matches!(link.status(), Status::Connected { .. })
    });
    assert_eq!(
        status_view(Some(link.status())).name.as_deref(),
        Some("Plantronics Blackwire 3220 Series")
    );

    // The call rings: the headset rings.
    desk.set(AppCall {
        phase: CallPhase::Ringing,
        muted: false,
    });
    wait_until("the ring LED", || led(&headset, LED_RING) == Some(1));

    // Its button answers; the lights say so.
    headset.send(&OFF_HOOK);
    wait_until("answered", || {
        desk.call().phase == CallPhase::Active { on_hold: false }
    });
    wait_until("off hook, not ringing", || {
        led(&headset, LED_OFF_HOOK) == Some(1) && led(&headset, LED_RING) == Some(0)
    });

    // Its mute button mutes the app, and the app's mute lights it.
    headset.send(&MUTE_PRESS);
    wait_until("muted", || desk.call().muted);
    wait_until("the mute LED", || led(&headset, LED_MUTE) == Some(1));
    headset.send(&OFF_HOOK);
    headset.send(&MUTE_PRESS);
    wait_until("unmuted", || !desk.call().muted);
    wait_until("the mute LED off", || led(&headset, LED_MUTE) == Some(0));

    // Muted in the app (the call panel's button): the headset's light follows.
    desk.set(AppCall {
        phase: CallPhase::Active { on_hold: false },
        muted: true,
    });
    wait_until("the mute LED from the app", || {
        led(&headset, LED_MUTE) == Some(1)
    });

    // On hook: hung up, all lights off.
    headset.send(&ON_HOOK);
    wait_until("hung up", || desk.call().phase == CallPhase::Idle);
    wait_until("all off", || {
        led(&headset, LED_OFF_HOOK) == Some(0) && led(&headset, LED_MUTE) == Some(0)
    });
    assert_eq!(
        desk.asked(),
        ["answer", "mute true", "mute false", "hang_up"]
    );
}

#[test]
fn the_headset_unplugged_mid_call_comes_back_with_the_call_lit() {
    let headset = poly();
    let desk = Arc::new(Desk::default());
    desk.set(AppCall {
        phase: CallPhase::Active { on_hold: false },
        muted: true,
    });
    let link = HeadsetLink::start(desk.clone(), headset.source(), FAST).expect("starts");
    wait_until("lit", || {
        led(&headset, LED_OFF_HOOK) == Some(1) && led(&headset, LED_MUTE) == Some(1)
    });
    headset.unplug();
    wait_until("searching", || link.status() == Status::Searching);
    let before = headset.written().len();
    headset.plug();
    wait_until("relit", || {
        headset.written().len() > before && led(&headset, LED_OFF_HOOK) == Some(1)
    });
    headset.send(&ON_HOOK);
    wait_until("hung up", || desk.call().phase == CallPhase::Idle);
}

#[test]
fn the_call_panel_states_map_onto_the_headset() {
    let view = |state: &str, muted: bool| CallView {
        state: state.into(),
        muted,
        ..CallView::default()
    };
    assert_eq!(app_call(&view("idle", false)).phase, CallPhase::Idle);
    assert_eq!(app_call(&view("ended", false)).phase, CallPhase::Idle);
    assert_eq!(
        app_call(&view("ringing_in", false)).phase,
        CallPhase::Ringing
    );
    for active in ["ringing_out", "connecting", "connected", "reconnecting"] {
        assert_eq!(
            app_call(&view(active, false)).phase,
            CallPhase::Active { on_hold: false }
        );
    }
    assert_eq!(
        app_call(&view("on_hold", true)),
        AppCall {
            phase: CallPhase::Active { on_hold: true },
            muted: true
        }
    );
    assert_eq!(status_view(None).state, "off");
    let unusable = |why| Status::Unusable {
        name: "Jabra".into(),
        why,
    };
    assert_eq!(
        status_view(Some(unusable(Unusable::NoAccess)))
            .reason
            .as_deref(),
        Some("no_access")
    );
    assert_eq!(
        status_view(Some(unusable(Unusable::NotUnderstood("x".into()))))
            .reason
            .as_deref(),
        Some("unsupported")
    );
}
