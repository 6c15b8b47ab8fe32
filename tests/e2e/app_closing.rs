//! A4, A5 and S4 in the app, against its embedded server, with the line's settings set between
//! two runs as a line administrator would (`line-settings`: the demo line's closing phrases and
//! a 30-minute auto-finish): a client writes; the specialist puts a recommended closing phrase
//! into the reply (a click above the reply box) and sends it; the chat counts down to the
//! auto-finish and to the end of the wait for the client's reaction, and "Finish" is disabled
//! meanwhile; the client answers and both are gone. Then S4: the specialist waits for the
//! client, the list's badge says "в ожидании", the client's next message ends it. Meanwhile the
//! info panel's SLA badge opens the SLA explained: its level, deadlines, segments, the running
//! wait and the what-if are the server's own (`GET /api/lines/1/appeals/{id}/sla` with a token
//! of the demo's specialist), in Russian and English. Last, S5: the finish dialog's type choice
//! (the demo's levels name the types), recorded by the server and counted by the SLA report of
//! that type; then an appeal started with a type, recorded at registration.

use std::time::Duration;

use linedesk_client_sim::SimClient;
use linedesk_e2e::{App, Desktop, by_testid};
use linedesk_engine::{Bare, Connector};
use linedesk_protocol::sla_explain::AppealSla;
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

/// `GET path` of the embedded server with a token minted for the demo's specialist in its
/// database; the JSON answer (200 only).
async fn server_get(data: &std::path::Path, address: &str, path: &str) -> serde_json::Value {
    let s = SqliteStorage::open(&data.join("server").join("server.db")).expect("the database");
    let me = s
        .account_by_login("smirnova")
        .expect("account")
        .expect("the demo's specialist")
        .subject;
    let (token, hash) = linedesk_server::auth::new_token().expect("token");
    let expires = linedesk_server::app::now_ms() + 3_600_000;
    assert!(s.issue_token(&hash, me, expires).expect("issue"));
    let connector = Connector::parse(address, Bare::Plain, None).expect("address");
    let (status, body) = linedesk_engine::get_with_token(&connector, &token, path)
        .await
        .expect("GET");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).expect("the answer")
}

/// The server's explanation of `appeal`.
async fn server_sla(data: &std::path::Path, address: &str, appeal: u64) -> AppealSla {
    let answer = server_get(data, address, &format!("/api/lines/1/appeals/{appeal}/sla")).await;
    serde_json::from_value(answer).expect("an AppealSla")
}

/// `name`'s attribute of every element with `testid`.
async fn attrs(app: &App, testid: &str, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in app
        .client
        .find_all(fantoccini::Locator::Css(&by_testid(testid)))
        .await
        .expect("find")
    {
        out.push(e.attr(name).await.ok().flatten().unwrap_or_default());
    }
    out
}

/// The SLA dialog from the info panel's badge: the same figures as the server's.
async fn check_sla_dialog(app: &App, data: &std::path::Path, address: &str, shot: &str) {
    app.testid("info-sla-badge")
        .await
        .click()
        .await
        .expect("open the SLA explained");
    app.wait(&format!(
        "{} {}",
        by_testid("sla-dialog"),
        by_testid("sla-what-if")
    ))
    .await;
    let appeal: u64 = app
        .testid("sla-dialog")
        .await
        .attr("data-appeal")
        .await
        .ok()
        .flatten()
        .and_then(|a| a.parse().ok())
        .expect("the dialog's appeal");
    let e = server_sla(data, address, appeal).await;
    let level = app.testid("sla-level").await.text().await.expect("level");
    assert_eq!(level, e.level);
    let ms = |v: Vec<String>| -> Vec<i64> { v.iter().filter_map(|a| a.parse().ok()).collect() };
    assert_eq!(
        ms(attrs(app, "sla-reaction-due", "data-ms").await),
        [e.reaction.due_ms]
    );
    assert_eq!(
        ms(attrs(app, "sla-reaction-budget", "data-ms").await),
        [e.reaction.budget_ms]
    );
    assert_eq!(
        ms(attrs(app, "sla-resolution-budget", "data-ms").await),
        [e.resolution.budget_ms]
    );
    let reaction_from: Vec<i64> = e.reaction.segments.iter().map(|s| s.from_ms).collect();
    let reaction_to: Vec<i64> = e.reaction.segments.iter().map(|s| s.to_ms).collect();
    assert_eq!(
        ms(attrs(app, "sla-reaction-segment", "data-from").await),
        reaction_from
    );
    assert_eq!(
        ms(attrs(app, "sla-reaction-segment", "data-to").await),
        reaction_to
    );
    let tried = e
        .selection
        .as_ref()
        .map_or(0, |s| s.trials.len() + usize::from(s.by_default));
    assert_eq!(attrs(app, "sla-trial", "data-level").await.len(), tried);
    // The running wait: its start is the server's; the what-if moves with the clock only in
    // working hours, so it may differ from the server's by the seconds between the two asks.
    let what_if = e.what_if.expect("the server's what-if");
    assert_eq!(
        ms(attrs(app, "sla-wait", "data-from").await),
        e.waits.iter().map(|w| w.from_ms).collect::<Vec<_>>()
    );
    let shown = ms(attrs(app, "sla-what-if", "data-ms").await);
    assert_eq!(shown.len(), 1);
    assert!(
        (shown[0] - what_if.resolution_due_ms).abs() < 60_000,
        "{shown:?} vs {}",
        what_if.resolution_due_ms
    );
    app.screenshot(shot).await;
    app.testid("sla-close").await.click().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a4_a5_s4_s5_closing_phrases_countdowns_waiting_and_the_finish_dialogs_type_in_the_app() {
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

        // The SLA explained, from the info panel's badge: in Russian, then in English.
        app.wait_texts(&by_testid("info-sla-badge"), "the panel's badge", |t| {
            t.first().is_some_and(|s| s == "в ожидании")
        })
        .await;
        check_sla_dialog(&app, data.path(), &address, "sla-explained-ru").await;
        app.to_english().await;
        app.wait_texts(&by_testid("info-sla-badge"), "in English", |t| {
            t.first().is_some_and(|s| s == "waiting")
        })
        .await;
        check_sla_dialog(&app, data.path(), &address, "sla-explained-en").await;
        client.write("Вот ещё вопрос").await.expect("write");
        app.wait_texts(&row(client.id, "client-waiting"), "the badge gone", |t| {
            t.is_empty()
        })
        .await;

        // S5: the finish dialog offers the line's types (the demo's levels name them); the one
        // chosen is recorded before the finish, shown in the timeline and counted by the SLA
        // report of that type. S3: the hint says the deadlines do not move.
        let opened = linedesk_server::app::now_ms() - 3_600_000;
        app.testid("appeal-finish-toggle")
            .await
            .click()
            .await
            .expect("open the finish dialog");
        let choice = app.testid("appeal-finish-type").await;
        let hint = app
            .client
            .find(fantoccini::Locator::Css("label.appeal-type"))
            .await
            .expect("the type's label")
            .attr("title")
            .await
            .expect("title")
            .unwrap_or_default();
        assert!(hint.contains("do not change"), "{hint}");
        choice
            .select_by_value("Ошибка")
            .await
            .expect("choose a type");
        app.screenshot("finish-with-type-en").await;
        app.testid("appeal-finish")
            .await
            .click()
            .await
            .expect("finish");
        app.wait_texts(
            &by_testid("timeline-note"),
            "the type in the timeline",
            |t| t.iter().any(|s| s.contains("type “Ошибка” (You)")),
        )
        .await;
        let path = format!(
            "/api/lines/1/reports/sla?from_ms={opened}&to_ms={}&appeal_type={}",
            linedesk_server::app::now_ms() + 60_000,
            linedesk_protocol::encode_query_value("Ошибка")
        );
        let report: linedesk_protocol::reports::SlaReport =
            serde_json::from_value(server_get(data.path(), &address, &path).await)
                .expect("a report");
        assert_eq!(report.total.appeals, 1, "{report:?}");

        // S5 at registration: a new appeal started with a type; the server picks the level by
        // it and says the type was given at registration.
        let start = app.testid("appeal-start-type").await;
        start.select_by_value("Ошибка").await.expect("name a type");
        app.testid("appeal-start")
            .await
            .click()
            .await
            .expect("start");
        app.wait_texts(
            &by_testid("timeline-note"),
            "the type given at registration",
            |t| {
                t.iter()
                    .any(|s| s.contains("type “Ошибка” at registration"))
            },
        )
        .await;
        let report: linedesk_protocol::reports::SlaReport =
            serde_json::from_value(server_get(data.path(), &address, &path).await)
                .expect("a report");
        assert_eq!(report.total.appeals, 2, "{report:?}");
        app.quit().await;
    })
    .await
    .expect("the scenario took longer than 5 minutes");
}
