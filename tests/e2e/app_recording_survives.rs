//! Item 4 of issue 14 through the real app: a recording survives the app being killed.
//!
//! A real line server (in-process, the demo's lines) and the app signed in to it; a simulated
//! client calls the line and the specialist answers in the call panel. The recording
//! indicator counts; the specialist pauses the recording for a while (a card number) and
//! resumes. Mid-call the app's process is killed (SIGKILL, no chance to finish anything).
//! Started again and signed in, the app finds the interrupted recording, closes it at its last
//! whole page and uploads it: the server holds a complete Ogg Opus file that ends within a
//! second of the kill (what the indicator said was recorded, plus the time until the kill)
//! with the pause listed as a gap. The timeline shows the recording and plays it.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use linedesk_client_sim::{CallPlan, Phone};
use linedesk_e2e::{App, Desktop, by_testid, kill_app};
use linedesk_engine::{Bare, Connector};
use linedesk_protocol::Event;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::Storage;

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

fn speech(dir: &Path) -> Vec<f32> {
    let wav = dir.join("speech.wav");
    let status = std::process::Command::new("espeak-ng")
        .args(["-v", "ru", "-w"])
        .arg(&wav)
        .arg("Здравствуйте! Сейчас я продиктую номер карты, а потом расскажу, что случилось.")
        .status()
        .unwrap_or_else(|e| panic!("espeak-ng is needed ({e}): ./dev.sh setup installs it"));
    assert!(status.success(), "espeak-ng failed: {status}");
    linedesk_engine::wav::read(&wav).expect("the WAV espeak-ng wrote")
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

/// The indicator's recorded milliseconds, read now.
async fn recorded_ms(app: &App) -> Option<u64> {
    let indicator = app
        .client
        .find(fantoccini::Locator::Css(&by_testid("recording-indicator")))
        .await
        .ok()?;
    indicator
        .attr("data-recorded-ms")
        .await
        .ok()
        .flatten()?
        .parse()
        .ok()
}

/// The recordings a line's log announces: (call, length in ms, gaps).
fn calls_recorded(storage: &SqliteStorage, line: u64) -> Vec<(u64, u64, usize)> {
    storage
        .events_after(line, 0, 100_000)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|e| match e.event {
            Event::CallRecorded {
                call,
                duration_ms,
                gaps,
                ..
            } => Some((call, duration_ms, gaps.len())),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_interrupted_by_a_kill_is_closed_and_uploaded_at_the_next_start() {
    let server_dir = tempfile::tempdir().expect("server dir");
    let data = tempfile::tempdir().expect("data dir");
    let work = tempfile::tempdir().expect("work dir");
    let voice = speech(work.path());
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
        let recorded_before: Vec<u64> = (1..=10u64)
            .flat_map(|line| calls_recorded(&storage, line))
            .map(|(call, ..)| call)
            .collect();

        // A client calls; the specialist answers; the client stays on the line.
        let phone = Phone::sign_in(&address, "client-5", "demo-client")
            .await
            .expect("client-5 signs in");
        let caller = phone.client();
        let mut plan = CallPlan::new(voice, Duration::from_secs(120));
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
        let answered = Instant::now();
        app.wait_attr(
            &by_testid("call-panel"),
            "data-state",
            "the call connected",
            |s| s == "connected",
        )
        .await;
        app.wait_attr(
            &by_testid("recording-indicator"),
            "data-recorded-ms",
            "the recording counting",
            |ms| ms.parse::<u64>().is_ok_and(|ms| ms >= 2000),
        )
        .await;

        // Pause for a card number, then resume.
        app.testid("recording-pause")
            .await
            .click()
            .await
            .expect("pause");
        app.wait_attr(
            &by_testid("recording-indicator"),
            "data-paused",
            "paused",
            |p| p == "true",
        )
        .await;
        app.screenshot("recording-paused").await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        app.testid("recording-pause")
            .await
            .click()
            .await
            .expect("resume");
        app.wait_attr(
            &by_testid("recording-indicator"),
            "data-paused",
            "resumed",
            |p| p == "false",
        )
        .await;
        tokio::time::sleep(Duration::from_secs(3)).await;

        // Kill the app mid-call, right after reading what was recorded.
        let before = recorded_ms(&app).await.expect("the indicator's count");
        let read_at = Instant::now();
        let killed = kill_app(data.path());
        let killed_at = Instant::now();
        assert!(killed >= 1, "the app's process was found and killed");
        let since_read = killed_at.duration_since(read_at).as_millis() as u64;
        let since_answer = killed_at.duration_since(answered).as_millis() as u64;
        let _ = tokio::time::timeout(Duration::from_secs(10), app.client.close()).await;
        client_call.abort();

        // Started again: nothing is recorded for that call yet; signing in uploads it.
        let app = desktop.launch_with_args(data.path(), &args).await;
        sign_in(&app).await;
        let deadline = Instant::now() + Duration::from_secs(60);
        let (call, duration_ms, gaps) = loop {
            let found = (1..=10u64)
                .flat_map(|line| calls_recorded(&storage, line))
                .find(|(call, ..)| !recorded_before.contains(call));
            if let Some(found) = found {
                break found;
            }
            assert!(
                Instant::now() < deadline,
                "the interrupted recording never reached the server"
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        };
        eprintln!(
            "recorded {before} ms when read, killed {since_read} ms later; the server has \
             {duration_ms} ms (call {call}, {gaps} gap)"
        );
        assert_eq!(gaps, 1, "the pause is listed as a gap");
        // What was recorded until the kill: at least what the indicator said, plus the time
        // until the kill; the recording ends within a second of it.
        let until_kill = before + since_read;
        assert!(
            duration_ms + 1000 >= until_kill,
            "the recording ends {} ms before the kill",
            until_kill.saturating_sub(duration_ms)
        );
        assert!(
            duration_ms <= since_answer,
            "longer than the call: {duration_ms} ms of {since_answer} ms"
        );

        // The file on the server is a complete Ogg Opus stream of that length.
        let connector = Connector::parse(&address, Bare::Plain, None).expect("address");
        let token = linedesk_engine::upload::login(&connector, "smirnova", PASSWORD)
            .await
            .expect("login");
        let bytes = linedesk_engine::download_recording(&connector, &token, call)
            .await
            .expect("download");
        let decoded = linedesk_voice::recording::decode(std::io::Cursor::new(bytes))
            .expect("the uploaded recording decodes");
        assert!(decoded.complete, "closed with an end-of-stream page");
        assert_eq!(decoded.duration.as_millis() as u64, duration_ms);

        // The timeline shows it, with its gap, and plays it.
        app.open_client(caller).await;
        let player = format!("{}[data-call=\"{call}\"]", by_testid("recording-player"));
        app.wait(&player).await;
        app.testid("recording-gaps").await;
        // The button says "loading" from the click on; a click that left it idle landed
        // elsewhere (the timeline scrolled under it as the sync caught up) and is given again.
        let play = format!("{player} {}", by_testid("player-play"));
        for attempt in 1..=3 {
            app.wait(&play).await.click().await.expect("play");
            let left_idle = tokio::time::timeout(Duration::from_secs(3), async {
                loop {
                    let state = app.attr_of(&player, "data-state").await;
                    if state.as_deref().is_some_and(|s| s != "idle") {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            })
            .await;
            if left_idle.is_ok() {
                break;
            }
            eprintln!("the play button's click {attempt} left the player idle; clicking again");
        }
        app.wait_attr(&player, "data-state", "the recording playing", |s| {
            s == "playing"
        })
        .await;
        app.wait_attr(&player, "data-position-ms", "the position moving", |ms| {
            ms.parse::<u64>().is_ok_and(|ms| ms >= 500)
        })
        .await;
        app.screenshot("recording-playing").await;
        app.quit().await;
    })
    .await
    .expect("the scenario took over 300 s");
}
