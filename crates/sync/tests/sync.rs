//! The sync client against a real server on 127.0.0.1, through a TCP proxy that can cut the
//! network: actions queued while offline arrive exactly once, in order.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::Event;
use linedesk_server::app::{Server, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::Storage;
use linedesk_store::{MessageStatus, Store, demo};
use linedesk_sync::{SyncConfig, SyncStatus, spawn};
use tokio::net::{TcpListener, TcpStream};

const NOW: i64 = 1_764_000_000_000;

/// The server knows line 1 and client 1, the same ids as the local demo line and its first
/// client (the server will provide the demo data in a later step).
async fn server() -> (SocketAddr, Arc<SqliteStorage>, tempfile::TempDir) {
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
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = Server::new(storage.clone());
    tokio::spawn(async move { serve(listener, server).await });
    (addr, storage, dir)
}

/// A TCP proxy whose "network" can be cut: live connections are dropped and new ones are
/// closed at once until it is restored.
struct Proxy {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    live: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Proxy {
    async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let up = Arc::new(AtomicBool::new(true));
        let live = Arc::new(Mutex::new(Vec::new()));
        let (up2, live2) = (up.clone(), live.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    continue; // dropped: the connection closes at once
                }
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                live2.lock().expect("lock").push(task.abort_handle());
            }
        });
        Proxy { addr, up, live }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for task in self.live.lock().expect("lock").drain(..) {
            task.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

fn local_store() -> (Arc<Mutex<Store>>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(&dir.path().join("linedesk.db")).expect("store");
    demo::seed_if_empty(&store, NOW).expect("seed");
    (Arc::new(Mutex::new(store)), dir)
}

fn config(addr: SocketAddr, password: &str) -> SyncConfig {
    SyncConfig {
        server: addr.to_string(),
        login: "anna".into(),
        password: password.into(),
        ca_file: None,
    }
}

async fn wait_until(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn posted(storage: &SqliteStorage) -> Vec<String> {
    let mut texts = Vec::new();
    let mut after = 0;
    loop {
        let page = storage.events_after(1, after, 1000).expect("events");
        let Some(last) = page.last() else {
            return texts;
        };
        after = last.seq;
        texts.extend(page.into_iter().filter_map(|e| match e.event {
            Event::MessagePosted { text, .. } => Some(text),
            _ => None,
        }));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_reaches_the_server_and_messages_turn_sent() {
    let (addr, storage, _sdir) = server().await;
    let (store, _ldir) = local_store();
    let handle = spawn(store.clone(), config(addr, "anna-pass"));
    let status = handle.status();
    wait_until("in sync", Duration::from_secs(10), || {
        *status.borrow() == SyncStatus::InSync
    })
    .await;

    {
        let s = store.lock().expect("lock");
        s.set_presence(PresenceStatus::Busy, NOW).expect("presence");
        s.send_message(1, 1, "Добрый день!", NOW).expect("send");
    }
    handle.nudge();
    wait_until("the message on the server", Duration::from_secs(10), || {
        posted(&storage) == ["Добрый день!"]
    })
    .await;
    wait_until("the outbox empty", Duration::from_secs(10), || {
        store
            .lock()
            .expect("lock")
            .outbox_pending_count()
            .expect("count")
            == 0
    })
    .await;
    let page = store
        .lock()
        .expect("lock")
        .messages(1, 1, None, 5)
        .expect("messages");
    assert_eq!(page.last().map(|m| m.status), Some(MessageStatus::Sent));
    let presence = storage.events_after(1, 0, 10).expect("events");
    assert!(presence.iter().any(|e| e.event
        == Event::PresenceChanged {
            specialist: 1,
            status: PresenceStatus::Busy
        }));
    handle.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_login_is_reported_and_not_hammered() {
    let (addr, _storage, _sdir) = server().await;
    let (store, _ldir) = local_store();
    let handle = spawn(store, config(addr, "wrong"));
    let status = handle.status();
    wait_until("login refused", Duration::from_secs(10), || {
        *status.borrow() == SyncStatus::LoginRefused
    })
    .await;
    handle.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_password_it_waits_for_the_sign_in_and_a_new_password_mends_a_refusal() {
    let (addr, _storage, _sdir) = server().await;
    let (store, _ldir) = local_store();
    store
        .lock()
        .expect("lock")
        .send_message(1, 1, "написано до входа", NOW)
        .expect("send");
    let handle = spawn(store.clone(), config(addr, ""));
    let status = handle.status();
    wait_until("sign-in needed", Duration::from_secs(10), || {
        *status.borrow() == SyncStatus::SignInNeeded
    })
    .await;
    assert_eq!(handle.login(), "anna");
    handle.sign_in("anna", "wrong");
    wait_until("login refused", Duration::from_secs(10), || {
        *status.borrow() == SyncStatus::LoginRefused
    })
    .await;
    // The right password is tried at once, not after the refusal's long wait.
    handle.sign_in(" anna ", "anna-pass");
    wait_until("in sync", Duration::from_secs(10), || {
        *status.borrow() == SyncStatus::InSync
    })
    .await;
    assert_eq!(
        store
            .lock()
            .expect("lock")
            .outbox_pending_count()
            .expect("count"),
        0,
        "what was written before the sign-in went out"
    );
    handle.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_action_steps_aside_and_the_rest_still_arrive() {
    let (addr, storage, _sdir) = server().await;
    let (store, _ldir) = local_store();
    {
        let s = store.lock().expect("lock");
        s.send_message(1, 1, "первое", NOW).expect("send");
        // Client 2 exists locally but not on the server: the server refuses it for good.
        s.send_message(1, 2, "неизвестному клиенту", NOW)
            .expect("send");
        s.send_message(1, 1, "третье", NOW).expect("send");
    }
    let handle = spawn(store.clone(), config(addr, "anna-pass"));
    wait_until("both good messages", Duration::from_secs(10), || {
        posted(&storage) == ["первое", "третье"]
    })
    .await;
    // The server stores an action before its Ack reaches the client: wait for the Ack.
    wait_until("the outbox empty", Duration::from_secs(10), || {
        store
            .lock()
            .expect("lock")
            .outbox_pending_count()
            .expect("count")
            == 0
    })
    .await;
    // The refusal is kept typed for the app (code, rule, field), by outbox id.
    let refusal = handle.refused().borrow().clone().expect("a refusal");
    let (failed_id, _, _) = store
        .lock()
        .expect("lock")
        .outbox_last_failure()
        .expect("failure")
        .expect("one failed");
    assert_eq!(refusal.outbox_id, failed_id);
    assert_ne!(refusal.code, linedesk_protocol::ErrorCode::Internal);
    handle.stop();
}

/// Issue 4: cut a specialist's connection for 60 s while they queue 1,000 actions: all arrive
/// exactly once, in order. A second, short cut in the middle of the flush forces resends of
/// actions the server may already have applied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_60_second_cut_with_1000_queued_actions_delivers_each_once_in_order() {
    let (addr, storage, _sdir) = server().await;
    let proxy = Proxy::start(addr).await;
    let (store, _ldir) = local_store();
    let handle = spawn(store.clone(), config(proxy.addr, "anna-pass"));
    let status = handle.status();
    wait_until("in sync", Duration::from_secs(10), || {
        *status.borrow() == SyncStatus::InSync
    })
    .await;

    proxy.cut();
    let expected: Vec<String> = (0..1000).map(|i| format!("сообщение {i:04}")).collect();
    for text in &expected {
        store
            .lock()
            .expect("lock")
            .send_message(1, 1, text, NOW)
            .expect("queue while offline");
        handle.nudge();
    }
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(
        matches!(
            *status.borrow(),
            SyncStatus::Offline { .. } | SyncStatus::Connecting
        ),
        "honest about being offline"
    );
    assert!(posted(&storage).is_empty(), "nothing passed the cut");

    proxy.restore();
    wait_until("a third delivered", Duration::from_secs(60), || {
        posted(&storage).len() >= 300
    })
    .await;
    proxy.cut();
    tokio::time::sleep(Duration::from_secs(2)).await;
    proxy.restore();
    wait_until("everything delivered", Duration::from_secs(90), || {
        store
            .lock()
            .expect("lock")
            .outbox_pending_count()
            .expect("count")
            == 0
    })
    .await;
    wait_until("in sync again", Duration::from_secs(20), || {
        *status.borrow() == SyncStatus::InSync
    })
    .await;
    assert_eq!(
        posted(&storage),
        expected,
        "every action exactly once, in order"
    );
    handle.stop();
}

/// The server sets a specialist Offline when their connection stays away past the grace; when
/// the sync client reconnects it says again where the specialist is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_is_restored_after_the_server_declared_the_specialist_offline() {
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
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = Server::with_offline_grace(storage.clone(), Duration::from_millis(300));
    tokio::spawn(async move { serve(listener, server).await });
    let proxy = Proxy::start(addr).await;

    let (store, _ldir) = local_store();
    store
        .lock()
        .expect("lock")
        .set_presence(PresenceStatus::Available, NOW)
        .expect("presence");
    let handle = spawn(store.clone(), config(proxy.addr, "anna-pass"));
    let status = handle.status();
    wait_until("in sync", Duration::from_secs(10), || {
        *status.borrow() == SyncStatus::InSync
    })
    .await;
    proxy.cut();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    proxy.restore();
    handle.nudge();
    let presences = || -> Vec<PresenceStatus> {
        storage
            .events_after(1, 0, 100)
            .expect("events")
            .into_iter()
            .filter_map(|e| match e.event {
                Event::PresenceChanged { status, .. } => Some(status),
                _ => None,
            })
            .collect()
    };
    wait_until(
        "Available again after Offline",
        Duration::from_secs(20),
        || {
            let p = presences();
            p.contains(&PresenceStatus::Offline) && p.last() == Some(&PresenceStatus::Available)
        },
    )
    .await;
    handle.stop();
}
