//! A remote session through TURN only: a real coturn on loopback (Debian's, REST credentials
//! from a shared secret), the line server handing out its credentials, the `linedesk-assist`
//! binary hosting with `--relay-only` and the specialist's viewer relay-only too: the screen
//! arrives exactly, and coturn made an allocation for each side. Then the same session with
//! coturn killed once connected and started again (issue 13): the viewer says it is
//! reconnecting, restarts ICE as the offering side (the assistant's host answers through the
//! line server), is connected again without the session ending, and keys and the screen flow
//! again.

mod common;
#[path = "../../../test-support/coturn.rs"]
mod coturn;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{
    Assistant, Specialist, World, connected, display_with_xterm, screenshot, wait_canvas_equals,
};
use coturn::Coturn;
use linedesk_protocol::{Event, RemoteMode};
use linedesk_remote::{InputEvent, SessionConfig, SessionState, Viewer, type_text};
use linedesk_server::ice::{IceConfig, TurnSecret};
use linedesk_sync::Incoming;

const SECRET: &str = "coturn-and-linedesk-share-this";

/// A relay-only session, connected and showing the screen.
struct RelaySession {
    _world: World,
    display: linedesk_remote::xvfb::VirtualDisplay,
    assistant: Assistant,
    _anna: Specialist,
    viewer: Arc<Viewer>,
}

async fn relay_session(turn: &Coturn) -> RelaySession {
    let world = common::world_with(IceConfig {
        stun: Vec::new(),
        turn: vec![turn.url()],
        secret: Some(TurnSecret::new(SECRET)),
        credential_lifetime: Duration::from_secs(600),
    })
    .await;
    let display = display_with_xterm();
    let name = display.name();
    let assistant = Assistant::start(&world, &name, &["--accept", "--relay-only"]);
    assistant
        .wait_for("Waiting for a specialist's request")
        .await;
    let mut anna = Specialist::sign_in(&world).await;
    let session = anna
        .ask(&world, RemoteMode::ByRequest, None)
        .await
        .expect("asked");
    anna.next(|i| match i {
        Incoming::Event {
            event: Event::RemoteStarted { session: s, .. },
            ..
        } if *s == session => Some(()),
        _ => None,
    })
    .await;
    let token = anna.handle.token().expect("signed in");
    let server = linedesk_engine::Connector::parse(&world.url, linedesk_engine::Bare::Plain, None)
        .expect("the server's address");
    let ice = linedesk_engine::ice::ice_setup(&server, &token, true)
        .await
        .expect("the line's TURN server");
    let (viewer, _channels) = anna
        .view_with(
            session,
            SessionConfig {
                ice,
                ..SessionConfig::loopback()
            },
        )
        .await;
    connected(&viewer).await;
    wait_canvas_equals(&viewer, &screenshot(&name), Duration::from_secs(30)).await;
    RelaySession {
        _world: world,
        display,
        assistant,
        _anna: anna,
        viewer,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_session_over_turn_only_shows_the_screen() {
    let dir = tempfile::tempdir().expect("dir");
    let turn = Coturn::start(dir.path(), SECRET);
    let s = relay_session(&turn).await;
    let log = turn.log_text();
    assert!(
        log.matches("ALLOCATE processed, success").count() >= 2,
        "both sides allocated a relay: {log}"
    );
    s.viewer.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_session_comes_back_when_the_relay_restarts() {
    let dir = tempfile::tempdir().expect("dir");
    let mut turn = Coturn::start(dir.path(), SECRET);
    let s = relay_session(&turn).await;
    let name = s.display.name();
    // Every state the viewer goes through from here on.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut states = s.viewer.watch();
    let record = seen.clone();
    tokio::spawn(async move {
        loop {
            let state = *states.borrow_and_update();
            record.lock().expect("states").push(state);
            if states.changed().await.is_err() || state.is_over() {
                return;
            }
        }
    });

    let broken = Instant::now();
    turn.stop();
    let mut states = s.viewer.watch();
    tokio::time::timeout(
        Duration::from_secs(40),
        states.wait_for(|st| *st != SessionState::Connected),
    )
    .await
    .expect("the viewer noticed the broken path")
    .expect("state");
    assert_eq!(
        s.viewer.state(),
        SessionState::Reconnecting,
        "{:?}",
        seen.lock().expect("states")
    );
    let noticed = broken.elapsed();
    turn.resume();
    let resumed = Instant::now();
    tokio::time::timeout(
        Duration::from_secs(40),
        states.wait_for(|st| *st != SessionState::Reconnecting),
    )
    .await
    .expect("reconnected in time")
    .expect("state");
    assert_eq!(s.viewer.state(), SessionState::Connected);
    println!(
        "relay killed: reconnecting after {noticed:?}; relay back: connected after {:?}",
        resumed.elapsed()
    );

    // The session goes on: keys typed in the viewer run in the client's xterm, and what
    // the shell printed reaches the viewer.
    let typed = dir.path().join("typed-after-restart");
    s.viewer
        .send_input(&InputEvent::PointerMove { x: 300, y: 150 })
        .await
        .expect("pointer");
    for ev in type_text(&format!("echo back > {}\n", typed.display())) {
        s.viewer.send_input(&ev).await.expect("key");
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::read_to_string(&typed).ok().as_deref() != Some("back\n") {
        assert!(
            Instant::now() < deadline,
            "the command typed after the restart did not run"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_canvas_equals(&s.viewer, &screenshot(&name), Duration::from_secs(20)).await;

    let seen = seen.lock().expect("states").clone();
    assert!(
        seen.iter().all(|st| !st.is_over()),
        "the session ended on the way: {seen:?}"
    );
    assert!(
        !s.assistant.said("ended") && !s.assistant.said("failed"),
        "the assistant ended the session"
    );
    // Relay-only both ways: the path that came back is a new pair of TURN allocations
    // (the old ones died with coturn).
    s.viewer.close().await;
}
