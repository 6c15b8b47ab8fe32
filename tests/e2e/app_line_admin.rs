//! Issue 15, item 4 in the real app: the demo's specialist, an admin of the first line (the
//! line-admin role, as `set-line-admin` grants it), opens Administration (Alt+5) against a real
//! `linedesk-server` on 127.0.0.1. A mistake typed into a level's calendar is named next to the
//! field by the server's notation parser; fixed, the preview says when an appeal opened now is
//! due (the domain's deadline, checked here); saved, the server keeps the level. A quick reply
//! with a file is added and used in a client's chat: the text and the file reach the server.
//! A colleague's limit of open appeals: a mistake refused with its rule, then stored. A new
//! client's whole card (C5): a wrong INN named next to its field, then stored. A ticket queue
//! added (T2).
//! Screenshots in Russian and English.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use linedesk_e2e::{Desktop, by_testid};
use linedesk_protocol::{Action, Event};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Applied, Storage, Subject};

const PASSWORD: &str = "smena-2026-ноябрь";
const BAD: &str = "tz Europe/Moscow; Mon-Fr 09-13,14-18";
const GOOD: &str = "tz Europe/Moscow; Mon-Fri 09-13,14-18";
const REPLY_TITLE: &str = "Прайс-лист";
const REPLY_TEXT: &str = "Высылаю прайс-лист на сопровождение.";

fn now_ms() -> i64 {
    linedesk_server::app::now_ms()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s1_s3_c8_the_line_admin_edits_a_calendar_and_adds_a_quick_reply_used_in_a_chat() {
    let server_dir = tempfile::tempdir().expect("server dir");
    let data = tempfile::tempdir().expect("data dir");
    let files = tempfile::tempdir().expect("files");
    let storage = SqliteStorage::open(&server_dir.path().join("server.db")).expect("storage");
    let hash = |p: &str| {
        linedesk_server::auth::hash_password(p)
            .map_err(|e| linedesk_server::storage::StorageError::Invalid(e.to_string()))
    };
    linedesk_server::demo::seed_if_empty(&storage, now_ms(), &hash(PASSWORD).expect("hash"), &hash)
        .expect("seed the demo lines");
    let line = storage.lines().expect("lines")[0].id;
    let me = storage
        .account_by_login("smirnova")
        .expect("account")
        .expect("smirnova")
        .subject;
    assert!(storage.set_line_admin(me.id, line, true).expect("grant"));
    // A client waits for an answer on the line.
    let client = storage.add_client(line, "Клиент Прайса").expect("client");
    let ask = Action::ClientMessage {
        text: "Пришлите прайс, пожалуйста".into(),
    };
    let asked = storage.apply(Subject::client(client), "e2e-ask", &ask, now_ms());
    assert!(matches!(asked, Ok(Applied::Done(_))), "{asked:?}");
    let price = files.path().join("price.pdf");
    std::fs::write(&price, b"%PDF-1.4 price list 2027").expect("the file");

    let storage = Arc::new(storage);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
    let server = linedesk_server::app::Server::new(storage.clone());
    let serving = tokio::spawn(async move {
        let _ = linedesk_server::app::serve(listener, server).await;
    });
    let address = addr.to_string();
    let args = ["--server", address.as_str(), "--login", "smirnova"];
    let desktop = Desktop::start();
    tokio::time::timeout(Duration::from_secs(300), async {
        let app = desktop.launch_with_args(data.path(), &args).await;
        app.testid("sign-in").await;
        let field = app.testid("sign-in-password").await;
        field.send_keys(PASSWORD).await.expect("type the password");
        app.click("sign-in-submit").await;
        app.sync_state("in_sync").await;

        // Alt+5 opens the administration once the server says she administers a line.
        app.testid("view-admin").await;
        let alt = char::from(fantoccini::key::Key::Alt);
        app.testid("client-search")
            .await
            .send_keys(&format!("{alt}5"))
            .await
            .expect("Alt+5");
        app.testid("admin-sla").await;
        app.wait_texts(&by_testid("level-name"), "the line's levels", |t| {
            !t.is_empty()
        })
        .await;

        // A typo in the calendar: the server's parser names the item next to the field.
        app.retype("level-calendar", BAD).await;
        app.wait_attr(
            &by_testid("level-calendar-problem"),
            "data-rule",
            "the notation's mistake",
            |rule| rule == "sla.notation",
        )
        .await;
        app.wait_texts(
            &by_testid("level-calendar-problem"),
            "the item in error",
            |t| t.first().is_some_and(|s| s.contains("Mon-Fr 09-13,14-18")),
        )
        .await;
        // The demo has several levels: the first one is edited, the others keep their preview.
        let first_preview = format!(
            "{}[data-index=\"0\"] {}",
            by_testid("admin-level"),
            by_testid("level-preview")
        );
        assert!(
            app.client
                .find(fantoccini::Locator::Css(&first_preview))
                .await
                .is_err(),
            "no preview for a calendar in error"
        );
        app.screenshot("admin-sla-error-ru").await;

        // Fixed: the preview is the domain's deadline for an appeal opened at the server's now.
        app.retype("level-calendar", GOOD).await;
        app.wait_attr(&first_preview, "data-now-ms", "the first level's preview", |v| {
            !v.is_empty()
        })
        .await;
        let preview = app
            .client
            .find(fantoccini::Locator::Css(&first_preview))
            .await
            .expect("the preview");
        let attr = |v: Option<String>| v.unwrap_or_default();
        let now: i64 = attr(preview.attr("data-now-ms").await.expect("attr"))
            .parse()
            .expect("now");
        let due: i64 = attr(preview.attr("data-reaction-due-ms").await.expect("attr"))
            .parse()
            .expect("due");
        let name = app.testid("level-name").await.prop("value").await.ok().flatten().unwrap_or_default();
        let levels = storage.sla_levels(line).expect("levels");
        let level = levels
            .levels()
            .iter()
            .find(|l| l.name == name)
            .expect("the edited level")
            .clone();
        let edited = linedesk_domain::sla::SupportLevel {
            calendar: linedesk_domain::sla::parse_calendar(GOOD).expect("calendar"),
            ..level
        };
        let at = chrono::DateTime::from_timestamp_millis(now).expect("instant");
        let clock = linedesk_domain::sla::SlaClock::start(&edited, at).expect("clock");
        assert_eq!(due, clock.deadlines().reaction_due().timestamp_millis());
        assert!((now - now_ms()).abs() < 120_000);
        app.screenshot("admin-sla-preview-ru").await;
        app.click("admin-sla-save").await;
        app.testid("admin-sla-saved").await;
        let stored = storage.sla_levels(line).expect("levels");
        let kept = stored.levels().iter().find(|l| l.name == name).expect("kept");
        assert_eq!(kept.calendar, edited.calendar, "the server keeps the fixed calendar");

        // A quick reply with a file.
        app.click("admin-tab-replies").await;
        app.testid("admin-replies").await;
        app.click("admin-reply-add").await;
        app.retype("admin-reply-title", REPLY_TITLE).await;
        app.retype("admin-reply-text", REPLY_TEXT).await;
        app.testid("admin-reply-file-input")
            .await
            .send_keys(&price.display().to_string())
            .await
            .expect("attach the file");
        app.wait_texts(&by_testid("admin-reply-file"), "the attached file", |t| {
            t.first().is_some_and(|s| s.contains("price.pdf"))
        })
        .await;
        app.click("admin-replies-save").await;
        app.testid("admin-replies-saved").await;
        app.screenshot("admin-replies-ru").await;
        let replies = storage.quick_replies(line).expect("replies");
        assert_eq!(replies[0].title, REPLY_TITLE);
        assert_eq!(replies[0].files[0].name, "price.pdf");

        // Used in the waiting client's chat: the text and the file reach the server.
        app.click("view-clients").await;
        app.open_client(client).await;
        let deadline = Instant::now() + linedesk_e2e::UI_TIMEOUT;
        while app
            .client
            .find(fantoccini::Locator::Css(&by_testid("appeal-take")))
            .await
            .is_ok()
        {
            let _ = app.testid("appeal-take").await.click().await;
            assert!(Instant::now() < deadline, "the appeal is not taken");
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        app.click("quick-replies-toggle").await;
        app.testid("quick-reply-search")
            .await
            .send_keys("прайс")
            .await
            .expect("search the reply");
        app.wait_texts(&by_testid("quick-reply-files"), "the reply's file", |t| {
            t.first().is_some_and(|s| s.contains("price.pdf"))
        })
        .await;
        app.click("quick-reply").await;
        app.click("chat-send").await;
        let deadline = Instant::now() + linedesk_e2e::UI_TIMEOUT;
        loop {
            let events = storage.events_after(line, 0, 100_000).expect("events");
            let text = events.iter().any(|e| {
                matches!(&e.event, Event::MessagePosted { client: c, text, from_specialist: Some(_), .. }
                    if *c == client && text == REPLY_TEXT)
            });
            let file = events.iter().any(|e| {
                matches!(&e.event, Event::FileShared { client: c, name, from_specialist: Some(_), .. }
                    if *c == client && name == "price.pdf")
            });
            if text && file {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the reply's text ({text}) and file ({file}) reach the server"
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        app.screenshot("admin-reply-used-ru").await;

        // A2: a colleague's limit of open appeals, a mistake refused with its rule, then kept.
        app.click("view-admin").await;
        app.click("admin-tab-team").await;
        app.testid("admin-team").await;
        let other = format!(
            "{}:not([data-specialist=\"{}\"])",
            by_testid("admin-team-row"),
            me.id
        );
        let row = app.wait(&other).await;
        let colleague: u64 = row
            .attr("data-specialist")
            .await
            .ok()
            .flatten()
            .and_then(|v| v.parse().ok())
            .expect("a colleague's id");
        let limit = app
            .wait(&format!("{other} {}", by_testid("admin-team-limit")))
            .await;
        limit.clear().await.expect("clear");
        limit.send_keys("0").await.expect("type");
        app.wait(&format!("{other} {}", by_testid("admin-team-save")))
            .await
            .click()
            .await
            .expect("save");
        app.wait_texts(&by_testid("admin-team-problem"), "the limit's rule", |t| {
            t.first().is_some_and(|s| s.contains("от 1 до 100"))
        })
        .await;
        app.screenshot("admin-team-ru").await;
        limit.clear().await.expect("clear");
        limit.send_keys("2").await.expect("type");
        app.wait(&format!("{other} {}", by_testid("admin-team-save")))
            .await
            .click()
            .await
            .expect("save");
        let deadline = Instant::now() + linedesk_e2e::UI_TIMEOUT;
        while storage
            .team(line)
            .expect("team")
            .iter()
            .find(|m| m.specialist == colleague)
            .is_none_or(|m| m.settings.limit != 2)
        {
            assert!(Instant::now() < deadline, "the limit is not stored");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }

        // C5: a new client with the whole card; a wrong INN is named next to its field.
        app.click("admin-tab-clients").await;
        app.testid("admin-clients").await;
        app.click("admin-client-add").await;
        app.retype("admin-card-name", "Соколова Ирина").await;
        app.retype("admin-card-inn", "7707083890").await;
        app.retype("admin-card-company_reg", "800123456").await;
        app.retype("admin-card-its_contract", "ИТС ПРОФ до 2027-12-31").await;
        app.retype("admin-card-birth_date", "1985-04-12").await;
        app.retype("admin-card-responsible", "Смирнова Анна Сергеевна").await;
        app.click("admin-client-save").await;
        app.wait_texts(&by_testid("admin-card-problem"), "the INN's rule", |t| {
            t.first().is_some_and(|s| s.contains("ИНН"))
        })
        .await;
        app.screenshot("admin-client-error-ru").await;
        app.retype("admin-card-inn", "7707083893").await;
        app.click("admin-client-save").await;
        app.testid("admin-client-saved").await;
        let (_, card) = storage
            .clients_of(line)
            .expect("clients")
            .into_iter()
            .find(|(_, c)| c.name == "Соколова Ирина")
            .expect("the new client is stored");
        assert_eq!(card.company_reg.as_deref(), Some("800123456"));
        assert_eq!(card.its_contract.as_deref(), Some("ИТС ПРОФ до 2027-12-31"));
        assert_eq!(card.birth_date.as_deref(), Some("1985-04-12"));
        assert_eq!(card.responsible, vec!["Смирнова Анна Сергеевна".to_string()]);

        // T2: a new ticket queue.
        app.click("admin-tab-queues").await;
        app.retype("admin-queue-name", "Вторая линия").await;
        app.click("admin-queue-add").await;
        app.wait_texts(&by_testid("admin-queue-title"), "the new queue", |t| {
            t.iter().any(|q| q == "Вторая линия")
        })
        .await;
        assert!(
            storage
                .ticket_queues(line)
                .expect("queues")
                .iter()
                .any(|(_, name)| name == "Вторая линия")
        );

        // In English.
        app.to_english().await;
        app.click("view-admin").await;
        app.click("admin-tab-sla").await;
        app.testid("admin-sla").await;
        app.retype("level-calendar", BAD).await;
        app.wait_texts(&by_testid("level-calendar-problem"), "English", |t| {
            t.first().is_some_and(|s| s.contains("mistake"))
        })
        .await;
        app.screenshot("admin-sla-error-en").await;
        app.retype("level-calendar", GOOD).await;
        app.wait_texts(&by_testid("level-preview"), "English preview", |t| {
            t.first().is_some_and(|s| s.contains("opened now"))
        })
        .await;
        app.screenshot("admin-sla-preview-en").await;
        app.quit().await;
    })
    .await
    .expect("the scenario finished in time");
    serving.abort();
}
