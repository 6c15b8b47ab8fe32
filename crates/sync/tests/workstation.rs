//! The workstation end to end through the real sync client (issue 6): a real server on
//! 127.0.0.1, the app's store on a real SQLite file, a simulated client over the real wire.
//! Ticket queues arrive from the log; a client's file opens an appeal that the specialist
//! takes and marks as spam; a ticket is registered and dispatched through the outbox; the
//! specialist's file waits in the store until uploaded and comes back as a chat item; a KB
//! draft is saved.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use linedesk_client_sim::SimClient;
use linedesk_domain::presence::PresenceStatus;
use linedesk_server::app::{Server, now_ms, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::Storage;
use linedesk_store::{AppealListFilter, AppealListStatus, Author, Store};
use linedesk_sync::{ApiError, SyncConfig, SyncStatus, spawn};
use tokio::net::TcpListener;

async fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_appeals_tickets_and_drafts_go_through_the_sync() {
    let sdir = tempfile::tempdir().expect("dir");
    let storage = Arc::new(SqliteStorage::open(&sdir.path().join("server.db")).expect("storage"));
    let line = storage.add_line("Линия").expect("line");
    let other = storage.add_line("Чужая линия").expect("line");
    let client = storage.add_client(line, "Иванова").expect("client");
    storage
        .set_client_login(client, "ivanova", &hash_password("iv-pass").expect("hash"))
        .expect("login");
    let anna = storage
        .add_specialist("anna", &hash_password("anna-pass").expect("hash"), "Анна")
        .expect("anna");
    storage.serve_line(anna, line, 0, 5).expect("serve");
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
    let (line_i, client_i, anna_i) = (line as i64, client as i64, anna as i64);
    let s = || store.lock().expect("lock");
    wait_until("the line replayed", || {
        s().ticket_queues(line_i).map(|q| q.len()).unwrap_or(0) == 1
            && *handle.status().borrow() == SyncStatus::InSync
    })
    .await;
    let queue = s().ticket_queues(line_i).expect("queues")[0].clone();
    assert_eq!(queue.name, "Первая линия");

    // A1: the client's file opens an appeal; the specialist takes it and marks it as spam.
    s().set_presence(PresenceStatus::Available, now_ms())
        .expect("presence");
    handle.nudge();
    let mut ivanova = SimClient::sign_in(&addr, "ivanova", "iv-pass")
        .await
        .expect("sign in");
    let shared = ivanova
        .send_file("скан.png", vec![0x89, b'P', b'N', b'G', 1, 2, 3])
        .await
        .expect("file");
    assert!(shared.appeal.is_some());
    wait_until("the file in the chat and the appeal held", || {
        let st = s();
        let chat = st.messages(line_i, client_i, None, 10).unwrap_or_default();
        let mine = st
            .my_appeals(anna_i, &AppealListFilter::default())
            .unwrap_or_default();
        chat.iter()
            .any(|m| m.file.as_ref().map(|f| f.id) == Some(shared.file as i64))
            && mine.len() == 1
    })
    .await;
    let mine = s()
        .my_appeals(anna_i, &AppealListFilter::default())
        .expect("list");
    assert_eq!(
        (mine[0].channel.as_str(), mine[0].client_name.as_str()),
        ("file", "Иванова")
    );
    s().mark_spam(line_i, client_i, now_ms()).expect("spam");
    handle.nudge();
    let spam = AppealListFilter {
        status: Some(AppealListStatus::Spam),
        ..AppealListFilter::default()
    };
    wait_until("the appeal marked as spam", || {
        s().my_appeals(anna_i, &spam).map(|a| a.len()).unwrap_or(0) == 1
    })
    .await;

    // T1/T3: a ticket registered and dispatched through the outbox.
    s().create_ticket(line_i, client_i, "Ошибка печати", "Не печатается", now_ms())
        .expect("ticket");
    handle.nudge();
    wait_until("the ticket in the folder", || {
        s().ticket_folder(anna_i).map(|f| f.len()).unwrap_or(0) == 1
    })
    .await;
    let ticket = s().ticket_folder(anna_i).expect("folder")[0].clone();
    s().dispatch_ticket(ticket.id, queue.id, now_ms())
        .expect("dispatch");
    handle.nudge();
    wait_until("the ticket in its queue", || {
        s().tickets_in_queue(queue.id).map(|q| q.len()).unwrap_or(0) == 1
    })
    .await;
    let history: Vec<String> = s()
        .ticket_history(ticket.id)
        .expect("history")
        .into_iter()
        .map(|h| h.action)
        .collect();
    assert_eq!(history, ["created", "dispatched"]);

    // A1: the specialist's file waits in the store, then reaches the server and the chat.
    let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
    s().queue_upload(line_i, client_i, "счёт.pdf", &bytes, now_ms())
        .expect("queue");
    let token = handle.token().expect("token");
    let sent = linedesk_sync::upload_pending(&store, &config, &token, now_ms())
        .await
        .expect("upload");
    assert_eq!(sent, 1);
    assert!(s().pending_uploads(10).expect("pending").is_empty());
    wait_until("the specialist's file in the chat", || {
        s().messages(line_i, client_i, None, 10)
            .unwrap_or_default()
            .iter()
            .any(|m| m.text == "счёт.pdf" && m.author == Author::Specialist && m.file.is_some())
    })
    .await;
    let file_id = s()
        .messages(line_i, client_i, None, 10)
        .expect("chat")
        .into_iter()
        .find_map(|m| m.file.filter(|_| m.text == "счёт.pdf"))
        .expect("file")
        .id;
    let back = linedesk_sync::download_file(&config, &token, file_id as u64)
        .await
        .expect("download");
    assert_eq!(back, bytes);
    assert!(matches!(
        linedesk_sync::download_file(&config, &token, 999).await,
        Err(ApiError::NotFound(_))
    ));

    // C8: a reply kept as a KB draft, only on a line served.
    let draft = linedesk_sync::save_kb_draft(&config, &token, line, "Печать", "Проверьте принтер")
        .await
        .expect("draft");
    assert_eq!((draft.specialist, draft.subject.as_str()), (anna, "Печать"));
    assert!(matches!(
        linedesk_sync::save_kb_draft(&config, &token, other, "Печать", "x").await,
        Err(ApiError::Forbidden(_))
    ));
    assert!(matches!(
        linedesk_sync::save_kb_draft(&config, "bad-token", line, "Печать", "x").await,
        Err(ApiError::Unauthenticated)
    ));
    // ... and through the outbox, written while offline or not.
    s().queue_kb_draft(line_i, "Сверка", "Сформируйте акт", now_ms())
        .expect("queue draft");
    handle.nudge();
    wait_until("the outbox draft on the server", || {
        storage.kb_drafts(line).map(|d| d.len()).unwrap_or(0) == 2
    })
    .await;
    handle.stop();
}
