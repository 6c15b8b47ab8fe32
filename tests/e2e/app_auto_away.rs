//! P2 in the app, against its embedded server: with auto-away set to one minute, a specialist
//! who touches nothing turns Away by themselves (the header says so and the line server hears
//! it), and the next input brings them back to Available.

use std::time::{Duration, Instant};

use linedesk_domain::presence::PresenceStatus;
use linedesk_e2e::{App, Desktop, by_testid};
use linedesk_protocol::Event;
use linedesk_server::storage::Storage;

async fn presence(app: &App) -> Option<String> {
    let select = app
        .client
        .find(fantoccini::Locator::Css(&by_testid("presence-select")))
        .await
        .ok()?;
    select.prop("value").await.ok().flatten()
}

/// The last presence the embedded server recorded for the demo specialist.
fn server_presence(data: &std::path::Path) -> Option<PresenceStatus> {
    let storage =
        linedesk_server::sqlite::SqliteStorage::open(&data.join("server").join("server.db"))
            .ok()?;
    let specialist = storage
        .account_by_login(linedesk_demo::DEMO_SPECIALIST_LOGIN)
        .ok()??
        .subject
        .id;
    let lines = storage
        .lines_of(linedesk_server::storage::Subject::specialist(specialist))
        .ok()?;
    let line = *lines.first()?;
    storage
        .events_after(line, 0, 1_000_000)
        .ok()?
        .into_iter()
        .rev()
        .find_map(|e| match e.event {
            Event::PresenceChanged {
                specialist: s,
                status,
            } if s == specialist => Some(status),
            _ => None,
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_turns_away_and_input_brings_the_specialist_back() {
    let data = tempfile::tempdir().expect("data dir");
    let desktop = Desktop::start();
    tokio::time::timeout(Duration::from_secs(300), async {
        let app = desktop.launch(data.path()).await;
        app.sync_state("in_sync").await;
        app.testid("presence-select")
            .await
            .select_by_value("available")
            .await
            .expect("choose Available");
        app.testid("profile-button")
            .await
            .click()
            .await
            .expect("profile");
        let minutes = app.testid("settings-auto-away").await;
        minutes.clear().await.expect("clear");
        minutes.send_keys("1").await.expect("one minute");
        app.testid("profile-save")
            .await
            .click()
            .await
            .expect("save");

        // Nobody touches anything for a minute.
        let deadline = Instant::now() + Duration::from_secs(120);
        while presence(&app).await.as_deref() != Some("away") {
            assert!(
                Instant::now() < deadline,
                "still not Away after two minutes idle"
            );
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        app.screenshot("auto-away").await;
        let deadline = Instant::now() + Duration::from_secs(20);
        while server_presence(data.path()) != Some(PresenceStatus::Away) {
            assert!(
                Instant::now() < deadline,
                "the line server did not hear of the Away"
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }

        // The next input: back to Available, here and on the server.
        app.testid("client-search")
            .await
            .send_keys("и")
            .await
            .expect("type");
        let deadline = Instant::now() + Duration::from_secs(20);
        while presence(&app).await.as_deref() != Some("available") {
            assert!(
                Instant::now() < deadline,
                "input did not end the automatic Away"
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        while server_presence(data.path()) != Some(PresenceStatus::Available) {
            assert!(
                Instant::now() < deadline,
                "the line server did not hear of the return"
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        app.quit().await;
    })
    .await
    .expect("the auto-away scenario took over 300 s");
}
