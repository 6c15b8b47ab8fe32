//! A2 and S2 in the app, against its embedded server: while the specialist is Busy a client's
//! new appeal waits in the line's queue (the row says so and shows its SLA countdown); the
//! specialist opens it and takes it with Alt+T (the keyboard help, F1, lists it), and it becomes
//! theirs (the ring).

use std::time::Duration;

use linedesk_client_sim::SimClient;
use linedesk_e2e::{App, Desktop, by_testid};

const QUESTION: &str = "Добрый день! Не формируется 6-НДФЛ за квартал.";

async fn row_of(app: &App, client_id: u64) -> Option<fantoccini::elements::Element> {
    app.client
        .find(fantoccini::Locator::Css(&format!(
            "{}[data-client-id=\"{client_id}\"]",
            by_testid("client-row")
        )))
        .await
        .ok()
}

async fn wait_row(app: &App, client_id: u64, what: &str, css_inside: &str) {
    let deadline = std::time::Instant::now() + linedesk_e2e::UI_TIMEOUT;
    loop {
        if let Some(row) = row_of(app, client_id).await
            && row.find(fantoccini::Locator::Css(css_inside)).await.is_ok()
        {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_appeal_shows_its_sla_and_is_taken_from_the_queue() {
    let data = tempfile::tempdir().expect("data dir");
    let desktop = Desktop::start();
    tokio::time::timeout(Duration::from_secs(240), async {
        let app = desktop.launch(data.path()).await;
        app.testid("main-window").await;
        app.wait_texts(&by_testid("sync-status"), "in sync", |t| {
            t.first().is_some_and(|s| s.contains("Синхронизировано"))
        })
        .await;
        let presence = app.testid("presence-select").await;
        presence.select_by_value("busy").await.expect("Busy");
        app.wait_texts(&by_testid("sync-status"), "Busy sent", |t| {
            t.first().is_some_and(|s| s.contains("Синхронизировано"))
        })
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await;

        let address = std::fs::read_to_string(data.path().join("server").join("address"))
            .expect("the embedded server's address");
        let mut client = SimClient::sign_in(address.trim(), "client-3", "demo-client")
            .await
            .expect("client-3 signs in");
        client.write(QUESTION).await.expect("write");

        // Busy (P3): nothing is given to this specialist; the appeal waits in the queue.
        wait_row(
            &app,
            client.id,
            "the queued marker",
            &by_testid("client-queued"),
        )
        .await;
        wait_row(&app, client.id, "the SLA badge", &by_testid("client-sla")).await;
        app.screenshot("queued-appeal").await;

        let row = row_of(&app, client.id).await.expect("row");
        row.click().await.expect("open the chat");
        app.wait_texts(&by_testid("message-text"), "the question", |texts| {
            texts.last().is_some_and(|t| t == QUESTION)
        })
        .await;
        // Everything is reachable from the keyboard: F1 shows the keys, Esc closes them, Alt+T
        // takes the appeal.
        let alt = char::from(fantoccini::key::Key::Alt);
        let escape = char::from(fantoccini::key::Key::Escape);
        let f1 = char::from(fantoccini::key::Key::F1);
        let input = app.testid("chat-input").await;
        input.send_keys(&f1.to_string()).await.expect("F1");
        app.wait_texts(&by_testid("help-overlay"), "the help overlay", |t| {
            t.first()
                .is_some_and(|s| s.contains("Alt+T") && s.contains("Взять обращение"))
        })
        .await;
        app.screenshot("help-overlay").await;
        input.send_keys(&escape.to_string()).await.expect("Esc");
        app.wait_texts(&by_testid("help-overlay"), "the help closed", |t| {
            t.is_empty()
        })
        .await;
        input.send_keys(&format!("{alt}t")).await.expect("Alt+T");
        wait_row(&app, client.id, "the ring after taking", ".ring").await;
        app.screenshot("appeal-taken").await;
        app.quit().await;
    })
    .await
    .expect("the scenario took longer than 4 minutes");
}
