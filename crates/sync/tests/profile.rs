//! W1 through the app's store and sync against a real server: a specialist saves their profile
//! in the app (name, position, avatar); the line learns it (the action and the upload, in the
//! outbox's order) and a colleague's app shows it: the name, the position and the avatar as a
//! `data:` URL of the image the server checked. An avatar that is not an image never leaves
//! the app's outbox as sent.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use linedesk_server::app::{Server, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::Storage;
use linedesk_store::{Profile, Store};
use linedesk_sync::{SyncConfig, SyncStatus, spawn};
use tokio::net::TcpListener;

/// A tiny but real PNG (1x1, grey).
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\0\0\0\0:~\x9bU\0\0\0\nIDATx\x9cc\xf8\x0f\0\x01\x01\x01\0\x18\xdd\x8d\xb4\0\0\0\0IEND\xaeB`\x82";

async fn wait_until(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

struct App {
    store: Arc<Mutex<Store>>,
    handle: linedesk_sync::SyncHandle,
    _dir: tempfile::TempDir,
}

fn app(addr: &str, login: &str) -> App {
    let dir = tempfile::tempdir().expect("dir");
    let store = Arc::new(Mutex::new(
        Store::open(&dir.path().join("linedesk.db")).expect("store"),
    ));
    let handle = spawn(
        store.clone(),
        SyncConfig {
            server: addr.to_string(),
            login: login.into(),
            password: format!("{login}-pass"),
            ..SyncConfig::default()
        },
    );
    App {
        store,
        handle,
        _dir: dir,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn w1_a_profile_saved_in_the_app_reaches_a_colleague_s_app_with_its_avatar() {
    let sdir = tempfile::tempdir().expect("dir");
    let storage = Arc::new(SqliteStorage::open(&sdir.path().join("server.db")).expect("storage"));
    let line = storage.add_line("Линия").expect("line");
    let mut ids = Vec::new();
    for (login, name) in [("anna", "Анна"), ("vera", "Вера")] {
        let hash = hash_password(&format!("{login}-pass")).expect("hash");
        let id = storage.add_specialist(login, &hash, name).expect("add");
        storage.serve_line(id, line, 0, 5).expect("serve");
        ids.push(id);
    }
    let (anna_id, vera_id) = (ids[0], ids[1]);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    tokio::spawn(serve(listener, Server::new(storage.clone())));
    let anna = app(&addr, "anna");
    let vera = app(&addr, "vera");
    for a in [&anna, &vera] {
        wait_until("in sync", Duration::from_secs(30), || {
            *a.handle.status().borrow() == SyncStatus::InSync
        })
        .await;
    }

    // Anna saves her profile in the app: it is queued and goes to the line.
    let avatar = format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(PNG)
    );
    anna.store
        .lock()
        .expect("lock")
        .save_profile_for_line(
            &Profile {
                full_name: "Смирнова Анна Сергеевна".into(),
                position: "Ведущий специалист".into(),
                avatar: Some(avatar.clone()),
                ..Profile::default()
            },
            1_000,
        )
        .expect("save");
    anna.handle.nudge();
    wait_until("the line has her avatar", Duration::from_secs(10), || {
        storage
            .specialist_avatar(anna_id)
            .ok()
            .flatten()
            .is_some_and(|(bytes, _)| bytes == PNG)
    })
    .await;
    let profile = storage
        .specialist_profile(anna_id)
        .expect("profile")
        .expect("anna");
    assert_eq!(profile.name, "Смирнова Анна Сергеевна");
    assert_eq!(profile.position, "Ведущий специалист");

    // Vera's app shows her as the profile says, avatar included.
    let line_id = i64::try_from(line).expect("line");
    wait_until(
        "Vera's app has Anna's profile",
        Duration::from_secs(10),
        || {
            vera.store
                .lock()
                .expect("lock")
                .colleagues(line_id)
                .expect("colleagues")
                .iter()
                .any(|c| {
                    c.id == i64::try_from(anna_id).expect("id")
                        && c.name == "Смирнова Анна Сергеевна"
                        && c.position == "Ведущий специалист"
                        && c.avatar.as_deref() == Some(avatar.as_str())
                })
        },
    )
    .await;

    // Vera's avatar is not an image (an SVG named PNG): the line refuses it, her outbox item
    // fails for good, and Anna's app never shows it.
    let svg = format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(b"<svg onload=alert(1)>")
    );
    vera.store
        .lock()
        .expect("lock")
        .save_profile_for_line(
            &Profile {
                full_name: "Вера".into(),
                avatar: Some(svg),
                ..Profile::default()
            },
            2_000,
        )
        .expect("save");
    vera.handle.nudge();
    wait_until("the refusal", Duration::from_secs(10), || {
        vera.store
            .lock()
            .expect("lock")
            .outbox_last_failure()
            .ok()
            .flatten()
            .is_some_and(|(_, kind, _)| kind == "profile.avatar")
    })
    .await;
    assert!(
        storage
            .specialist_avatar(vera_id)
            .expect("avatar")
            .is_none()
    );
}
