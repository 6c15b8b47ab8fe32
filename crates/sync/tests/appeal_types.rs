//! Issue 15 through the real sync client: a real server on 127.0.0.1, the app's store on a real
//! SQLite file, a simulated client over the real wire. S5: the line's appeal types reach the
//! store at connection and again when the line's levels change; the holder's choice goes
//! through the outbox (before the finish, from the finish dialog) and comes back as the
//! appeal's type with a note in the timeline. C8: quick replies and KB articles changed by the
//! line's admin reach the store while connected. A5: the announced auto-finish time is kept.
//! T2: a renamed queue is renamed in the store.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use linedesk_client_sim::SimClient;
use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::line_admin::QuickReply;
use linedesk_server::app::{Server, now_ms, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::sla_file::parse_levels;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{ClosingSettings, KbArticle, Storage};
use linedesk_store::Store;
use linedesk_sync::{SyncConfig, SyncStatus, spawn};
use tokio::net::TcpListener;

async fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn levels(kinds: &str) -> linedesk_domain::sla::LevelSet {
    let text = format!(
        r#"
[[level]]
name = "Особые"
calendar = "tz UTC; Mon-Sun 00-24"
reaction = "15m"
resolution = "2h"
conditions = {{ kinds = [{kinds}] }}

[[level]]
name = "Default"
calendar = "tz UTC; Mon-Sun 00-24"
reaction = "1h"
resolution = "8h"
"#
    );
    parse_levels("levels.toml", &text).expect("levels").set
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s5_c8_a5_t2_the_lines_changes_and_the_type_choice_go_through_the_sync() {
    let sdir = tempfile::tempdir().expect("dir");
    let storage = Arc::new(SqliteStorage::open(&sdir.path().join("server.db")).expect("storage"));
    let line = storage.add_line("Линия").expect("line");
    let client = storage.add_client(line, "Иванова").expect("client");
    storage
        .set_client_login(client, "ivanova", &hash_password("iv-pass").expect("hash"))
        .expect("login");
    let anna = storage
        .add_specialist("anna", &hash_password("anna-pass").expect("hash"), "Анна")
        .expect("anna");
    storage.serve_line(anna, line, 0, 5).expect("serve");
    storage
        .set_sla_levels(line, &levels(r#""Ошибка", "Консультация""#))
        .expect("levels");
    storage
        .set_closing_settings(
            line,
            &ClosingSettings {
                auto_finish_minutes: 30,
                closing_phrases: Vec::new(),
            },
        )
        .expect("closing");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    tokio::spawn(serve(listener, Server::new(storage.clone())));

    let ldir = tempfile::tempdir().expect("dir");
    let store = Arc::new(Mutex::new(
        Store::open(&ldir.path().join("linedesk.db")).expect("store"),
    ));
    let config = SyncConfig {
        server: addr.clone(),
        login: "anna".into(),
        password: "anna-pass".into(),
        ..SyncConfig::default()
    };
    let handle = spawn(store.clone(), config);
    let (line_i, client_i) = (line as i64, client as i64);
    let s = || store.lock().expect("lock");
    let types = |s: &Store| s.appeal_type_choice(line_i, None).expect("types").types;
    // At connection: the line's types and its auto-finish time.
    wait_until("the types and the closing settings", || {
        types(&s()) == ["Ошибка", "Консультация"]
            && s().auto_finish_minutes(line_i).expect("minutes") == 30
            && *handle.status().borrow() == SyncStatus::InSync
    })
    .await;

    // While connected, the admin changes the levels, the replies, the KB, the closing time and
    // a queue's name: the store follows without a reconnect.
    storage
        .set_sla_levels(line, &levels(r#""Ошибка", "Доработка""#))
        .expect("levels");
    storage
        .set_quick_replies(
            line,
            &[QuickReply {
                title: "Приветствие".into(),
                text: "Здравствуйте!".into(),
                files: Vec::new(),
            }],
        )
        .expect("replies");
    storage
        .import_kb(
            line,
            &[KbArticle {
                id: 0,
                title: "Обновление конфигурации".into(),
                body: "Как обновить конфигурацию из файла поставки".into(),
            }],
        )
        .expect("kb");
    storage
        .set_closing_settings(
            line,
            &ClosingSettings {
                auto_finish_minutes: 0,
                closing_phrases: Vec::new(),
            },
        )
        .expect("closing");
    let queue = storage.ticket_queues(line).expect("queues")[0].0;
    storage
        .rename_ticket_queue(line, queue, "Поддержка 1С")
        .expect("rename");
    wait_until("every change in the store", || {
        let s = s();
        types(&s) == ["Ошибка", "Доработка"]
            && s.quick_replies(line_i, "").expect("replies").len() == 1
            && s.kb_hints(line_i, "обновить конфигурацию", 3)
                .expect("kb")
                .len()
                == 1
            && s.auto_finish_minutes(line_i).expect("minutes") == 0
            && s.ticket_queues(line_i).expect("queues")[0].name == "Поддержка 1С"
    })
    .await;

    // S5: a client's appeal, held by Anna; she chooses a type, then finishes with another.
    s().set_presence(PresenceStatus::Available, now_ms())
        .expect("presence");
    handle.nudge();
    let mut ivanova = SimClient::sign_in(&addr, "ivanova", "iv-pass")
        .await
        .expect("sign in");
    ivanova.write("Ошибка при проведении").await.expect("write");
    wait_until("the appeal held", || {
        s().open_appeal_id(line_i, client_i)
            .expect("appeal")
            .is_some()
    })
    .await;
    s().choose_appeal_type(line_i, client_i, "Ошибка", now_ms())
        .expect("choose");
    handle.nudge();
    let noted = |s: &Store, ty: &str| {
        s.appeal_notes_of(line_i, client_i)
            .expect("notes")
            .iter()
            .any(|n| n.kind == "typed" && n.detail == ty && n.by_me)
    };
    wait_until("the server's AppealTyped in the timeline", || {
        noted(&s(), "Ошибка")
    })
    .await;
    s().finish_appeal(line_i, client_i, "Исправлено", Some("Доработка"), now_ms())
        .expect("finish");
    handle.nudge();
    wait_until(
        "the type chosen in the finish dialog recorded, then the finish",
        || {
            noted(&s(), "Доработка")
                && s()
                    .open_appeal_id(line_i, client_i)
                    .expect("appeal")
                    .is_none()
        },
    )
    .await;
    assert_eq!(s().outbox_last_failure().expect("failures"), None);
    handle.stop();
}
