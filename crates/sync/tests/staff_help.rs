//! W3 (issue 16, item 6) through the app's store and the sync's Help session against a real
//! server seeded with the demo world: the Help conversation with the staff line is kept in the
//! store. A message typed before any Help session (offline) is sent when it starts, opens an
//! appeal routed to the staff line's specialist, whose answer is kept with her name; after a
//! restart (store closed and opened again, a new token) the conversation is all there, what
//! the staff line said meanwhile arrives, a message typed before the restart is sent, and
//! nothing is doubled.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use linedesk_demo::DEMO_SPECIALIST_LOGIN;
use linedesk_domain::presence::PresenceStatus;
use linedesk_engine::line::LineLink;
use linedesk_engine::{Bare, Connector};
use linedesk_protocol::{Action, Event, StaffHelpSession};
use linedesk_server::app::{Server, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::demo::seed_if_empty;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Storage, StorageError, Subject};
use linedesk_store::Store;
use linedesk_store::staff_help::HelpConversation;
use linedesk_sync::{SyncConfig, SyncStatus, spawn, spawn_staff_help};
use tokio::net::TcpListener;

const QUESTION: &str = "Не открывается карточка клиента после обновления.";
const ANSWER: &str = "Закройте приложение и откройте снова.";
const WHILE_AWAY: &str = "Помогло?";
const THANKS: &str = "Да, спасибо!";

fn hash(password: &str) -> Result<String, StorageError> {
    hash_password(password).map_err(|e| StorageError::Invalid(e.to_string()))
}

/// Wait until the kept conversation satisfies `ready`; the failure says what was kept.
async fn kept_until(
    store: &Mutex<Store>,
    what: &str,
    mut ready: impl FnMut(&HelpConversation) -> bool,
) -> HelpConversation {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let kept = store.lock().expect("lock").staff_help().expect("kept");
        if ready(&kept) {
            return kept;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; kept: {kept:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// (text, written by this specialist, the answerer's name) of the kept messages, in order.
fn shown(kept: &HelpConversation) -> Vec<(String, bool, Option<String>)> {
    kept.messages
        .iter()
        .map(|m| {
            (
                m.text.clone(),
                m.from_specialist.is_none(),
                m.from_name.clone(),
            )
        })
        .collect()
}

async fn ask_for_help(server: &Connector, token: &str) -> StaffHelpSession {
    let (status, body) = linedesk_engine::send_with_token(
        server,
        token,
        ("POST", "/api/help/session"),
        "application/json",
        b"null".to_vec(),
    )
    .await
    .expect("asked");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).expect("a staff help session")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn w3_the_help_conversation_is_kept_across_a_restart_and_typed_messages_go_once() {
    let sdir = tempfile::tempdir().expect("dir");
    let storage = Arc::new(SqliteStorage::open(&sdir.path().join("server.db")).expect("storage"));
    let now = linedesk_server::app::now_ms();
    seed_if_empty(&*storage, now, &hash("spec-pass").expect("hash"), &hash)
        .expect("seed")
        .expect("seeded");
    let staff_line = storage
        .staff_line()
        .expect("read")
        .expect("the demo sets a staff line");
    // Orlova answers the staff line, and only it (no appeal of another line fills her limit).
    storage
        .set_password("orlova", &hash("orlova-pass").expect("hash"))
        .expect("password");
    let orlova_id = storage
        .account_by_login("orlova")
        .expect("read")
        .expect("Orlova")
        .subject
        .id;
    for line in storage
        .lines_of(Subject::specialist(orlova_id))
        .expect("her lines")
    {
        if line != staff_line {
            storage
                .remove_from_line(orlova_id, line, now)
                .expect("off the line");
        }
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    tokio::spawn(serve(listener, Server::new(storage)));
    let server = Connector::parse(&addr, Bare::Plain, None).expect("connector");

    let ldir = tempfile::tempdir().expect("dir");
    let path = ldir.path().join("linedesk.db");
    let store = Arc::new(Mutex::new(Store::open(&path).expect("store")));
    // Typed before any Help session ran (offline): kept, with no identity yet.
    store
        .lock()
        .expect("lock")
        .queue_staff_help("help-1", QUESTION, now)
        .expect("queued");
    let config = SyncConfig {
        server: addr.clone(),
        login: DEMO_SPECIALIST_LOGIN.into(),
        password: "spec-pass".into(),
        ..SyncConfig::default()
    };
    let sync = spawn(store.clone(), config.clone());
    let deadline = Instant::now() + Duration::from_secs(60);
    while *sync.status().borrow() != SyncStatus::InSync || sync.token().is_none() {
        assert!(
            Instant::now() < deadline,
            "the sync never got in sync: {:?}",
            *sync.status().borrow()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let token = sync.token().expect("token");

    let mut orlova = LineLink::join(&addr, "orlova", "orlova-pass", staff_line)
        .await
        .expect("Orlova signs in to the staff line");
    orlova
        .submit(Action::SetPresence {
            status: PresenceStatus::Available,
        })
        .await
        .expect("available");

    let help = ask_for_help(&server, &token).await;
    let handle = spawn_staff_help(server.clone(), help.clone(), store.clone()).expect("help");
    // A1: the queued question opened an appeal on the staff line, routed to Orlova.
    let client = orlova
        .event(|e| match e {
            Event::AppealAssigned {
                client, specialist, ..
            } if *specialist == orlova_id => Some(*client),
            _ => None,
        })
        .await
        .expect("the appeal reached Orlova");
    assert_eq!(client, help.client);
    orlova
        .submit(Action::SendMessage {
            line: staff_line,
            client,
            text: ANSWER.into(),
        })
        .await
        .expect("Orlova answers");
    let kept = kept_until(&store, "the answer, with her name", |k| {
        k.messages.len() == 2 && k.messages[1].from_name.is_some() && k.pending.is_empty()
    })
    .await;
    assert_eq!(
        shown(&kept),
        [
            (QUESTION.into(), true, None),
            (ANSWER.into(), false, Some("Орлова Елена Викторовна".into()))
        ]
    );
    assert!(kept.appeal_open, "{kept:?}");
    assert!(handle.connected());

    // The app stops: the Help session, the sync and the store are gone. The staff line writes
    // meanwhile.
    drop(handle);
    sync.stop();
    drop(store);
    orlova
        .submit(Action::SendMessage {
            line: staff_line,
            client,
            text: WHILE_AWAY.into(),
        })
        .await
        .expect("Orlova writes while the app is closed");

    // Started again: the conversation is in the store before any session.
    let store = Arc::new(Mutex::new(Store::open(&path).expect("store again")));
    let again = store.lock().expect("lock").staff_help().expect("kept");
    assert_eq!(shown(&again), shown(&kept), "kept across the restart");
    assert_eq!((again.line, again.client), (kept.line, kept.client));
    // Typed before the session is back.
    store
        .lock()
        .expect("lock")
        .queue_staff_help("help-2", THANKS, now + 1)
        .expect("queued");
    let help = ask_for_help(&server, &token).await;
    let handle = spawn_staff_help(server.clone(), help, store.clone()).expect("help again");
    let thanks = orlova
        .event(|e| match e {
            Event::MessagePosted {
                client: c,
                from_specialist: None,
                text,
                ..
            } if *c == client && text == THANKS => Some(()),
            _ => None,
        })
        .await;
    thanks.expect("Orlova hears the message typed before the restart");
    let kept = kept_until(&store, "the message of the time away and the thanks", |k| {
        k.messages.len() >= 4 && k.pending.is_empty()
    })
    .await;
    let texts: Vec<String> = shown(&kept).into_iter().map(|(t, _, _)| t).collect();
    assert_eq!(texts, [QUESTION, ANSWER, WHILE_AWAY, THANKS], "once each");
    assert!(handle.connected());
}
