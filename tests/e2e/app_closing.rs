//! A4, A5 and S4 in the app, against its embedded server, with the line's settings set between
//! two runs as a line administrator would (`line-settings`: the demo line's closing phrases and
//! a 30-minute auto-finish): a client writes; the specialist puts a recommended closing phrase
//! into the reply (a click above the reply box) and sends it; the chat counts down to the
//! auto-finish and to the end of the wait for the client's reaction, and "Finish" is disabled
//! meanwhile; the client answers and both are gone. Then S4: the specialist waits for the
//! client, the list's badge says "в ожидании", the client's next message ends it.

use std::time::Duration;

use linedesk_client_sim::SimClient;
use linedesk_e2e::{App, Desktop, by_testid};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{ClosingSettings, Storage};

const QUESTION: &str = "Добрый день! Не открывается отчёт по продажам.";
const THANKS: &str = "Нет, спасибо, всё получилось.";

async fn in_sync(app: &App) {
    app.wait_texts(&by_testid("sync-status"), "in sync", |t| {
        t.first().is_some_and(|s| s.contains("Синхронизировано"))
    })
    .await;
}

fn row(client: u64, inside: &str) -> String {
    format!(
        "{}[data-client-id=\"{client}\"] {}",
        by_testid("client-row"),
        by_testid(inside)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a4_a5_s4_closing_phrases_countdowns_and_waiting_in_the_app() {
    let data = tempfile::tempdir().expect("data dir");
    let desktop = Desktop::start();
    tokio::time::timeout(Duration::from_secs(300), async {
        // First run: the embedded server seeds the demo line.
        let app = desktop.launch(data.path()).await;
        app.testid("main-window").await;
        in_sync(&app).await;
        app.quit().await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let said = {
            let s = SqliteStorage::open(&data.path().join("server").join("server.db"))
                .expect("the embedded server's database");
            let demo = s.closing_settings(1).expect("settings");
            assert!(!demo.closing_phrases.is_empty(), "the demo line's phrases");
            let first = demo.closing_phrases[0].clone();
            let settings = ClosingSettings {
                auto_finish_minutes: 30,
                ..demo
            };
            s.set_closing_settings(1, &settings).expect("set");
            first
        };

        let app = desktop.launch(data.path()).await;
        app.testid("main-window").await;
        in_sync(&app).await;
        let presence = app.testid("presence-select").await;
        presence
            .select_by_value("available")
            .await
            .expect("Available");
        in_sync(&app).await;
        let address = linedesk_e2e::server_address(data.path()).await;
        let mut client = SimClient::sign_in(&address, "client-3", "demo-client")
            .await
            .expect("client-3 signs in");
        client.write(QUESTION).await.expect("write");
        app.open_client(client.id).await;
        app.wait_texts(&by_testid("message-text"), "the question", |t| {
            t.last().is_some_and(|s| s == QUESTION)
        })
        .await;
        // Routing gives it to the specialist, or (the demo's past filled their limit) it waits
        // in the queue: then they take it.
        let ring = format!(
            "{}[data-client-id=\"{}\"] .ring",
            by_testid("client-row"),
            client.id
        );
        let deadline = std::time::Instant::now() + linedesk_e2e::UI_TIMEOUT;
        while app
            .client
            .find(fantoccini::Locator::Css(&ring))
            .await
            .is_err()
        {
            if let Ok(take) = app
                .client
                .find(fantoccini::Locator::Css(&by_testid("appeal-take")))
                .await
            {
                let _ = take.click().await;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the appeal is not mine"
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }

        // A4: the recommended phrases are offered above the reply box; one goes into the reply.
        app.testid("closing-phrase")
            .await
            .click()
            .await
            .expect("insert the phrase");
        app.testid("chat-send").await.click().await.expect("send");
        app.wait_texts(&by_testid("message-text"), "the goodbye", |t| {
            t.last().is_some_and(|s| s == &said)
        })
        .await;
        // The server's wait for the reaction and its auto-finish, counted down in the chat.
        app.wait_texts(&by_testid("reaction-wait"), "the reaction wait", |t| {
            t.first()
                .is_some_and(|s| s.contains("Ждём реакции клиента") && s.contains("4:"))
        })
        .await;
        app.wait_texts(&by_testid("auto-finish-countdown"), "the countdown", |t| {
            t.first()
                .is_some_and(|s| s.contains("Завершится само через 29:"))
        })
        .await;
        app.wait_attr(
            &by_testid("appeal-finish-toggle"),
            "disabled",
            "Finish disabled while the reaction is awaited",
            |v| v == "true" || v.is_empty(),
        )
        .await;
        app.screenshot("closing-countdowns").await;

        // The client reacts: nothing is awaited any more, and the appeal may be finished.
        client.write(THANKS).await.expect("write");
        app.wait_texts(&by_testid("message-text"), "the reaction", |t| {
            t.last().is_some_and(|s| s == THANKS)
        })
        .await;
        app.wait_texts(&by_testid("reaction-wait"), "the wait gone", |t| {
            t.is_empty()
        })
        .await;
        app.wait_texts(
            &by_testid("auto-finish-countdown"),
            "the countdown gone",
            |t| t.is_empty(),
        )
        .await;
        let finish = app.testid("appeal-finish-toggle").await;
        assert_eq!(finish.attr("disabled").await.expect("attr"), None);

        // S4: waiting for the client; the list's badge says so until the client writes.
        app.testid("appeal-wait").await.click().await.expect("wait");
        app.wait_texts(
            &row(client.id, "client-waiting"),
            "the waiting badge",
            |t| t.first().is_some_and(|s| s == "в ожидании"),
        )
        .await;
        in_sync(&app).await;
        app.screenshot("waiting-badge").await;
        client.write("Вот ещё вопрос").await.expect("write");
        app.wait_texts(&row(client.id, "client-waiting"), "the badge gone", |t| {
            t.is_empty()
        })
        .await;
        app.quit().await;
    })
    .await
    .expect("the scenario took longer than 5 minutes");
}
