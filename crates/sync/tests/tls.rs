//! The sync client against the real server over TLS (https:// login, wss:// session) with a
//! company CA given in the config; without that CA the connection is refused and said so.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use linedesk_endpoint::test_pki::TestPki;
use linedesk_protocol::Event;
use linedesk_server::app::Server;
use linedesk_server::auth::hash_password;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::Storage;
use linedesk_server::tls::{serve_tls, server_config};
use linedesk_store::{MessageStatus, Store, demo};
use linedesk_sync::{SyncConfig, SyncStatus, spawn};

const NOW: i64 = 1_764_000_000_000;

/// The server over TLS with line 1, client 1 and Anna: its address, storage and CA file.
async fn tls_server() -> (SocketAddr, Arc<SqliteStorage>, PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("dir");
    let pki = TestPki::new(dir.path(), "company-", &["127.0.0.1"]).expect("test CA");
    let storage = Arc::new(SqliteStorage::open(&dir.path().join("server.db")).expect("storage"));
    let line = storage.add_line(demo::DEMO_LINE_NAME).expect("line");
    storage
        .add_client(line, demo::DEMO_SEARCH_CLIENT_NAME)
        .expect("client");
    let anna = storage
        .add_specialist("anna", &hash_password("anna-pass").expect("hash"), "Анна")
        .expect("anna");
    storage.serve_line(anna, line, 0, 5).expect("serve");
    let tls = server_config(&pki.cert, &pki.key).expect("tls");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = Server::new(storage.clone());
    tokio::spawn(async move { serve_tls(listener, server, tls).await });
    (addr, storage, pki.ca, dir)
}

fn local_store() -> (Arc<Mutex<Store>>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(&dir.path().join("linedesk.db")).expect("store");
    demo::seed_if_empty(&store, NOW).expect("seed");
    (Arc::new(Mutex::new(store)), dir)
}

async fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn posted(storage: &SqliteStorage) -> Vec<String> {
    storage
        .events_after(1, 0, 1000)
        .expect("events")
        .into_iter()
        .filter_map(|e| match e.event {
            Event::MessagePosted { text, .. } => Some(text),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_and_wss_with_the_company_ca_a_message_makes_the_round_trip() {
    let (addr, storage, ca, _sdir) = tls_server().await;
    let (store, _ldir) = local_store();
    let config = SyncConfig {
        server: format!("https://{addr}"),
        login: "anna".into(),
        password: "anna-pass".into(),
        ca_file: Some(ca),
    };
    let handle = spawn(store.clone(), config);
    let status = handle.status();
    wait_until("in sync", || *status.borrow() == SyncStatus::InSync).await;
    store
        .lock()
        .expect("lock")
        .send_message(1, 1, "По защищённому каналу", NOW)
        .expect("send");
    handle.nudge();
    wait_until("the message on the server", || {
        posted(&storage) == ["По защищённому каналу"]
    })
    .await;
    wait_until("the message marked sent", || {
        let page = store
            .lock()
            .expect("lock")
            .messages(1, 1, None, 5)
            .expect("messages");
        page.last().map(|m| m.status) == Some(MessageStatus::Sent)
    })
    .await;
    handle.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_company_ca_the_server_is_not_trusted_and_nothing_is_sent() {
    let (addr, storage, _ca, _sdir) = tls_server().await;
    let (store, _ldir) = local_store();
    let config = SyncConfig {
        server: format!("https://{addr}"),
        login: "anna".into(),
        password: "anna-pass".into(),
        ca_file: None,
    };
    store
        .lock()
        .expect("lock")
        .send_message(1, 1, "не должно уйти", NOW)
        .expect("send");
    let handle = spawn(store.clone(), config);
    let status = handle.status();
    wait_until("offline with a TLS reason", || {
        matches!(&*status.borrow(), SyncStatus::Offline { reason, .. } if reason.contains("secure connection"))
    })
    .await;
    assert!(posted(&storage).is_empty());
    handle.stop();
}
