//! Token renewal (issue 12): the sync renews its token before it expires (here: as soon as
//! the renewal margin is the token's whole life but 1.5 s), uploads get the new token, the old
//! one is revoked, and the session goes on in sync on the new one, round after round.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use linedesk_protocol::Event;
use linedesk_server::app::{Server, now_ms, serve};
use linedesk_server::auth::{hash_password, token_hash};
use linedesk_server::session_limits::SessionLimits;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::Storage;
use linedesk_store::{Store, demo};
use linedesk_sync::{SyncConfig, SyncStatus, Timing, spawn_with};

const NOW: i64 = 1_764_000_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_is_renewed_before_it_expires_and_the_session_goes_on() {
    let dir = tempfile::tempdir().expect("dir");
    let storage = Arc::new(SqliteStorage::open(&dir.path().join("server.db")).expect("storage"));
    let line = storage.add_line(demo::DEMO_LINE_NAME).expect("line");
    storage
        .add_client(line, demo::DEMO_SEARCH_CLIENT_NAME)
        .expect("client");
    let anna = storage
        .add_specialist("anna", &hash_password("anna-pass").expect("hash"), "Анна")
        .expect("anna");
    storage.serve_line(anna, line, 0, 5).expect("serve");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(serve(listener, Server::new(storage.clone())));

    let ldir = tempfile::tempdir().expect("dir");
    let local = Store::open(&ldir.path().join("linedesk.db")).expect("store");
    demo::seed_if_empty(&local, NOW).expect("seed");
    let store = Arc::new(Mutex::new(local));
    let config = SyncConfig {
        server: addr.to_string(),
        login: "anna".into(),
        password: "anna-pass".into(),
        ca_file: None,
    };
    // Renew 1.5 s after each token is given: a token lifetime of 1.5 s as the sync sees it.
    let lifetime = u64::try_from(SessionLimits::default().token_lifetime_ms()).expect("lifetime");
    let timing = Timing {
        renew_before: Duration::from_millis(lifetime - 1_500),
        ..Timing::default()
    };
    let handle = spawn_with(store.clone(), config, timing);
    let mut status = handle.status();
    let in_sync = |s: &SyncStatus| *s == SyncStatus::InSync;
    tokio::time::timeout(Duration::from_secs(15), status.wait_for(in_sync))
        .await
        .expect("in sync")
        .expect("status");
    let first = handle.token().expect("token");
    let owner = |token: &str| {
        storage
            .token_owner(&token_hash(token), now_ms())
            .expect("storage")
    };
    assert!(owner(&first).is_some());

    // Two renewals in a row: each token is traded for the next one and then refused.
    let mut previous = first;
    for round in 0..2 {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        let renewed = loop {
            match handle.token() {
                Some(token) if token != previous => break token,
                _ => {}
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "round {round}: no renewal"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert!(
            owner(&previous).is_none(),
            "round {round}: the old token is revoked"
        );
        assert!(
            owner(&renewed).is_some(),
            "round {round}: the new one works"
        );
        previous = renewed;
    }

    // The session goes on: back in sync, and the outbox still reaches the server.
    tokio::time::timeout(Duration::from_secs(15), status.wait_for(in_sync))
        .await
        .expect("in sync after renewals")
        .expect("status");
    store
        .lock()
        .expect("lock")
        .send_message(1, 1, "после обновления токена", NOW)
        .expect("send");
    handle.nudge();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let posted = storage
            .events_after(line, 0, 10_000)
            .expect("events")
            .into_iter()
            .any(|e| matches!(e.event, Event::MessagePosted { ref text, .. } if text == "после обновления токена"));
        if posted {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the message never arrived"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    handle.stop();
}
