//! Issue 16, item 5 (C6) through the real app (WebDriver): a client wrote a long chat (more
//! than the page the chat opens with); the specialist searches the chat's history for a word of
//! an early message, clicks the hit, and the chat opens at that message: read from the store
//! page by page until it is there, scrolled to and marked. And the clients list (C1, seed 001):
//! each client's work status, and the filter button beside the search.

use std::time::Duration;

use linedesk_client_sim::SimClient;
use linedesk_e2e::{Desktop, by_testid};

#[path = "call_transfer_common.rs"]
mod common;
use common::prepare_server;

const EARLY: &str = "Счёт 4711 не проводится, пишет про закрытый период.";
/// More than the chat's first page (50).
const LATER: usize = 70;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c6_a_history_hit_opens_the_chat_at_that_message() {
    let data = tempfile::tempdir().expect("data dir");
    prepare_server(data.path());
    let desktop = Desktop::start();
    tokio::time::timeout(Duration::from_secs(300), async {
        let app = desktop.launch(data.path()).await;
        app.testid("main-window").await;
        app.sync_state("in_sync").await;

        let address = linedesk_e2e::server_address(data.path()).await;
        let mut client = SimClient::sign_in(&address, "client-4", "demo-client")
            .await
            .expect("client-4 signs in");
        let mut texts = vec![EARLY.to_string()];
        texts.extend((1..=LATER).map(|n| format!("Уточнение номер {n}")));
        for text in &texts {
            // The line's rate limit may ask to slow down: the same message again.
            let mut tries = 0;
            while let Err(error) = client.write(text).await {
                tries += 1;
                assert!(tries < 50, "{text}: {error}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        let last = texts.last().cloned().expect("texts");

        app.open_client(client.id).await;
        app.wait_texts(&by_testid("message-text"), "the newest message", |t| {
            t.last().is_some_and(|s| *s == last)
        })
        .await;
        let shown = app
            .wait_texts(&by_testid("message-text"), "a page", |t| !t.is_empty())
            .await;
        assert!(
            !shown.iter().any(|s| s == EARLY),
            "the early message is beyond the first page"
        );

        app.click("chat-search-toggle").await;
        let input = app.testid("chat-search").await;
        input.send_keys("4711\u{E007}").await.expect("search");
        app.wait_texts(&by_testid("chat-hit"), "the hit", |t| {
            t.first().is_some_and(|s| s.contains("4711"))
        })
        .await;
        app.click("chat-hit").await;
        let marked = app
            .wait_texts(
                &format!(
                    "{}.marked {}",
                    by_testid("message"),
                    by_testid("message-text")
                ),
                "the early message marked",
                |t| t.first().is_some_and(|s| s == EARLY),
            )
            .await;
        assert_eq!(marked.len(), 1);
        app.screenshot("history-hit").await;

        // C1 and seed 001: the list shows each client's work status, and its filter button
        // narrows it (VIP: the demo's first client is one, most are not).
        app.wait_texts(&by_testid("client-work-status"), "work statuses", |t| {
            !t.is_empty()
        })
        .await;
        let all = app
            .wait_texts(&by_testid("client-row"), "the list", |t| t.len() > 3)
            .await;
        app.testid("client-filter")
            .await
            .select_by_value("vip")
            .await
            .expect("VIP only");
        let vip = app
            .wait_texts(&by_testid("client-row"), "the VIP rows", |t| {
                !t.is_empty() && t.len() < all.len()
            })
            .await;
        assert!(vip.iter().all(|row| row.contains("VIP")), "{vip:?}");
        app.screenshot("client-filter-vip").await;
        app.quit().await;
    })
    .await
    .expect("the scenario took longer than 5 minutes");
}
