//! C9 for a queued file (issue 16, item 2): the specialist queued a file to a client nobody
//! held; before the app uploaded it a colleague took the client's appeal. The server refuses
//! the unconfirmed upload with the rule `appeal.held_by_colleague`: the file is not failed but
//! held, out of the queue, until the specialist is asked again. Confirmed, it goes with
//! `confirmed` and reaches the chat once; a held file the specialist drops is gone. A real
//! server on 127.0.0.1, the app's store on a real SQLite file, the colleague on a real session.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use linedesk_domain::presence::PresenceStatus;
use linedesk_engine::line::LineLink;
use linedesk_protocol::{Action, Event};
use linedesk_server::app::{Server, now_ms, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::Storage;
use linedesk_store::{Author, Store};
use linedesk_sync::{SyncConfig, SyncStatus, spawn};
use tokio::net::TcpListener;

async fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c9_a_file_queued_before_a_colleague_took_the_appeal_waits_to_be_confirmed() {
    let sdir = tempfile::tempdir().expect("dir");
    let storage = Arc::new(SqliteStorage::open(&sdir.path().join("server.db")).expect("storage"));
    let line = storage.add_line("Линия").expect("line");
    let client = storage.add_client(line, "Иванова").expect("client");
    let anna = storage
        .add_specialist("anna", &hash_password("anna-pass").expect("hash"), "Анна")
        .expect("anna");
    let vera = storage
        .add_specialist("vera", &hash_password("vera-pass").expect("hash"), "Вера")
        .expect("vera");
    storage.serve_line(anna, line, 0, 5).expect("serve");
    storage.serve_line(vera, line, 0, 5).expect("serve");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    tokio::spawn(serve(listener, Server::new(storage.clone())));

    let ldir = tempfile::tempdir().expect("dir");
    let store = Arc::new(Mutex::new(
        Store::open(&ldir.path().join("linedesk.db")).expect("store"),
    ));
    let config = SyncConfig {
        server: addr.clone(),
        login: "anna".into(),
        password: "anna-pass".into(),
        ..SyncConfig::default()
    };
    let handle = spawn(store.clone(), config.clone());
    let (line_i, client_i) = (line as i64, client as i64);
    let s = || store.lock().expect("lock");
    wait_until("the line replayed", || {
        *handle.status().borrow() == SyncStatus::InSync && s().client_row(line_i, client_i).is_ok()
    })
    .await;

    // Nobody holds Ivanova's appeal: Anna queues two files without a warning.
    assert!(
        s().colleague_hold(line_i, client_i)
            .expect("hold")
            .is_none()
    );
    let act = s()
        .queue_upload(line_i, client_i, "акт.pdf", b"%PDF-act", now_ms())
        .expect("queue");
    let scan = s()
        .queue_upload(line_i, client_i, "скан.png", b"\x89PNG-scan", now_ms())
        .expect("queue");

    // Before they go, Vera writes to Ivanova: the appeal is hers (A1).
    let mut vera_link = LineLink::join(&addr, "vera", "vera-pass", line)
        .await
        .expect("Vera signs in");
    vera_link
        .submit(Action::SetPresence {
            status: PresenceStatus::Available,
        })
        .await
        .expect("available");
    vera_link
        .submit(Action::SendMessage {
            line,
            client,
            text: "Смотрю ваш вопрос".into(),
        })
        .await
        .expect("Vera writes");
    vera_link
        .event(|e| match e {
            Event::AppealAssigned { specialist, .. } if *specialist == vera => Some(()),
            _ => None,
        })
        .await
        .expect("the appeal is Vera's");

    let token = handle.token().expect("token");
    let sent = linedesk_sync::upload_pending(&store, &config, &token, now_ms())
        .await
        .expect("the queue goes on");
    assert_eq!(sent, 0, "the colleague's hold stops both");
    let rows = s().uploads_of(line_i, client_i).expect("uploads");
    assert_eq!(
        rows.iter()
            .map(|r| (r.id, r.held, r.failed_reason.is_some()))
            .collect::<Vec<_>>(),
        [(act, true, false), (scan, true, false)],
        "held for a confirmation, not failed: {rows:?}"
    );
    assert!(s().pending_uploads(10).expect("pending").is_empty());

    // Asked again: Anna sends the act anyway and drops the scan.
    s().confirm_held_upload(act).expect("confirmed");
    s().drop_held_upload(scan).expect("dropped");
    let sent = linedesk_sync::upload_pending(&store, &config, &token, now_ms())
        .await
        .expect("upload");
    assert_eq!(sent, 1);
    assert!(
        s().uploads_of(line_i, client_i)
            .expect("uploads")
            .is_empty()
    );
    wait_until("the act in the chat, once", || {
        let chat = s().messages(line_i, client_i, None, 20).unwrap_or_default();
        chat.iter()
            .filter(|m| m.text == "акт.pdf" && m.author == Author::Specialist && m.file.is_some())
            .count()
            == 1
    })
    .await;
    assert!(
        s().messages(line_i, client_i, None, 20)
            .expect("chat")
            .iter()
            .all(|m| m.text != "скан.png"),
        "the dropped file never went"
    );
    handle.stop();
}
