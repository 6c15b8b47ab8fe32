//! The headset's buttons on a real call: the app's own state (its embedded line server, sync and
//! `Calls`, as `lib.rs` starts them), a simulated client calling the line over WebRTC on
//! loopback, and the fake headset with the Poly Blackwire 3220's recorded descriptor replaying
//! its hook and mute reports through `headset_buttons`. No sound card: the call runs on the
//! app's silent fallback.

use std::time::{Duration, Instant};

use linedesk_app::headset_buttons::HeadsetLink;
use linedesk_app::line::LineConfig;
use linedesk_app::state::AppState;
use linedesk_client_sim::{CallPlan, EndedBy, Phone};
use linedesk_headset_hid::fake::FakeHeadset;
use linedesk_headset_hid::{HeadsetInfo, Status, Timing};

/// Plantronics Blackwire 3220, telephony collection, byte for byte (source:
/// crates/headset-hid/tests/fixtures/poly_blackwire_3220_telephony.hex).
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

fn led(headset: &FakeHeadset, id: u8) -> Option<u8> {
    headset
        .written()
        .iter()
        .rev()
        .find(|r| r.first() == Some(&id))
        .and_then(|r| r.get(1).copied())
}

async fn wait_until(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A second of a quiet 440 Hz tone: the client's microphone.
fn tone() -> Vec<f32> {
    (0..48_000)
        .map(|i| 0.1 * (i as f32 * 440.0 * std::f32::consts::TAU / 48_000.0).sin())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_call_is_answered_muted_and_hung_up_from_the_headset() {
    let data = tempfile::tempdir().expect("data dir");
    // The app opens its state outside async code (it blocks on the embedded server's start).
    let dir = data.path().to_path_buf();
    let state = tokio::task::spawn_blocking(move || {
        AppState::open(&dir, LineConfig::Embedded, 1_790_000_000_000)
    })
    .await
    .expect("the app's state");
    let calls = state.calls().expect("calls need the embedded line").clone();
    let address = std::fs::read_to_string(data.path().join("server").join("address"))
        .expect("the embedded server's address");

    let headset = FakeHeadset::new(
        HeadsetInfo {
            vendor_id: 0x047F,
            product_id: 0xC056,
            name: "Plantronics Blackwire 3220 Series".into(),
            path: "/dev/hidraw-fake".into(),
        },
        &POLY,
    );
    let fast = Timing {
        retry: Duration::from_millis(20),
        poll: Duration::from_millis(5),
    };
    let link = HeadsetLink::start(calls.clone(), headset.source(), fast).expect("starts");
    wait_until("the headset", Duration::from_secs(10), || {
        matches!(link.status(), Status::Connected { .. })
    })
    .await;

    let phone = Phone::sign_in(address.trim(), "client-5", "demo-client")
        .await
        .expect("client-5 signs in");
    let mut plan = CallPlan::new(tone(), Duration::from_secs(60));
    plan.hang_up = false;
    let mut client = tokio::spawn(async move { phone.call_line(plan).await });

    // The call rings in the app and on the headset (a client that gave up first says why).
    tokio::select! {
        () = wait_until("ringing", Duration::from_secs(60), || {
            calls.view().state == "ringing_in"
        }) => {}
        outcome = &mut client => panic!(
            "the client's call ended before the app rang: {outcome:?}; the app's call: {:?}",
            calls.view().state
        ),
    }
    wait_until("the ring LED", Duration::from_secs(5), || {
        led(&headset, LED_RING) == Some(1)
    })
    .await;

    // The hook button answers.
    headset.send(&OFF_HOOK);
    wait_until("connected", Duration::from_secs(30), || {
        calls.view().state == "connected"
    })
    .await;
    wait_until("off hook, not ringing", Duration::from_secs(5), || {
        led(&headset, LED_OFF_HOOK) == Some(1) && led(&headset, LED_RING) == Some(0)
    })
    .await;

    // The client's audio arrives (the media flows both ways before anything else).
    wait_until("the client's audio", Duration::from_secs(20), || {
        calls.view().quality.is_some_and(|q| !q.silent)
    })
    .await;
    // The mute button mutes the call and lights up; again, and it is off.
    headset.send(&MUTE_PRESS);
    wait_until("muted", Duration::from_secs(5), || calls.view().muted).await;
    wait_until("the mute LED", Duration::from_secs(5), || {
        led(&headset, LED_MUTE) == Some(1)
    })
    .await;
    headset.send(&OFF_HOOK);
    headset.send(&MUTE_PRESS);
    wait_until("unmuted", Duration::from_secs(5), || !calls.view().muted).await;
    wait_until("the mute LED off", Duration::from_secs(5), || {
        led(&headset, LED_MUTE) == Some(0)
    })
    .await;
    // Muted from the call panel: the headset's light follows.
    calls.set_muted(true).await.expect("mute from the panel");
    wait_until("the mute LED from the app", Duration::from_secs(5), || {
        led(&headset, LED_MUTE) == Some(1)
    })
    .await;

    // On hook: the call ends for both sides, the lights go out.
    headset.send(&ON_HOOK);
    let outcome = tokio::time::timeout(Duration::from_secs(30), client)
        .await
        .expect("the client's call ends")
        .expect("the client's task")
        .expect("the client's call went through");
    assert!(
        matches!(outcome.ended_by, EndedBy::Specialist(_)),
        "{:?}",
        outcome.ended_by
    );
    wait_until("lights off", Duration::from_secs(5), || {
        led(&headset, LED_OFF_HOOK) == Some(0) && led(&headset, LED_MUTE) == Some(0)
    })
    .await;
}
