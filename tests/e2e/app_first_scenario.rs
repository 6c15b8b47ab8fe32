//! Issue 2, first scenario: launch the built app on a fresh data dir; switch presence to Busy;
//! search a client by INN and by part of the name; send a chat message; quit and relaunch; the
//! message, the presence and an unsent draft are still there. Screenshots are kept.

use std::time::Duration;

use linedesk_e2e::{App, Desktop, by_testid};
use linedesk_store::demo::{DEMO_SEARCH_CLIENT_NAME, DEMO_SEARCH_INN, DEMO_SEARCH_NAME_PART};

const MESSAGE: &str = "Добрый день! Проверяю обмен с базой, ответ в течение часа.";
const DRAFT: &str = "Черновик: уточню у бухгалтерии и вернусь";
const HOSTILE: &str = "<b>жирный</b><img src=x onerror=alert(1)><script>alert(2)</script>";

async fn search(app: &App, query: &str) {
    let input = app.testid("client-search").await;
    input.clear().await.expect("clear search");
    input.send_keys(query).await.expect("type search");
    let rows = by_testid("client-row");
    app.wait_texts(
        &rows,
        &format!("search `{query}` to find {DEMO_SEARCH_CLIENT_NAME}"),
        |texts| !texts.is_empty() && texts.iter().any(|t| t.contains(DEMO_SEARCH_CLIENT_NAME)),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_search_and_message_survive_a_restart() {
    let data = tempfile::tempdir().expect("data dir");
    let desktop = Desktop::start();
    tokio::time::timeout(Duration::from_secs(240), async {
        // First run: a fresh data dir gets the demo line from the embedded line server.
        let app = desktop.launch(data.path()).await;
        app.testid("main-window").await;
        // The demo line comes from the embedded server: wait until the sync filled the list.
        app.wait_texts(&by_testid("client-row"), "the demo clients", |texts| {
            texts.len() > 10
        })
        .await;
        app.wait_texts(&by_testid("sync-status"), "the demo replayed", |t| {
            t.first().is_some_and(|s| s.contains("Синхронизировано"))
        })
        .await;

        let presence = app.testid("presence-select").await;
        presence.select_by_value("busy").await.expect("choose Busy");
        app.wait_texts(
            &format!("{} option:checked", by_testid("presence-select")),
            "Busy selected",
            |t| t.first().is_some_and(|s| s.contains("Занят")),
        )
        .await;

        search(&app, DEMO_SEARCH_INN).await;
        search(&app, DEMO_SEARCH_NAME_PART).await;
        app.open_client_named(DEMO_SEARCH_CLIENT_NAME).await;
        app.send_message(MESSAGE).await;
        let status = app.testid("message-status").await;
        assert!(!status.text().await.expect("status").is_empty());

        // Chat text is text: markup from the input shows literally and creates no elements.
        app.send_message(HOSTILE).await;
        let bubbles = app
            .client
            .find_all(fantoccini::Locator::Css(&by_testid("message-text")))
            .await
            .expect("bubbles");
        let last = bubbles.last().expect("a last message");
        let inner = app
            .client
            .execute(
                "return arguments[0].children.length",
                vec![serde_json::to_value(last).expect("element")],
            )
            .await
            .expect("count children");
        assert_eq!(
            inner,
            serde_json::json!(0),
            "chat text must not become HTML elements"
        );

        // Garbage at the IPC boundary: wrong types and unknown commands are refused, and
        // nothing is written (the chat keeps exactly its messages).
        let before = app.client.find_all(fantoccini::Locator::Css(&by_testid("message-text"))).await.expect("bubbles").len();
        for (command, args) in [
            ("send_message", serde_json::json!({"lineId": "one", "clientId": [], "text": 5})),
            ("send_message", serde_json::json!({"lineId": 1, "clientId": 1, "text": ""})),
            ("set_presence", serde_json::json!({"status": "sleeping"})),
            ("save_settings", serde_json::json!({"settings": {"language": "de"}})),
            ("no_such_command", serde_json::json!({})),
            // The commands of the line server, calls and the headset refuse garbage too.
            ("finish_appeal", serde_json::json!({"lineId": 1, "clientId": 1, "result": ""})),
            ("transfer_appeal", serde_json::json!({"lineId": 1, "clientId": 1, "to": "x", "reason": 5})),
            ("take_appeal", serde_json::json!({"lineId": 1, "clientId": 1})),
            ("place_call", serde_json::json!({"lineId": -5, "clientId": 1})),
            ("kb_hints", serde_json::json!({"lineId": 1})),
            ("quick_replies", serde_json::json!({})),
            ("set_call_muted", serde_json::json!({"on": "yes"})),
            ("hang_up_call", serde_json::json!({})),
            ("create_ticket", serde_json::json!({"lineId": 1, "clientId": 1, "subject": " ", "text": "x"})),
            ("list_tickets", serde_json::json!({"lineId": "a"})),
            // The workstation's, sign-in's and remote sessions' commands (issues 6 and 7).
            ("sign_in", serde_json::json!({"login": " ", "password": "x"})),
            ("sign_in", serde_json::json!({"login": "smirnova", "password": ""})),
            ("send_file", serde_json::json!({"lineId": 1, "clientId": 1, "name": "a.txt", "base64": "%%%not base64"})),
            ("send_file", serde_json::json!({"lineId": 1, "clientId": 1, "name": " ", "base64": "aGk="})),
            ("ticket_action", serde_json::json!({"ticket": 1, "action": {"kind": "explode"}})),
            ("ticket_action", serde_json::json!({"ticket": 999999, "action": {"kind": "reject", "reason": ""}})),
            ("transfer_appeal_to", serde_json::json!({"lineId": 1, "clientId": 1, "target": {"to": "moon"}, "reason": "x"})),
            ("my_appeals", serde_json::json!({"filter": {"status": "lost"}})),
            ("ticket_details", serde_json::json!({"ticket": -1})),
            ("remote_request", serde_json::json!({"lineId": 1, "clientId": 1, "byPassword": true, "password": null})),
            ("remote_input", serde_json::json!({"input": {"kind": "key", "keysym": 0, "down": true}})),
            ("remote_input", serde_json::json!({"input": {"kind": "teleport"}})),
            ("save_kb_draft", serde_json::json!({"lineId": 1, "subject": "", "text": "x"})),
            ("list_notices", serde_json::json!({"after": -1})),
            // C9's commands (issue 16, item 2).
            ("chat_focus", serde_json::json!({"lineId": "x", "clientId": 1, "typing": "yes"})),
            ("chat_focus", serde_json::json!({"lineId": -1, "clientId": 1, "typing": true})),
            ("chat_watchers", serde_json::json!({"lineId": 1})),
            ("colleague_hold", serde_json::json!({"lineId": -1, "clientId": 1})),
            ("send_message_confirmed", serde_json::json!({"lineId": 1, "clientId": 1, "text": "  "})),
            ("send_message_confirmed", serde_json::json!({"lineId": 1, "clientId": [], "text": 5})),
            // S5's appeal type, A5's announced time and the queue's rename (issue 15).
            ("choose_appeal_type", serde_json::json!({"lineId": 1, "clientId": 1, "appealType": 5})),
            ("choose_appeal_type", serde_json::json!({"lineId": 1, "clientId": 1, "appealType": "  "})),
            ("appeal_types", serde_json::json!({"lineId": "x"})),
            ("auto_finish_minutes", serde_json::json!({})),
            ("finish_appeal", serde_json::json!({"lineId": 1, "clientId": 1, "result": "ok", "appealType": ["x"]})),
            ("admin_rename_queue", serde_json::json!({"line": 1, "queue": "a", "name": 3})),
            ("admin_rename_queue", serde_json::json!({"line": -1, "queue": 1, "name": "x"})),
        ] {
            let outcome = app
                .client
                .execute_async(
                    "const [cmd, args, done] = arguments;
                     window.__TAURI_INTERNALS__.invoke(cmd, args)
                       .then(v => done({ok: v}), e => done({err: e}));",
                    vec![serde_json::json!(command), args],
                )
                .await
                .expect("invoke");
            assert!(outcome.get("err").is_some(), "{command} accepted garbage: {outcome}");
        }
        let empty = app
            .client
            .execute_async(
                "window.__TAURI_INTERNALS__.invoke('send_message', {lineId: 1, clientId: 1, text: '  '})
                   .then(v => arguments[0]({ok: v}), e => arguments[0](e));",
                vec![],
            )
            .await
            .expect("invoke");
        assert_eq!(empty["code"], "invalid", "a typed error for the UI: {empty}");
        assert_eq!(empty["field"], "text");
        // A file that is not one, and a session by password without one: typed, with the field.
        for (command, args, field) in [
            ("send_file", serde_json::json!({"lineId": 1, "clientId": 1, "name": "a.txt", "base64": "%%%", "confirmed": false}), "file"),
            ("remote_request", serde_json::json!({"lineId": 1, "clientId": 1, "byPassword": true, "password": ""}), "password"),
        ] {
            let refused = app
                .client
                .execute_async(
                    "const [cmd, args, done] = arguments;
                     window.__TAURI_INTERNALS__.invoke(cmd, args).then(v => done({ok: v}), e => done(e));",
                    vec![serde_json::json!(command), args],
                )
                .await
                .expect("invoke");
            assert_eq!(refused["code"], "invalid", "{command}: {refused}");
            assert_eq!(refused["field"], field, "{command}: {refused}");
        }
        let after = app.client.find_all(fantoccini::Locator::Css(&by_testid("message-text"))).await.expect("bubbles").len();
        assert_eq!(before, after);

        // Typed but not sent: the draft is kept in the local store (saved 400 ms after typing).
        app.testid("chat-input")
            .await
            .send_keys(DRAFT)
            .await
            .expect("type draft");
        tokio::time::sleep(Duration::from_millis(1200)).await;

        app.screenshot("main-window").await;
        app.quit().await;

        // Second run on the same data dir: presence and message are still there.
        let app = desktop.launch(data.path()).await;
        let presence = app.testid("presence-select").await;
        assert_eq!(
            presence.prop("value").await.expect("value").as_deref(),
            Some("busy")
        );
        search(&app, DEMO_SEARCH_NAME_PART).await;
        app.open_client_named(DEMO_SEARCH_CLIENT_NAME).await;
        app.wait_texts(
            &by_testid("message-text"),
            "the message after restart",
            // The last stored message is the last one really sent: no garbage got in.
            |texts| texts.iter().any(|t| t == MESSAGE) && texts.last().is_some_and(|t| t == HOSTILE),
        )
        .await;
        let input = app.testid("chat-input").await;
        let deadline = std::time::Instant::now() + linedesk_e2e::UI_TIMEOUT;
        while input.prop("value").await.expect("draft value").as_deref() != Some(DRAFT) {
            assert!(
                std::time::Instant::now() < deadline,
                "the draft was not restored"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        app.screenshot("main-window-after-restart").await;
        app.quit().await;
    })
    .await
    .expect("the scenario took longer than 4 minutes");
}
