//! Issue 13: a recording the line server refuses for good is shown, not only logged.
//!
//! A real line server (in-process, the demo's lines) and the app signed in to it as
//! smirnova; a simulated client calls and the specialist answers in the call panel. While the
//! call runs, another program signed in as smirnova uploads a different recording of the
//! call first, so the app's own upload after the hang-up is refused for good (409: the call
//! has another recording). The call's timeline entry then says so, translated
//! (`recording-aside`, reason `already_recorded`), "Save the file" puts a copy of the app's
//! recording in the data dir's `downloads/`, and "Upload again" queues it again: refused
//! again, it is set aside again and still kept. Nothing is deleted on the way.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use linedesk_client_sim::{CallPlan, Phone};
use linedesk_e2e::{App, Desktop, by_testid};
use linedesk_engine::{Bare, Connector};
use linedesk_protocol::Event;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::Storage;
use linedesk_voice::recording::Recorder;

const PASSWORD: &str = "smena-2026-ноябрь";

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

async fn sign_in(app: &App) {
    app.testid("sign-in").await;
    let field = app.testid("sign-in-password").await;
    field.clear().await.expect("clear");
    field.send_keys(PASSWORD).await.expect("type the password");
    app.testid("sign-in-submit")
        .await
        .click()
        .await
        .expect("sign in");
    app.sync_state("in_sync").await;
}

/// The newest connected call of the demo's lines.
fn connected_call(storage: &SqliteStorage) -> Option<u64> {
    (1..=10u64)
        .flat_map(|line| storage.events_after(line, 0, 100_000).unwrap_or_default())
        .filter_map(|e| match e.event {
            Event::CallConnected { call, .. } => Some(call),
            _ => None,
        })
        .max()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_recording_is_shown_saved_and_retried_never_deleted() {
    let server_dir = tempfile::tempdir().expect("server dir");
    let data = tempfile::tempdir().expect("data dir");
    let work = tempfile::tempdir().expect("work dir");
    let storage = seeded(server_dir.path());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    let server = linedesk_server::app::Server::new(storage.clone());
    tokio::spawn(async move {
        let _ = linedesk_server::app::serve(listener, server).await;
    });
    let address = addr.to_string();
    let args = ["--server", address.as_str(), "--login", "smirnova"];
    let desktop = Desktop::start();
    tokio::time::timeout(Duration::from_secs(300), async {
        let app = desktop.launch_with_args(data.path(), &args).await;
        sign_in(&app).await;

        let phone = Phone::sign_in(&address, "client-5", "demo-client")
            .await
            .expect("client-5 signs in");
        let caller = phone.client();
        let mut plan = CallPlan::new(vec![0.05; 48_000 * 20], Duration::from_secs(120));
        plan.hang_up = false;
        let client_call = tokio::spawn(async move { phone.call_line(plan).await });
        app.wait_attr(
            &by_testid("call-panel"),
            "data-state",
            "the incoming call",
            |s| s == "ringing_in",
        )
        .await;
        app.testid("call-answer")
            .await
            .click()
            .await
            .expect("answer");
        app.wait_attr(
            &by_testid("call-panel"),
            "data-state",
            "the call connected",
            |s| s == "connected",
        )
        .await;
        let call = connected_call(&storage).expect("the call is connected on the server");

        // Another program of smirnova's records the call first: the app's upload will be a
        // different file for a recorded call.
        let connector = Connector::parse(&address, Bare::Plain, None).expect("address");
        let token = linedesk_engine::upload::login(&connector, "smirnova", PASSWORD)
            .await
            .expect("login");
        let other = work.path().join("other.ogg");
        let mut recorder = Recorder::create(&other).expect("recorder");
        for _ in 0..50 {
            recorder.write(Some(&[0.2; 960]), None).expect("write");
        }
        recorder.finish().expect("finish");
        linedesk_engine::upload::upload_recording(&connector, &token, call, &other)
            .await
            .expect("the other recording is taken");

        app.wait_attr(
            &by_testid("recording-indicator"),
            "data-recorded-ms",
            "the recording counting",
            |ms| ms.parse::<u64>().is_ok_and(|ms| ms >= 2000),
        )
        .await;
        app.testid("call-hang-up")
            .await
            .click()
            .await
            .expect("hang up");
        client_call.abort();

        // The call's timeline entry says why its recording was not uploaded.
        app.open_client(caller).await;
        let entry = format!(
            "{}[data-call-id=\"{call}\"] {}",
            by_testid("timeline-call"),
            by_testid("recording-aside")
        );
        let aside = app.wait(&entry).await;
        assert_eq!(
            aside.attr("data-reason").await.expect("reason").as_deref(),
            Some("already_recorded")
        );
        assert_eq!(
            aside.attr("data-status").await.expect("status").as_deref(),
            Some("409")
        );
        app.wait_texts(
            &format!("{entry} {}", by_testid("recording-aside-why")),
            "the reason in words",
            |t| {
                t.iter()
                    .any(|t| t.contains("different recording") || t.contains("другая запись"))
            },
        )
        .await;
        let kept = data
            .path()
            .join("recordings/outbox/set-aside")
            .join(format!("call-{call}.ogg"));
        let mine = std::fs::read(&kept).expect("the app's recording is kept");
        assert!(mine.starts_with(b"OggS") && mine != std::fs::read(&other).expect("other"));
        app.screenshot("recording-set-aside").await;

        // Saved: a copy in downloads/, the entry still there.
        app.wait(&format!("{entry} {}", by_testid("recording-aside-save")))
            .await
            .click()
            .await
            .expect("save");
        let saved = app
            .wait(&format!("{entry} {}", by_testid("recording-aside-saved")))
            .await
            .text()
            .await
            .expect("the saved path");
        let copy = data
            .path()
            .join("downloads")
            .join(format!("call-{call}.ogg"));
        assert!(saved.contains(&copy.display().to_string()), "{saved}");
        assert_eq!(std::fs::read(&copy).expect("the copy"), mine);

        // Upload again: queued (the entry goes), refused again by the server (409), set
        // aside again with the same reason; the file never left the disk.
        app.wait(&format!("{entry} {}", by_testid("recording-aside-retry")))
            .await
            .click()
            .await
            .expect("retry");
        let queued = data
            .path()
            .join("recordings/outbox")
            .join(format!("call-{call}.ogg"));
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut seen_queued = false;
        loop {
            seen_queued |= queued.exists();
            if seen_queued && kept.exists() {
                break;
            }
            assert!(Instant::now() < deadline, "it was not tried again");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let again = app.wait(&entry).await;
        assert_eq!(
            again.attr("data-reason").await.expect("reason").as_deref(),
            Some("already_recorded")
        );
        assert_eq!(std::fs::read(&kept).expect("still kept"), mine);
        app.quit().await;
    })
    .await
    .expect("the scenario took over 300 s");
}
