//! R1 in the real app: the demo's specialist (a supervisor of the demo lines) opens Reports
//! (Alt+4) against a real `linedesk-server` on 127.0.0.1. The SLA figures on screen are the
//! server's own for the period the view shows; an appeal left waiting three days is in the
//! breached list and opens its client's chat; every tab draws its charts; a table's CSV export
//! is written and holds the table, with a formula-like rating comment escaped; screenshots in
//! Russian and English.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use linedesk_e2e::{Desktop, by_testid};
use linedesk_line::reports::ReportQuery;
use linedesk_protocol::{Action, Event};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Applied, Storage, Subject};

const PASSWORD: &str = "smena-2026-ноябрь";
const DAY_MS: i64 = 24 * 3600 * 1000;

fn now_ms() -> i64 {
    linedesk_server::app::now_ms()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r1_s6_the_supervisor_reads_reports_exports_csv_and_opens_a_breached_appeal() {
    let server_dir = tempfile::tempdir().expect("server dir");
    let data = tempfile::tempdir().expect("data dir");
    let storage = SqliteStorage::open(&server_dir.path().join("server.db")).expect("storage");
    let hash = |p: &str| {
        linedesk_server::auth::hash_password(p)
            .map_err(|e| linedesk_server::storage::StorageError::Invalid(e.to_string()))
    };
    linedesk_server::demo::seed_if_empty(&storage, now_ms(), &hash(PASSWORD).expect("hash"), &hash)
        .expect("seed the demo lines");
    let line = storage.lines().expect("lines")[0].id;
    // A client wrote three days ago and nobody answered: breached, still open. Another one was
    // answered, finished and rated with a comment a spreadsheet would run.
    let waiting = storage.add_client(line, "Ждущий Ответа").expect("client");
    let rated = storage
        .add_client(line, "Оценивший Работу")
        .expect("client");
    let at = now_ms() - 3 * DAY_MS;
    let me = storage
        .account_by_login("smirnova")
        .expect("account")
        .expect("smirnova")
        .subject;
    let available = Action::SetPresence {
        status: linedesk_domain::presence::PresenceStatus::Available,
    };
    let set = storage.apply(me, "e2e-available", &available, at - 1000);
    assert!(matches!(set, Ok(Applied::Done(_))), "{set:?}");
    let ask = Action::ClientMessage {
        text: "Никто не отвечает".into(),
    };
    let applied = storage
        .apply(Subject::client(waiting), "e2e-waiting", &ask, at)
        .expect("the client writes");
    assert!(matches!(applied, Applied::Done(_)));
    let opened = storage
        .apply(Subject::client(rated), "e2e-rated", &ask, at)
        .expect("the client writes");
    let Applied::Done(events) = opened else {
        panic!("not applied")
    };
    let appeal = events
        .iter()
        .find_map(|e| match e.event {
            Event::AppealOpened { appeal, .. } => Some(appeal),
            _ => None,
        })
        .expect("an appeal");
    // Routing gave it to someone, or it waits and the demo specialist takes it.
    let assigned = events.iter().find_map(|e| match e.event {
        Event::AppealAssigned { specialist, .. } => Some(specialist),
        _ => None,
    });
    let holder = match assigned {
        Some(specialist) => Subject::specialist(specialist),
        None => {
            let take = Action::TakeAppeal { appeal };
            let taken = storage.apply(me, "e2e-take", &take, at + 60_000);
            assert!(matches!(taken, Ok(Applied::Done(_))), "{taken:?}");
            me
        }
    };
    let say = Action::SendMessage {
        line,
        client: rated,
        text: "Сделано".into(),
    };
    let said = storage.apply(holder, "e2e-say", &say, at + 120_000);
    assert!(matches!(said, Ok(Applied::Done(_))), "{said:?}");
    let finish = Action::FinishAppeal {
        appeal,
        result: "Решено".into(),
    };
    let finished = storage.apply(holder, "e2e-finish", &finish, at + 180_000);
    assert!(matches!(finished, Ok(Applied::Done(_))), "{finished:?}");
    let rate = Action::RateAppeal {
        appeal,
        stars: 2,
        comment: Some("=HYPERLINK(\"http://example.com\")".into()),
    };
    let rated_ok = storage.apply(Subject::client(rated), "e2e-rate", &rate, at + 240_000);
    assert!(matches!(rated_ok, Ok(Applied::Done(_))), "{rated_ok:?}");

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

        // Alt+4 opens the reports; the year's SLA compliance is the server's own.
        let alt = char::from(fantoccini::key::Key::Alt);
        app.testid("client-search")
            .await
            .send_keys(&format!("{alt}4"))
            .await
            .expect("Alt+4");
        app.testid("reports").await;
        assert!(
            app.testid("reports-scope")
                .await
                .text()
                .await
                .unwrap_or_default()
                .contains("руководитель"),
            "the supervisor sees the whole line"
        );
        app.click("reports-year").await;
        let deadline = Instant::now() + linedesk_e2e::UI_TIMEOUT;
        let expected = loop {
            let from: i64 = app
                .attr("reports", "data-from-ms")
                .await
                .parse()
                .unwrap_or(0);
            let to: i64 = app.attr("reports", "data-to-ms").await.parse().unwrap_or(0);
            if to - from > 300 * DAY_MS {
                let q = ReportQuery {
                    from_ms: from,
                    to_ms: to,
                    specialist: None,
                    level: None,
                    appeal_type: None,
                };
                break storage
                    .sla_report(line, &q, false, now_ms())
                    .expect("report");
            }
            assert!(
                Instant::now() < deadline,
                "the period did not become a year"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let appeals = expected.total.appeals.to_string();
        app.wait_texts(
            &by_testid("report-sla-appeals"),
            "the year's appeals",
            |t| t.first().is_some_and(|s| *s == appeals),
        )
        .await;
        app.testid("report-sla-chart").await;
        app.wait_texts(
            &by_testid("report-sla-people-row"),
            "a row per specialist",
            |t| t.len() == expected.by_specialist.len(),
        )
        .await;
        app.screenshot("reports-sla-ru").await;

        // The specialists' table as CSV: the same rows, with the BOM and the header.
        app.click("report-sla-people-csv").await;
        let saved = app
            .wait_texts(
                &by_testid("report-sla-people-saved"),
                "the saved file",
                |t| t.first().is_some_and(|s| s.contains("sla-specialists.csv")),
            )
            .await;
        let path = data.path().join("exports").join("sla-specialists.csv");
        let csv = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} ({saved:?})", path.display()));
        assert!(csv.starts_with('\u{FEFF}'), "the BOM");
        let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
        assert_eq!(lines.len(), 1 + expected.by_specialist.len(), "{csv}");
        for (line, row) in lines[1..].iter().zip(&expected.by_specialist) {
            let name = if row.name.is_empty() {
                "Никто (очередь)"
            } else {
                &row.name
            };
            assert!(
                line.starts_with(&format!("{name},{},", row.figures.appeals)),
                "{line} is not {name}'s row"
            );
        }

        // The operators' comments: the formula-like comment is exported as text.
        app.click("reports-tab-operators").await;
        app.testid("report-operators-chart").await;
        app.click("report-comments-csv").await;
        app.testid("report-comments-saved").await;
        let comments =
            std::fs::read_to_string(data.path().join("exports").join("rating-comments.csv"))
                .expect("the comments' CSV");
        assert!(
            comments.contains("\"'=HYPERLINK(\"\"http://example.com\"\")\""),
            "{comments}"
        );
        app.click("reports-tab-calls").await;
        app.testid("report-calls-mos").await;
        app.click("reports-tab-monitor").await;
        app.testid("report-monitor-chart").await;
        app.screenshot("reports-monitor-ru").await;

        // The breached list opens the waiting client's chat.
        app.click("reports-tab-sla").await;
        let index = expected
            .breached
            .iter()
            .position(|b| b.client == waiting)
            .expect("the waiting appeal is breached");
        app.wait_texts(
            &by_testid("report-sla-breached-row"),
            "the breached appeals",
            |t| t.len() > index,
        )
        .await;
        let buttons = app
            .client
            .find_all(fantoccini::Locator::Css(&by_testid(
                "report-sla-breached-open",
            )))
            .await
            .expect("open buttons");
        buttons[index].click().await.expect("open the appeal");
        app.wait(&format!(
            "{}[data-client-id=\"{waiting}\"]",
            by_testid("chat")
        ))
        .await;

        // In English.
        app.to_english().await;
        app.click("view-reports").await;
        app.wait_texts(&by_testid("reports-scope"), "English", |t| {
            t.first().is_some_and(|s| s.contains("supervise"))
        })
        .await;
        app.testid("report-sla-chart").await;
        app.screenshot("reports-sla-en").await;
        app.quit().await;
    })
    .await
    .expect("the scenario finished in time");
    serving.abort();
}
