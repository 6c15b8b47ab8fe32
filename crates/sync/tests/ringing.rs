//! A client's call that rings the line while the specialist's app is offline (starting up, or
//! reconnecting) rings in the app once its sync catches up: the replay's call events are not
//! news, but a call still ringing at the end of the replay is. A call that ended during the
//! replay is not announced. Real server seeded with the demo world, real WebSocket clients.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use linedesk_demo::DEMO_SPECIALIST_LOGIN;
use linedesk_engine::line::LineLink;
use linedesk_protocol::{Action, CallEndReason, Event, Role};
use linedesk_server::app::{Server, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::demo::{DEMO_CLIENT_PASSWORD, seed_if_empty};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::StorageError;
use linedesk_store::Store;
use linedesk_sync::{Incoming, SyncConfig, spawn};
use tokio::net::TcpListener;

fn hash(password: &str) -> Result<String, StorageError> {
    hash_password(password).map_err(|e| StorageError::Invalid(e.to_string()))
}

/// The client places a call and learns its id.
async fn place(client: &mut LineLink) -> u64 {
    let key = client
        .submit(Action::PlaceCall {
            line: client.line,
            client: None,
        })
        .await
        .expect("placed");
    client
        .event(|e| match e {
            Event::CallRinging { call, key: k, .. } if k.as_deref() == Some(&key) => Some(*call),
            _ => None,
        })
        .await
        .expect("its call")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_ringing_before_the_app_connects_rings_once_it_catches_up() {
    let sdir = tempfile::tempdir().expect("dir");
    let storage = Arc::new(SqliteStorage::open(&sdir.path().join("server.db")).expect("storage"));
    let now = linedesk_server::app::now_ms();
    seed_if_empty(&*storage, now, &hash("spec-pass").expect("hash"), &hash)
        .expect("seed")
        .expect("seeded");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    tokio::spawn(serve(listener, Server::new(storage)));

    // Before the specialist's app is on: one call rings and is given up, a second rings on.
    let mut client = LineLink::join_own_line(&addr, "client-5", DEMO_CLIENT_PASSWORD)
        .await
        .expect("client signs in");
    let given_up = place(&mut client).await;
    client
        .submit(Action::HangUp {
            call: given_up,
            reason: CallEndReason::Cancelled,
        })
        .await
        .expect("given up");
    let ringing = place(&mut client).await;

    let ldir = tempfile::tempdir().expect("dir");
    let store = Arc::new(Mutex::new(
        Store::open(&ldir.path().join("linedesk.db")).expect("store"),
    ));
    let handle = spawn(
        store,
        SyncConfig {
            server: addr,
            login: DEMO_SPECIALIST_LOGIN.into(),
            password: "spec-pass".into(),
            ..SyncConfig::default()
        },
    );
    let mut incoming = handle.incoming();
    let rung = loop {
        let item = tokio::time::timeout(Duration::from_secs(30), incoming.recv())
            .await
            .expect("the ringing call is announced")
            .expect("channel");
        if let Incoming::Event {
            event: Event::CallRinging { call, from, .. },
            ..
        } = item
        {
            assert_eq!(from, Role::Client);
            break call;
        }
    };
    assert_eq!(rung, ringing, "the call given up before is not announced");
}
