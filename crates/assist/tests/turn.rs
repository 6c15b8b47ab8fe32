//! A remote session through TURN only: a real coturn on loopback (Debian's, REST credentials
//! from a shared secret), the line server handing out its credentials, the `linedesk-assist`
//! binary hosting with `--relay-only` and the specialist's viewer relay-only too: the screen
//! arrives exactly, and coturn made an allocation for each side.

mod common;
#[path = "../../../test-support/coturn.rs"]
mod coturn;

use std::time::Duration;

use common::{
    Assistant, Specialist, connected, display_with_xterm, screenshot, wait_canvas_equals,
};
use coturn::Coturn;
use linedesk_protocol::{Event, RemoteMode};
use linedesk_remote::SessionConfig;
use linedesk_server::ice::{IceConfig, TurnSecret};
use linedesk_sync::Incoming;

const SECRET: &str = "coturn-and-linedesk-share-this";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_session_over_turn_only_shows_the_screen() {
    let dir = tempfile::tempdir().expect("dir");
    let turn = Coturn::start(dir.path(), SECRET);
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
    let log = turn.log_text();
    assert!(
        log.matches("ALLOCATE processed, success").count() >= 2,
        "both sides allocated a relay: {log}"
    );
    viewer.close().await;
}
