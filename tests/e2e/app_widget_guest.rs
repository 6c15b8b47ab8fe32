//! The real app answers a guest of the web widget: a real `linedesk-server` binary (demo data,
//! a widget line taking guests from a host site), the app signed in to it as the line's
//! specialist (WebDriver), and the guest in Debian's Chromium (`ui/browser-tests/app-guest.mjs`).
//! The guest opens the widget on the site and writes; the app shows the new client and the
//! message; the specialist answers in the app and the guest sees it; the guest sends a file and
//! the app shows its name; the specialist sends one from the app and the guest downloads it
//! (files both ways); the specialist finishes the appeal with a result, the guest sees it
//! and rates it 4 stars with a comment, which shows in the app's timeline. The guest's name,
//! messages, file name, the answer, the result and the comment carry an XSS list: it creates no
//! element and runs nothing in the app, the host page or the widget, and shows as text.

use std::time::Duration;

use fantoccini::Locator;
use linedesk_e2e::guest_browser::GuestBrowser;
use linedesk_e2e::{App, Desktop, by_testid};
use linedesk_protocol::sanitize_file_name;
use serde_json::json;

const PASSWORD: &str = "смена-виджет-2026";
// Each would make an element marked `data-xss` (or set `window.__xss`) if it were ever HTML.
const GUEST_NAME: &str = "Гость \"><svg onload=\"window.__xss=1\" data-xss></svg><img src=x onerror=\"window.__xss=1\" data-xss>";
const MESSAGE: &str = "Не печатается счёт <script data-xss>window.__xss=1</script><iframe data-xss src=\"javascript:window.__xss=1\"></iframe> & <b data-xss>срочно</b>";
const ANSWER: &str =
    "Проверьте принтер <img src=x onerror=\"window.__xss=1\" data-xss> &amp; сообщите";
// The server writes `<`, `>` and `"` of a file name as `_` (a name safe to save on any
// system); what is left must still show as text: `'`, `=` and the entity.
const FILE_NAME: &str = "<img src=x onerror='window.__xss=1' data-xss>счёт &amp; акт.txt";
const REPLY_FILE_NAME: &str = "ответ <img src=x onerror='window.__xss=1' data-xss> & настройка.txt";
const REPLY_FILE_TEXT: &str = "1. Откройте «Принтеры»\n2. Выберите принтер по умолчанию\n";
const RESULT: &str = "Принтер настроен <svg onload=\"window.__xss=1\" data-xss></svg>";
const COMMENT: &str = "Спасибо <script data-xss>window.__xss=1</script><b data-xss>!</b>";

async fn sign_in(app: &App) {
    app.testid("sign-in").await;
    let field = app.testid("sign-in-password").await;
    field.clear().await.expect("clear");
    field.send_keys(PASSWORD).await.expect("type the password");
    app.testid("sign-in-submit")
        .await
        .click()
        .await
        .expect("sign in");
    app.sync_state("in_sync").await;
}

/// The id of the client whose row's name is `name` (waits for the row).
async fn client_row(app: &App, name: &str) -> u64 {
    let deadline = std::time::Instant::now() + linedesk_e2e::UI_TIMEOUT;
    loop {
        let rows = app
            .client
            .find_all(Locator::Css(&by_testid("client-row")))
            .await
            .unwrap_or_default();
        for row in rows {
            let Ok(found) = row.find(Locator::Css(".name")).await else {
                continue;
            };
            if found.text().await.is_ok_and(|t| t.trim() == name) {
                let id = row.attr("data-client-id").await.ok().flatten();
                return id
                    .and_then(|id| id.parse().ok())
                    .expect("the row's data-client-id");
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no client row named {name:?}"
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// Nothing of the XSS list made an element or ran in the app's page.
async fn assert_no_xss_in_app(app: &App, when: &str) {
    let injected = app
        .client
        .find_all(Locator::Css(
            "[data-xss], img[src=\"x\"], svg[onload], iframe, script:not([src]), .message b",
        ))
        .await
        .expect("query the app's page");
    assert!(
        injected.is_empty(),
        "{when}: the XSS list made {} element(s) in the app",
        injected.len()
    );
    let ran = app
        .client
        .execute("return window.__xss === 1;", vec![])
        .await
        .expect("read window.__xss");
    assert_eq!(
        ran,
        json!(false),
        "{when}: a script of the XSS list ran in the app"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_answers_a_guest_of_the_widget() {
    let data = tempfile::tempdir().expect("data dir");
    let desktop = Desktop::start();
    tokio::time::timeout(Duration::from_secs(300), async {
        let mut guest = GuestBrowser::start(PASSWORD).await;
        let login = linedesk_demo::DEMO_SPECIALIST_LOGIN;
        let args = ["--server", guest.address.as_str(), "--login", login];
        let app = desktop.launch_with_args(data.path(), &args).await;
        sign_in(&app).await;
        app.testid("presence-select")
            .await
            .select_by_value("available")
            .await
            .expect("be available");

        // The guest opens the widget on the site and writes: the app shows the new client
        // (marked a guest) and the message, as text.
        guest.sign_in(GUEST_NAME, "guest@example.com").await;
        guest.write(MESSAGE).await;
        let client = client_row(&app, GUEST_NAME).await;
        app.open_client(client).await;
        app.wait_texts(&by_testid("message-text"), "the guest's message", |t| {
            t.last().is_some_and(|last| last == MESSAGE)
        })
        .await;
        assert_no_xss_in_app(&app, "after the guest's message").await;
        // The appeal is routed to her, available; had her presence reached the server only
        // after the guest's message, it waits in the queue and she takes it.
        let finish = by_testid("appeal-finish-toggle");
        app.wait(&format!("{finish}, {}", by_testid("appeal-take")))
            .await;
        if let Ok(take) = app
            .client
            .find(Locator::Css(&by_testid("appeal-take")))
            .await
        {
            take.click().await.expect("take the appeal");
            app.wait(&finish).await;
        }
        app.wait_texts(&by_testid("chat-title"), "the guest's name", |t| {
            t.first().is_some_and(|title| title == GUEST_NAME)
        })
        .await;
        app.testid("guest-marker").await;

        // The specialist answers in the app; the guest sees the answer.
        app.send_message(ANSWER).await;
        guest.sees_answer(ANSWER).await;

        // The guest sends a file: the app shows its name as text.
        let shown = sanitize_file_name(FILE_NAME).expect("a usable file name");
        guest.send_file(FILE_NAME, "счёт 42\n", &shown).await;
        let file = format!(
            "{} {}",
            by_testid("message-file"),
            by_testid("message-text")
        );
        app.wait_texts(&file, "the guest's file", |t| {
            t.last().is_some_and(|last| *last == shown)
        })
        .await;
        assert_no_xss_in_app(&app, "after the guest's file").await;

        // The specialist sends a file from the app; the guest sees its name as text and
        // downloads it.
        let outgoing = data.path().join(REPLY_FILE_NAME);
        std::fs::write(&outgoing, REPLY_FILE_TEXT).expect("write the reply's file");
        app.testid("file-input")
            .await
            .send_keys(&outgoing.display().to_string())
            .await
            .expect("choose the file");
        let sent = sanitize_file_name(REPLY_FILE_NAME).expect("a usable file name");
        guest.receives_file(&sent, REPLY_FILE_TEXT).await;

        // The specialist finishes with a result; the guest sees it and rates with a comment;
        // the app's timeline shows the rating and the comment.
        app.testid("appeal-finish-toggle")
            .await
            .click()
            .await
            .expect("finish");
        // The field offers a usual result: replace it.
        let result = app.testid("appeal-result").await;
        result.clear().await.expect("clear the offered result");
        result.send_keys(RESULT).await.expect("type the result");
        app.testid("appeal-finish")
            .await
            .click()
            .await
            .expect("confirm");
        guest.sees_result(RESULT).await;
        guest.rate(4, COMMENT).await;
        app.wait_texts(&by_testid("rating-comment"), "the rating's comment", |t| {
            t.iter().any(|c| c.contains(COMMENT))
        })
        .await;
        let rated = format!("{}[data-kind=\"rated\"]", by_testid("timeline-note"));
        app.wait_texts(&rated, "the rating of 4 stars", |t| {
            t.iter().any(|note| note.contains("★★★★☆"))
        })
        .await;
        app.screenshot("widget-guest-rated").await;

        // Nothing of the XSS list became an element or ran, in either page.
        assert_no_xss_in_app(&app, "at the end").await;
        let injected = guest.injected().await;
        let clean = json!({"marked": 0, "elements": 0, "ran": false});
        assert_eq!(injected["host"], clean, "the host page: {injected}");
        assert_eq!(injected["widget"], clean, "the widget: {injected}");
        app.quit().await;
    })
    .await
    .expect("the widget-guest scenario took over 300 s");
}
