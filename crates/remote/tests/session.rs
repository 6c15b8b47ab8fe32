//! A viewer and a host over real WebRTC on 127.0.0.1, the host on an Xvfb display with an
//! xterm: the screen arrives, a still screen costs (almost) nothing, typed keys reach the
//! xterm's shell, and garbage input is counted and dropped while the session goes on.

mod common;

use std::time::{Duration, Instant};

use common::{connect, display_with_xterm, wait_canvas_matches};
use linedesk_remote::{
    HostOptions, InputEvent, InputSink, MAX_INPUT_MESSAGE, SessionState, XTestInput, type_text,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_viewer_sees_the_screen_and_a_still_screen_costs_nothing() {
    let display = display_with_xterm();
    let name = display.name();
    let session = connect(&name, HostOptions::default()).await;
    wait_canvas_matches(&session, &name, Duration::from_secs(15)).await;
    let first = session.host.stats();
    assert!(first.frames_sent >= 1);

    // Two seconds of a still screen: grabs go on, nothing is sent.
    let before = (session.host.stats(), session.viewer.stats());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = (session.host.stats(), session.viewer.stats());
    assert!(
        after.0.grabs >= before.0.grabs + 4,
        "the host keeps grabbing"
    );
    assert_eq!(
        after.0.bytes_sent, before.0.bytes_sent,
        "no bytes for a still screen"
    );
    assert_eq!(after.1.bytes, before.1.bytes);

    // A change in the xterm (typed by another client of the display) arrives.
    let mut other = XTestInput::connect(Some(&name)).expect("xtest");
    other
        .apply(&InputEvent::PointerMove { x: 200, y: 100 })
        .expect("move");
    for ev in type_text("hello") {
        other.apply(&ev).expect("type");
    }
    common::wait_still(&name);
    wait_canvas_matches(&session, &name, Duration::from_secs(10)).await;
    let changed = session.host.stats();
    assert!(changed.bytes_sent > after.0.bytes_sent);
    assert!(
        changed.bytes_sent - after.0.bytes_sent < 64 * 1024,
        "a few letters cost a few tiles: {} bytes",
        changed.bytes_sent - after.0.bytes_sent
    );
    assert_eq!(session.viewer.stats().rejected, 0);

    session.viewer.close().await;
    let mut host_state = session.host.watch();
    tokio::time::timeout(
        Duration::from_secs(15),
        host_state.wait_for(|s| s.is_over()),
    )
    .await
    .expect("the host sees the end")
    .expect("state");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_keys_reach_the_xterm_shell() {
    let display = display_with_xterm();
    let name = display.name();
    let session = connect(&name, HostOptions::default()).await;
    let path = std::env::temp_dir().join(format!(
        "linedesk-remote-{}-{}",
        std::process::id(),
        Instant::now().elapsed().as_nanos() ^ u128::from(std::process::id()) << 20
    ));
    let _ = std::fs::remove_file(&path);
    let command = format!("echo remote-ok > {}\n", path.display());
    session
        .viewer
        .send_input(&InputEvent::PointerMove { x: 300, y: 150 })
        .await
        .expect("move");
    for ev in type_text(&command) {
        session.viewer.send_input(&ev).await.expect("key");
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if std::fs::read_to_string(&path).is_ok_and(|text| text == "remote-ok\n") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the shell did not write {} (host: {:?})",
            path.display(),
            session.host.stats()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = std::fs::remove_file(&path);
    let stats = session.host.stats();
    assert_eq!(stats.rejected_inputs, 0);
    assert_eq!(stats.inputs_applied, 1 + 2 * command.chars().count() as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_input_is_counted_and_dropped_and_the_session_goes_on() {
    let display = display_with_xterm();
    let name = display.name();
    let session = connect(&name, HostOptions::default()).await;
    wait_canvas_matches(&session, &name, Duration::from_secs(15)).await;

    let mut noise = 0x9e37_79b9u32;
    let mut random = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                noise ^= noise << 13;
                noise ^= noise >> 17;
                noise ^= noise << 5;
                noise as u8
            })
            .collect()
    };
    let oversize = format!(
        r#"{{"kind":"clipboard","text":"{}"}}"#,
        "x".repeat(MAX_INPUT_MESSAGE)
    );
    let garbage: Vec<Vec<u8>> = vec![
        random(1),
        random(100),
        random(5000),
        oversize.into_bytes(),
        br#"{"kind":"teleport","x":1,"y":2}"#.to_vec(),
        br#"{"kind":"key","keysym":97}"#.to_vec(),
        br#"{"kind":"pointer_move","x":1280,"y":10}"#.to_vec(),
        br#"{"kind":"pointer_move","x":10,"y":60000}"#.to_vec(),
        br#"{"kind":"button","button":200,"down":true}"#.to_vec(),
        br#"{"kind":"wheel","dx":100,"dy":0}"#.to_vec(),
        br#"{"kind":"combo","keysyms":[1,2,3,4,5,6,7,8,9]}"#.to_vec(),
        // Valid, but this host has no clipboard: refused and counted too.
        br#"{"kind":"clipboard","text":"hi"}"#.to_vec(),
    ];
    for bytes in &garbage {
        session.viewer.send_raw_input(bytes).await.expect("sent");
    }
    // A good event after the garbage is still applied, in order.
    session
        .viewer
        .send_input(&InputEvent::PointerMove { x: 300, y: 150 })
        .await
        .expect("move");
    let deadline = Instant::now() + Duration::from_secs(10);
    while session.host.stats().inputs_applied < 1 {
        assert!(Instant::now() < deadline, "{:?}", session.host.stats());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stats = session.host.stats();
    assert_eq!(stats.rejected_inputs, garbage.len() as u64);
    assert_eq!(stats.inputs_applied, 1);
    assert_eq!(session.host.state(), SessionState::Connected);
    assert_eq!(session.viewer.state(), SessionState::Connected);

    // The viewer keeps receiving: typed text shows on its canvas.
    for ev in type_text("still-here") {
        session.viewer.send_input(&ev).await.expect("key");
    }
    common::wait_still(&name);
    wait_canvas_matches(&session, &name, Duration::from_secs(10)).await;
    assert!(session.host.stats().frames_sent >= 2);
}
