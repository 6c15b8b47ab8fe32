//! Issue 16, item 6 (W3) through the real app (WebDriver) with a staff-line specialist on a
//! real WebSocket session: the app's specialist (who also serves the demo's staff line, Busy
//! there) presses Help in the header and writes; her message opens an appeal on the staff line
//! as its client, routed to Orlova (Available there, her session driven by the engine's
//! `LineLink` as her app would); Orlova answers and the answer appears in the app's Help panel
//! live, the question shown as the specialist's own. Then the app is closed and started again on
//! the same data: its Help panel shows the whole conversation (kept in the store) and what
//! Orlova writes afterwards, each message once.

use std::time::Duration;

use linedesk_domain::presence::PresenceStatus;
use linedesk_e2e::{Desktop, by_testid};
use linedesk_engine::line::LineLink;
use linedesk_protocol::{Action, Event};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Storage, Subject};

#[path = "call_transfer_common.rs"]
mod common;
use common::{COLLEAGUE, COLLEAGUE_PASSWORD, colleague_id, prepare_server};

const QUESTION: &str = "Не открывается карточка клиента после обновления.";
const ANSWER: &str = "Закройте приложение и откройте снова, кэш обновится.";
const WHILE_AWAY: &str = "Получилось?";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn w3_the_help_button_asks_the_staff_line_and_shows_its_answer_live() {
    let data = tempfile::tempdir().expect("data dir");
    prepare_server(data.path());
    let orlova_id = colleague_id(data.path());
    // The staff line has its own specialist for this scenario: Orlova serves only it (so no
    // appeal of the demo's first line fills her limit).
    let (staff_line, smirnova_id) = {
        let storage = SqliteStorage::open(&data.path().join("server").join("server.db"))
            .expect("the server's db");
        let staff_line = storage
            .staff_line()
            .expect("read")
            .expect("the demo sets a staff line");
        let orlova = Subject::specialist(orlova_id);
        for line in storage.lines_of(orlova).expect("her lines") {
            if line != staff_line {
                storage
                    .remove_from_line(orlova_id, line, linedesk_server::app::now_ms())
                    .expect("off the first line");
            }
        }
        let smirnova = storage
            .account_by_login(linedesk_demo::DEMO_SPECIALIST_LOGIN)
            .expect("read")
            .expect("the demo's specialist")
            .subject
            .id;
        (staff_line, smirnova)
    };
    let desktop = Desktop::start();
    tokio::time::timeout(Duration::from_secs(300), async {
        let app = desktop.launch(data.path()).await;
        app.testid("main-window").await;
        app.sync_state("in_sync").await;
        let address = linedesk_e2e::server_address(data.path()).await;
        let mut orlova = LineLink::join(&address, COLLEAGUE, COLLEAGUE_PASSWORD, staff_line)
            .await
            .expect("Orlova signs in to the staff line");
        orlova
            .submit(Action::SetPresence {
                status: PresenceStatus::Available,
            })
            .await
            .expect("available");
        // Busy: her own question is not routed to herself (she serves the staff line too, P3);
        // known by the line's announcement of it.
        let presence = app.testid("presence-select").await;
        presence.select_by_value("busy").await.expect("Busy");
        orlova
            .event(|e| match e {
                Event::PresenceChanged {
                    specialist,
                    status: PresenceStatus::Busy,
                } if *specialist == smirnova_id => Some(()),
                _ => None,
            })
            .await
            .expect("the line heard she is Busy");

        app.click("staff-help-button").await;
        app.wait_attr(
            &by_testid("staff-help-panel"),
            "data-state",
            "the Help panel connected",
            |s| s == "connected",
        )
        .await;
        let input = app.testid("staff-help-input").await;
        input.send_keys(QUESTION).await.expect("type");
        app.click("staff-help-send").await;

        // The staff line: an appeal of her client identity, routed to Orlova.
        let client = orlova
            .event(|e| match e {
                Event::AppealAssigned {
                    client, specialist, ..
                } if *specialist == orlova_id => Some(*client),
                _ => None,
            })
            .await
            .expect("the appeal reached Orlova");
        orlova
            .submit(Action::SendMessage {
                line: staff_line,
                client,
                text: ANSWER.into(),
            })
            .await
            .expect("Orlova answers");

        app.wait_texts(
            &by_testid("staff-help-message"),
            "the question and the answer in the Help panel",
            |texts| texts.len() == 2 && texts[0].contains(QUESTION) && texts[1].contains(ANSWER),
        )
        .await;
        app.wait_attr(
            &format!("{}[data-mine=\"true\"]", by_testid("staff-help-message")),
            "data-mine",
            "the question shown as her own",
            |s| s == "true",
        )
        .await;
        app.wait_attr(
            &by_testid("staff-help-panel"),
            "data-state",
            "the appeal open",
            |s| s == "open",
        )
        .await;
        app.screenshot("staff-help-answered").await;
        app.quit().await;
        // The line server is embedded in the app: closing the app closed Orlova's session too.
        drop(orlova);

        // Started again on the same data: the conversation is kept, and Orlova, back on the
        // line, writes again (a message written while the app is closed, on a line server
        // of its own, is `crates/sync/tests/staff_help.rs`).
        let app = desktop.launch(data.path()).await;
        app.testid("main-window").await;
        let address = linedesk_e2e::server_address(data.path()).await;
        let mut orlova = LineLink::join(&address, COLLEAGUE, COLLEAGUE_PASSWORD, staff_line)
            .await
            .expect("Orlova back on the staff line");
        orlova
            .submit(Action::SendMessage {
                line: staff_line,
                client,
                text: WHILE_AWAY.into(),
            })
            .await
            .expect("Orlova writes after the restart");
        app.click("staff-help-button").await;
        app.wait_texts(
            &by_testid("staff-help-message"),
            "the kept conversation and what Orlova wrote after the restart, once each",
            |texts| {
                texts.len() == 3
                    && texts[0].contains(QUESTION)
                    && texts[1].contains(ANSWER)
                    && texts[2].contains(WHILE_AWAY)
            },
        )
        .await;
        app.screenshot("staff-help-after-restart").await;
        app.quit().await;
    })
    .await
    .expect("the scenario took longer than 5 minutes");
}
