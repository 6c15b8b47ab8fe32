//! Issue 12: an event the app cannot read (here larger than a frame, as a log written before
//! the limits could hold) is skipped and reported; it never stalls the outbox, its own line's
//! later events or other lines, and the sync does not loop on it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use linedesk_protocol::{Event, MAX_FRAME_BYTES};
use linedesk_server::app::{Server, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::Storage;
use linedesk_store::{Store, demo};
use linedesk_sync::{SyncConfig, SyncStatus, spawn};

const NOW: i64 = 1_764_000_000_000;

/// The last sequence number of `line` on the server.
fn last_seq(storage: &SqliteStorage, line: u64) -> u64 {
    let mut after = 0;
    loop {
        let page = storage.events_after(line, after, 1000).expect("events");
        match page.last() {
            Some(last) => after = last.seq,
            None => return after,
        }
    }
}

fn posted(storage: &SqliteStorage) -> Vec<String> {
    storage
        .events_after(1, 0, 10_000)
        .expect("events")
        .into_iter()
        .filter_map(|e| match e.event {
            Event::MessagePosted { text, .. } => Some(text),
            _ => None,
        })
        .collect()
}

async fn wait_until(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_event_is_skipped_and_reported_and_nothing_else_stalls() {
    let dir = tempfile::tempdir().expect("dir");
    let storage = Arc::new(SqliteStorage::open(&dir.path().join("server.db")).expect("storage"));
    let line = storage.add_line(demo::DEMO_LINE_NAME).expect("line");
    storage
        .add_client(line, demo::DEMO_SEARCH_CLIENT_NAME)
        .expect("client");
    // The storage trusts its callers (the wire, the admin API and imports check the limits of
    // crates/protocol): written straight into the log, this client's card makes an event
    // larger than any frame, as an older server could have written.
    let huge = "x".repeat(MAX_FRAME_BYTES + 4_000);
    storage.add_client(line, &huge).expect("huge client");
    let bad_seq = last_seq(&storage, line);
    storage
        .add_client(line, "Пётр После")
        .expect("client after");
    let other = storage.add_line("Вторая линия").expect("line 2");
    storage.add_client(other, "Клиент").expect("client 2");
    let anna = storage
        .add_specialist("anna", &hash_password("anna-pass").expect("hash"), "Анна")
        .expect("anna");
    storage.serve_line(anna, line, 0, 5).expect("serve");
    storage.serve_line(anna, other, 0, 5).expect("serve");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    tokio::spawn(serve(listener, Server::new(storage.clone())));

    let ldir = tempfile::tempdir().expect("dir");
    let local = Store::open(&ldir.path().join("linedesk.db")).expect("store");
    demo::seed_if_empty(&local, NOW).expect("seed");
    local.send_message(1, 1, "первое", NOW).expect("send");
    local.send_message(1, 1, "второе", NOW).expect("send");
    let store = Arc::new(Mutex::new(local));
    let config = SyncConfig {
        server: addr.to_string(),
        login: "anna".into(),
        password: "anna-pass".into(),
        ca_file: None,
    };
    let handle = spawn(store.clone(), config.clone());
    let cursor = |l: u64| {
        let s = store.lock().expect("lock");
        s.sync_cursor(i64::try_from(l).expect("id"))
            .expect("cursor")
    };
    let (end_a, end_b) = (last_seq(&storage, line), last_seq(&storage, other));
    wait_until("the outbox drained", Duration::from_secs(15), || {
        posted(&storage) == ["первое", "второе"]
            && store
                .lock()
                .expect("lock")
                .outbox_pending_count()
                .expect("count")
                == 0
    })
    .await;
    wait_until(
        "both lines synced to their end",
        Duration::from_secs(15),
        || {
            cursor(line) >= i64::try_from(end_a).expect("seq")
                && cursor(other) >= i64::try_from(end_b).expect("seq")
        },
    )
    .await;
    let unreadable = handle.unreadable().borrow().clone();
    assert_eq!(unreadable.count, 1, "{unreadable:?}");
    let skipped = unreadable.last.expect("reported");
    assert_eq!((skipped.line, skipped.seq), (Some(line), Some(bad_seq)));
    assert!(skipped.cursor_moved && skipped.bytes > MAX_FRAME_BYTES);
    // The sync does not loop on it: it stays connected and reports it once.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(*handle.status().borrow(), SyncStatus::InSync);
    assert_eq!(handle.unreadable().borrow().count, 1);
    handle.stop();

    // The cursor moved past it: a new session does not fetch it again.
    let again = spawn(store.clone(), config);
    let mut status = again.status();
    tokio::time::timeout(
        Duration::from_secs(10),
        status.wait_for(|s| *s == SyncStatus::InSync),
    )
    .await
    .expect("in time")
    .expect("status");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(again.unreadable().borrow().count, 0);
    again.stop();
}
