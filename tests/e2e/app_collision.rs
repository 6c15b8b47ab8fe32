//! Issue 16, item 2 (C9) through the real app (WebDriver) with a second specialist on a real
//! WebSocket session: Orlova (her session driven by the engine's `LineLink`, as her app would)
//! holds a client's appeal and has the client's chat open, typing; the app's specialist opens
//! the same chat and sees her in the chat's header, typing, live; writing to the client warns
//! that Orlova holds the appeal and sends only once confirmed; Orlova's connection drops and
//! the header forgets her.

use std::time::Duration;

use linedesk_client_sim::{Seen, SimClient};
use linedesk_domain::presence::PresenceStatus;
use linedesk_e2e::{Desktop, by_testid};
use linedesk_engine::line::LineLink;
use linedesk_protocol::{Action, ChatRef, ClientFrame, Event};

#[path = "call_transfer_common.rs"]
mod common;
use common::{COLLEAGUE, COLLEAGUE_PASSWORD, colleague_id, prepare_server};

const QUESTION: &str = "Добрый день! Не проводится документ, пишет про остатки.";
const ANSWER: &str = "Проверю остатки по складу и вернусь к вам.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c9_the_app_shows_who_else_is_in_the_chat_and_warns_before_writing_into_her_appeal() {
    let data = tempfile::tempdir().expect("data dir");
    prepare_server(data.path());
    let orlova_id = colleague_id(data.path());
    let desktop = Desktop::start();
    tokio::time::timeout(Duration::from_secs(300), async {
        let app = desktop.launch(data.path()).await;
        app.testid("main-window").await;
        app.sync_state("in_sync").await;
        // Busy: the client's new appeal is not routed to the app's specialist (P3).
        let presence = app.testid("presence-select").await;
        presence.select_by_value("busy").await.expect("Busy");
        tokio::time::sleep(Duration::from_millis(500)).await;

        let address = linedesk_e2e::server_address(data.path()).await;
        let mut client = SimClient::sign_in(&address, "client-3", "demo-client")
            .await
            .expect("client-3 signs in");
        client.write(QUESTION).await.expect("write");
        let chat = ChatRef {
            line: client.line,
            client: client.id,
        };

        // The appeal the question went into (a new one, or the one the demo left waiting).
        let appeal = loop {
            match client
                .next_seen(Duration::from_secs(10))
                .await
                .expect("the echo")
            {
                Seen::Other(Event::MessagePosted {
                    appeal: Some(appeal),
                    from_specialist: None,
                    ..
                }) => break appeal,
                _ => continue,
            }
        };

        // Orlova, busy for new appeals, takes it by hand (A2), opens the chat and types.
        let mut orlova = LineLink::join(&address, COLLEAGUE, COLLEAGUE_PASSWORD, client.line)
            .await
            .expect("Orlova signs in");
        orlova
            .submit(Action::SetPresence {
                status: PresenceStatus::Busy,
            })
            .await
            .expect("busy");
        orlova
            .submit(Action::TakeAppeal { appeal })
            .await
            .expect("the appeal is Orlova's");
        orlova
            .sender()
            .send(ClientFrame::ChatFocus {
                chat: Some(chat),
                typing: true,
            })
            .expect("focus");

        // The app opens the same chat: Orlova is in its header, typing.
        app.open_client(chat.client).await;
        app.wait_attr(
            &by_testid("chat-watcher-typing"),
            "data-specialist",
            "Orlova typing in the header",
            |s| s == orlova_id.to_string(),
        )
        .await;
        app.wait_texts(&by_testid("chat-watchers-names"), "her name", |t| {
            t.first().is_some_and(|s| s.contains("Орлова"))
        })
        .await;
        app.screenshot("collision-typing").await;
        // She stops typing: still there, no longer typing.
        orlova
            .sender()
            .send(ClientFrame::ChatFocus {
                chat: Some(chat),
                typing: false,
            })
            .expect("focus");
        app.wait_texts(&by_testid("chat-watcher-typing"), "typing ended", |t| {
            t.is_empty()
        })
        .await;
        app.testid("chat-watchers").await;

        // Writing warns: the appeal is Orlova's; nothing is sent until confirmed.
        let input = app.testid("chat-input").await;
        input.send_keys(ANSWER).await.expect("type");
        app.testid("chat-send").await.click().await.expect("send");
        app.wait_texts(&by_testid("colleague-hold"), "the warning", |t| {
            t.first().is_some_and(|s| s.contains("Орлова"))
        })
        .await;
        app.screenshot("collision-warning").await;
        app.testid("colleague-hold-confirm")
            .await
            .click()
            .await
            .expect("confirm");
        app.wait_texts(
            &by_testid("message-text"),
            "the confirmed message",
            |texts| texts.last().is_some_and(|last| last == ANSWER),
        )
        .await;
        let posted = orlova
            .event(|e| match e {
                Event::MessagePosted {
                    client: c,
                    from_specialist: Some(by),
                    text,
                    ..
                } if *c == chat.client && *by != orlova_id => Some(text.clone()),
                _ => None,
            })
            .await
            .expect("the message reached the line");
        assert_eq!(posted, ANSWER);

        // Orlova's connection drops: the header forgets her.
        drop(orlova);
        app.wait_texts(&by_testid("chat-watchers"), "the header emptied", |t| {
            t.is_empty()
        })
        .await;
        app.quit().await;
    })
    .await
    .expect("the scenario took longer than 5 minutes");
}
