//! P4 in the app, against its embedded server: a client's appeal is on this specialist (the
//! ring); the specialist switches to Do not disturb, which hands their open appeals on (no
//! colleague is available in the demo, so they wait in the line's queue); the client's next
//! message does not bring it back, and the row says it is queued. Back to Available, the queued
//! appeal comes back to them (A2).

use linedesk_client_sim::SimClient;
use linedesk_e2e::{App, Desktop, by_testid};

const CLIENT_LOGIN: &str = "client-8";

fn row(client: u64) -> String {
    format!("{}[data-client-id=\"{client}\"]", by_testid("client-row"))
}

async fn mine(app: &App, client: u64, want: bool, what: &str) {
    let want = want.to_string();
    app.wait_attr(&row(client), "data-my-appeal", what, |m| m == want)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn do_not_disturb_hands_the_clients_next_message_on() {
    let data = tempfile::tempdir().expect("data dir");
    let desktop = Desktop::start();
    tokio::time::timeout(std::time::Duration::from_secs(240), async {
        let app = desktop.launch(data.path()).await;
        app.sync_state("in_sync").await;
        let presence = app.testid("presence-select").await;
        presence
            .select_by_value("available")
            .await
            .expect("Available");
        app.sync_state("in_sync").await;
        let server = linedesk_e2e::server_address(data.path()).await;
        let mut client = SimClient::sign_in(&server, CLIENT_LOGIN, "demo-client")
            .await
            .expect("the client signs in");
        client
            .write("Здравствуйте! Вопрос по зарплатному проекту.")
            .await
            .expect("writes");
        mine(&app, client.id, true, "the appeal on the specialist").await;

        app.testid("presence-select")
            .await
            .select_by_value("do_not_disturb")
            .await
            .expect("Do not disturb");
        app.sync_state("in_sync").await;
        client
            .write("Уточню: выгрузка в банк не проходит.")
            .await
            .expect("writes again");
        mine(&app, client.id, false, "the appeal handed on").await;
        app.wait(&format!("{}[data-queued=\"true\"]", row(client.id)))
            .await;
        app.screenshot("do-not-disturb").await;

        app.testid("presence-select")
            .await
            .select_by_value("available")
            .await
            .expect("Available again");
        mine(
            &app,
            client.id,
            true,
            "the queued appeal back on the specialist",
        )
        .await;
        app.quit().await;
    })
    .await
    .expect("the P4 scenario took over 240 s");
}
