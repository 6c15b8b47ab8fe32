//! Issue 4: the app on its embedded line server with a simulated client. A client writes, the
//! appeal appears in the app (on this specialist: the ring), the specialist answers in the UI,
//! the client receives the answer over the wire; the specialist finishes the appeal with a
//! result and the client rates it.

use std::time::Duration;

use linedesk_client_sim::SimClient;
use linedesk_e2e::{App, Desktop, by_testid};
use linedesk_store::demo::DEMO_SEARCH_CLIENT_NAME;

const QUESTION: &str = "Здравствуйте! После обновления не открывается отчёт по НДС.";
const ANSWER: &str = "Добрый день! Обновите, пожалуйста, конфигурацию до последнего релиза.";

async fn ivanova_row_text(app: &App) -> Option<(String, bool)> {
    let rows = app
        .client
        .find_all(fantoccini::Locator::Css(&by_testid("client-row")))
        .await
        .ok()?;
    for row in rows {
        let text = row.text().await.unwrap_or_default();
        if text.contains(DEMO_SEARCH_CLIENT_NAME) {
            let mine = row.attr("data-my-appeal").await.ok().flatten();
            return Some((text, mine.as_deref() == Some("true")));
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_writes_and_gets_the_specialists_answer() {
    let data = tempfile::tempdir().expect("data dir");
    let desktop = Desktop::start();
    tokio::time::timeout(Duration::from_secs(240), async {
        let app = desktop.launch(data.path()).await;
        app.testid("main-window").await;
        app.wait_texts(
            &by_testid("client-row"),
            "the demo clients from the server",
            |t| t.len() > 10,
        )
        .await;
        app.wait_texts(&by_testid("sync-status"), "in sync", |t| {
            t.first().is_some_and(|s| s.contains("Синхронизировано"))
        })
        .await;
        // Available: routing gives new appeals to this specialist.
        let presence = app.testid("presence-select").await;
        presence
            .select_by_value("available")
            .await
            .expect("Available");

        let address = linedesk_e2e::server_address(data.path()).await;
        let mut client = SimClient::sign_in(&address, "client-1", "demo-client")
            .await
            .expect("the simulated client signs in");
        // Presence goes through the outbox: give it a moment to reach the server.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        client.write(QUESTION).await.expect("the client writes");

        let deadline = std::time::Instant::now() + linedesk_e2e::UI_TIMEOUT;
        loop {
            // The ring: the new appeal is on this specialist (the row's text is checked in the
            // chat below: WebKitWebDriver leaves clipped lines out of an element's text).
            if let Some((_, true)) = ivanova_row_text(&app).await {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the appeal did not appear with the ring: {:?}",
                ivanova_row_text(&app).await
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        app.screenshot("appeal-arrived").await;

        // Open the client, see the question, answer it.
        let rows = app
            .client
            .find_all(fantoccini::Locator::Css(&format!(
                "{}[data-my-appeal=\"true\"]",
                by_testid("client-row")
            )))
            .await
            .expect("rows");
        let mut opened = false;
        for row in rows {
            if row
                .text()
                .await
                .unwrap_or_default()
                .contains(DEMO_SEARCH_CLIENT_NAME)
            {
                row.click().await.expect("open the chat");
                opened = true;
                break;
            }
        }
        assert!(opened, "Ivanova's row with the ring");
        app.wait_texts(
            &by_testid("message-text"),
            "the client's question",
            |texts| texts.last().is_some_and(|t| t == QUESTION),
        )
        .await;
        // C8: the knowledge base suggests an article for her question; a quick reply greets her
        // by name, filled in by the app.
        app.wait_texts(&by_testid("kb-hint"), "a KB hint on the question", |t| {
            t.iter().any(|h| h.contains("НДС"))
        })
        .await;
        app.testid("quick-replies-toggle")
            .await
            .click()
            .await
            .expect("quick replies");
        app.testid("quick-reply-search")
            .await
            .send_keys("приветств")
            .await
            .expect("search a reply");
        app.wait_texts(&by_testid("quick-reply"), "the greeting", |t| t.len() == 1)
            .await;
        app.testid("quick-reply")
            .await
            .click()
            .await
            .expect("use it");
        app.testid("chat-send")
            .await
            .click()
            .await
            .expect("send the greeting");
        let greeting = client
            .wait_answer(Duration::from_secs(20))
            .await
            .expect("the client receives the greeting");
        assert!(
            greeting.contains(DEMO_SEARCH_CLIENT_NAME) && greeting.contains("Смирнова"),
            "variables filled: {greeting}"
        );
        app.testid("chat-input")
            .await
            .send_keys(ANSWER)
            .await
            .expect("type the answer");
        app.testid("chat-send").await.click().await.expect("send");
        let received = client
            .wait_answer(Duration::from_secs(20))
            .await
            .expect("the client receives the answer");
        assert_eq!(received, ANSWER);
        app.wait_texts(
            &by_testid("message-text"),
            "the answer in the chat",
            |texts| texts.last().is_some_and(|t| t == ANSWER),
        )
        .await;
        app.screenshot("answer-sent").await;

        // T1: a ticket registered from the chat gets the server's readable number in the info
        // panel.
        app.testid("ticket-create-toggle")
            .await
            .click()
            .await
            .expect("ticket form");
        app.testid("ticket-subject")
            .await
            .send_keys("Отчёт по НДС после обновления")
            .await
            .expect("subject");
        app.testid("ticket-text")
            .await
            .send_keys("Проверить релиз и обновить конфигурацию")
            .await
            .expect("text");
        app.testid("ticket-create")
            .await
            .click()
            .await
            .expect("register");
        app.wait_texts(&by_testid("client-ticket"), "the numbered ticket", |t| {
            t.iter()
                .any(|s| s.contains("№ ") && s.contains("Отчёт по НДС") && s.contains("открыта"))
        })
        .await;

        // A4: the specialist finishes the appeal with a result; the client sees it finished
        // and rates it.
        app.testid("appeal-finish-toggle")
            .await
            .click()
            .await
            .expect("finish");
        let result = app.testid("appeal-result").await;
        result.clear().await.expect("clear");
        result
            .send_keys("Обновление конфигурации")
            .await
            .expect("type result");
        app.testid("appeal-finish")
            .await
            .click()
            .await
            .expect("confirm");
        let appeal = client
            .wait_finished(Duration::from_secs(20))
            .await
            .expect("the client sees the appeal finished");
        client
            .rate(appeal, 5, None)
            .await
            .expect("the client rates it");
        let deadline = std::time::Instant::now() + linedesk_e2e::UI_TIMEOUT;
        while matches!(ivanova_row_text(&app).await, Some((_, true))) {
            assert!(
                std::time::Instant::now() < deadline,
                "the ring stayed after finishing"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        app.quit().await;
    })
    .await
    .expect("the scenario took longer than 4 minutes");
}
