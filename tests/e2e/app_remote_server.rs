//! The app on a remote line server (a real `linedesk-server` on 127.0.0.1, not the embedded
//! one): the specialist signs in (a wrong password is refused and said so); the app quits;
//! with the server down the app starts on its cached data, the specialist writes to a client
//! and the message waits in the outbox; the server comes back and the message reaches it (the
//! line's log holds it once, and the chat shows it sent).
//! A client's message holding HTML and a script shows as plain text.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use linedesk_client_sim::SimClient;
use linedesk_e2e::{App, Desktop, by_testid};
use linedesk_protocol::Event;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::Storage;

const PASSWORD: &str = "smena-2026-ноябрь";
const OFFLINE_TEXT: &str =
    "Написано без связи с сервером: пришлю инструкцию, как только вернётся связь.";
const HOSTILE: &str = "<img src=x onerror=\"document.title='взлом'\"><script>document.title='взлом'</script><b>жирный</b> & ещё";

/// The line server on `addr` over `storage`, until the task is aborted.
async fn serve(storage: Arc<SqliteStorage>, addr: SocketAddr) -> tokio::task::JoinHandle<()> {
    let listener = loop {
        // The port of the previous run may take a moment to be free again.
        match tokio::net::TcpListener::bind(addr).await {
            Ok(listener) => break listener,
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    };
    let server = linedesk_server::app::Server::new(storage);
    tokio::spawn(async move {
        let _ = linedesk_server::app::serve(listener, server).await;
    })
}

fn seeded(dir: &Path) -> Arc<SqliteStorage> {
    let storage = SqliteStorage::open(&dir.join("server.db")).expect("server storage");
    let hash = |p: &str| {
        linedesk_server::auth::hash_password(p)
            .map_err(|e| linedesk_server::storage::StorageError::Invalid(e.to_string()))
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    linedesk_server::demo::seed_if_empty(&storage, now, &hash(PASSWORD).expect("hash"), &hash)
        .expect("seed the demo lines");
    Arc::new(storage)
}

async fn sign_in(app: &App, password: &str) {
    let field = app.testid("sign-in-password").await;
    field.clear().await.expect("clear");
    field.send_keys(password).await.expect("type the password");
    app.testid("sign-in-submit")
        .await
        .click()
        .await
        .expect("sign in");
}

async fn last_message_status(app: &App) -> Option<String> {
    let messages = app
        .client
        .find_all(fantoccini::Locator::Css(&by_testid("message")))
        .await
        .ok()?;
    messages.last()?.attr("data-status").await.ok().flatten()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_then_start_offline_and_deliver_when_the_server_returns() {
    let server_dir = tempfile::tempdir().expect("server dir");
    let data = tempfile::tempdir().expect("data dir");
    let storage = seeded(server_dir.path());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let address = addr.to_string();
    let args = ["--server", address.as_str(), "--login", "smirnova"];
    let desktop = Desktop::start();
    tokio::time::timeout(Duration::from_secs(300), async {
        // 1. Sign in: a wrong password is refused and said so; the right one syncs the lines.
        let server = serve(storage.clone(), addr).await;
        let app = desktop.launch_with_args(data.path(), &args).await;
        app.testid("sign-in").await;
        app.screenshot("remote-sign-in").await;
        sign_in(&app, "не тот пароль").await;
        app.testid("sign-in-refused").await;
        sign_in(&app, PASSWORD).await;
        app.sync_state("in_sync").await;
        app.wait_texts(&by_testid("client-row"), "the line's clients", |t| {
            t.len() > 10
        })
        .await;
        // A client writes HTML and a script: the chat shows the characters, runs nothing.
        let mut client = SimClient::sign_in(&address, "client-3", "demo-client")
            .await
            .expect("client-3 signs in");
        client.write(HOSTILE).await.expect("the client writes");
        app.open_client(client.id).await;
        app.wait_texts(&by_testid("message-text"), "the client's message", |t| {
            t.last().is_some_and(|last| last == HOSTILE)
        })
        .await;
        let injected = app
            .client
            .find_all(fantoccini::Locator::Css(
                ".message img, .message script, .message b",
            ))
            .await
            .expect("query");
        assert!(
            injected.is_empty(),
            "the message made elements: {}",
            injected.len()
        );
        let title = app.client.title().await.expect("title");
        assert!(
            !title.contains("взлом"),
            "a script ran: the title is {title:?}"
        );
        app.quit().await;
        server.abort();
        let _ = server.await;

        // 2. The server is down: the app starts on its cached data; writing still works.
        let app = desktop.launch_with_args(data.path(), &args).await;
        app.wait_texts(&by_testid("client-row"), "the cached clients", |t| {
            t.len() > 10
        })
        .await;
        app.testid("sign-in").await;
        sign_in(&app, PASSWORD).await;
        app.sync_state("offline").await;
        app.open_client(client.id).await;
        app.send_message(OFFLINE_TEXT).await;
        assert_eq!(
            last_message_status(&app).await.as_deref(),
            Some("pending"),
            "the message waits in the outbox"
        );
        app.screenshot("remote-offline-start").await;

        // 3. The server returns: the queued message goes out by itself.
        let server = serve(storage.clone(), addr).await;
        app.sync_state("in_sync").await;
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while last_message_status(&app).await.as_deref() == Some("pending") {
            assert!(
                std::time::Instant::now() < deadline,
                "the message stayed pending"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let line = client.line;
        let events = storage
            .events_after(line, 0, 100_000)
            .expect("the line's log");
        let delivered = events
            .iter()
            .filter(
                |e| matches!(&e.event, Event::MessagePosted { text, .. } if text == OFFLINE_TEXT),
            )
            .count();
        assert_eq!(delivered, 1, "delivered exactly once");
        app.quit().await;
        server.abort();
    })
    .await
    .expect("the remote-server scenario took over 300 s");
}
