//! Issue 16, item 1 (C6) through the real app (WebDriver) with a colleague on a real WebSocket
//! session and a simulated client: from the client's chat the app's specialist makes a group
//! with Orlova; the client and Orlova see it; Orlova writes in it and the app shows her
//! message under her name; the app's answer reaches the client; the client's reply shows in
//! the app as the client's.

use std::time::Duration;

use linedesk_client_sim::{Seen, SimClient};
use linedesk_e2e::{Desktop, by_testid};
use linedesk_engine::line::LineLink;
use linedesk_protocol::{Action, Event};

#[path = "call_transfer_common.rs"]
mod common;
use common::{COLLEAGUE, COLLEAGUE_PASSWORD, colleague_id, prepare_server};

const TITLE: &str = "Сверка с бухгалтерией";
const FROM_ORLOVA: &str = "Посмотрю акт сверки сегодня";
const FROM_APP: &str = "Елена Викторовна подключилась";
const FROM_CLIENT: &str = "Спасибо, жду";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c6_a_group_made_in_the_app_with_a_colleague_reaches_the_client_both_ways() {
    let data = tempfile::tempdir().expect("data dir");
    prepare_server(data.path());
    let orlova_id = colleague_id(data.path());
    let desktop = Desktop::start();
    tokio::time::timeout(Duration::from_secs(300), async {
        let app = desktop.launch(data.path()).await;
        app.testid("main-window").await;
        app.sync_state("in_sync").await;
        let address = linedesk_e2e::server_address(data.path()).await;
        let mut client = SimClient::sign_in(&address, "client-3", "demo-client")
            .await
            .expect("client-3 signs in");
        // The client writes first: a client in work is listed (C3).
        client
            .write("Добрый день! Не сходится акт сверки.")
            .await
            .expect("write");
        let mut orlova = LineLink::join(&address, COLLEAGUE, COLLEAGUE_PASSWORD, client.line)
            .await
            .expect("Orlova signs in");

        // The info panel of the client's chat: "Create a group" with Orlova.
        app.open_client(client.id).await;
        app.testid("group-create-open")
            .await
            .click()
            .await
            .expect("open the form");
        app.testid("group-title")
            .await
            .send_keys(TITLE)
            .await
            .expect("title");
        app.testid(&format!("group-invite-{orlova_id}"))
            .await
            .click()
            .await
            .expect("invite Orlova");
        app.testid("group-create-submit")
            .await
            .click()
            .await
            .expect("create");

        // The client sees the group with both specialists.
        let group = loop {
            match client
                .next_seen(Duration::from_secs(10))
                .await
                .expect("the group")
            {
                Seen::Other(Event::GroupCreated {
                    group,
                    title,
                    members,
                    ..
                }) if title == TITLE => {
                    assert!(members.iter().any(|m| m.specialist == orlova_id));
                    break group;
                }
                _ => continue,
            }
        };
        // Orlova sees it and writes in it.
        orlova
            .event(|e| match e {
                Event::GroupCreated { group: g, .. } if *g == group => Some(()),
                _ => None,
            })
            .await
            .expect("Orlova sees the group");
        orlova
            .submit(Action::GroupMessage {
                group,
                text: FROM_ORLOVA.into(),
            })
            .await
            .expect("Orlova writes");

        // The app lists the group; open, it shows Orlova's message under her name.
        app.testid("group-open")
            .await
            .click()
            .await
            .expect("open the group");
        app.wait_texts(&by_testid("group-message"), "Orlova's message", |t| {
            t.iter()
                .any(|m| m.contains(FROM_ORLOVA) && m.contains("Орлова"))
        })
        .await;
        // The app answers in the group; the client gets it.
        app.testid("group-input")
            .await
            .send_keys(FROM_APP)
            .await
            .expect("type");
        app.testid("group-send").await.click().await.expect("send");
        loop {
            match client
                .next_seen(Duration::from_secs(10))
                .await
                .expect("the app's message")
            {
                Seen::Other(Event::GroupMessagePosted {
                    group: g,
                    text,
                    from_specialist: Some(_),
                    ..
                }) if g == group && text == FROM_APP => break,
                _ => continue,
            }
        }
        // The client replies in the group; the app shows it as the client's.
        client
            .submit(Action::GroupMessage {
                group,
                text: FROM_CLIENT.into(),
            })
            .await
            .expect("the client writes");
        app.wait_texts(&by_testid("group-message"), "the client's reply", |t| {
            t.last().is_some_and(|m| m.contains(FROM_CLIENT))
        })
        .await;
        app.screenshot("groups").await;
        app.quit().await;
    })
    .await
    .expect("the scenario took longer than 5 minutes");
}
