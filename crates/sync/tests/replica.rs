//! The local store as the cache of a real server seeded with the demo world: an empty app
//! fills from the line's log, a client's message arrives, the specialist's answer reaches the
//! client, and a restart of the sync neither loses nor doubles anything.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use linedesk_client_sim::SimClient;
use linedesk_demo::{DEMO_CLIENTS, DEMO_SEARCH_CLIENT_NAME, DEMO_SPECIALIST_LOGIN};
use linedesk_domain::presence::PresenceStatus;
use linedesk_server::app::{Server, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::demo::{DEMO_CLIENT_PASSWORD, seed_if_empty};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::StorageError;
use linedesk_store::{Author, MessageStatus, Store};
use linedesk_sync::{SyncConfig, SyncStatus, spawn};
use tokio::net::TcpListener;

fn hash(password: &str) -> Result<String, StorageError> {
    hash_password(password).map_err(|e| StorageError::Invalid(e.to_string()))
}

async fn wait_until(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn message_count(store: &Mutex<Store>, line: i64, client: i64) -> usize {
    store
        .lock()
        .expect("lock")
        .messages(line, client, None, 200)
        .expect("messages")
        .len()
}

/// A real server seeded with the demo world, an empty local store and the sync between them.
struct Setup {
    addr: String,
    store: Arc<Mutex<Store>>,
    handle: linedesk_sync::SyncHandle,
    config: SyncConfig,
    /// The demo line.
    line: i64,
    now: i64,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

async fn setup() -> Setup {
    let sdir = tempfile::tempdir().expect("dir");
    let storage = Arc::new(SqliteStorage::open(&sdir.path().join("server.db")).expect("storage"));
    let now = linedesk_server::app::now_ms();
    let ids = seed_if_empty(&*storage, now, &hash("spec-pass").expect("hash"), &hash)
        .expect("seed")
        .expect("seeded");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    tokio::spawn(serve(listener, Server::new(storage)));
    let ldir = tempfile::tempdir().expect("dir");
    let store = Arc::new(Mutex::new(
        Store::open(&ldir.path().join("linedesk.db")).expect("store"),
    ));
    let config = SyncConfig {
        server: addr.clone(),
        login: DEMO_SPECIALIST_LOGIN.into(),
        password: "spec-pass".into(),
        ..SyncConfig::default()
    };
    let handle = spawn(store.clone(), config.clone());
    Setup {
        addr,
        store,
        handle,
        config,
        line: i64::try_from(ids.lines[0]).expect("line id"),
        now,
        _dirs: (sdir, ldir),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_app_fills_from_the_server_and_a_conversation_goes_both_ways() {
    let Setup {
        addr,
        store,
        handle,
        config,
        line,
        now,
        _dirs,
    } = setup().await;
    wait_until("the demo line replayed", Duration::from_secs(60), || {
        let s = store.lock().expect("lock");
        s.lines().map(|l| l.len()).unwrap_or(0) == 2
            && s.client_list(line, now)
                .map(|l| l.total_clients)
                .unwrap_or(0)
                == DEMO_CLIENTS as i64
            && *handle.status().borrow() == SyncStatus::InSync
    })
    .await;
    let ivanova = {
        let s = store.lock().expect("lock");
        // The first sync deferred the client index and built it once it had caught up: the
        // second word is looked up in it.
        assert!(!s.client_index_deferred().expect("the index's state"));
        let found = s.search_clients(line, "Иванова Мария", 5).expect("search");
        let row = found
            .iter()
            .find(|c| c.name == DEMO_SEARCH_CLIENT_NAME)
            .expect("Ivanova is in the cache")
            .clone();
        assert!(row.vip);
        assert_eq!(
            row.company.as_deref(),
            Some(linedesk_demo::DEMO_SEARCH_COMPANY)
        );
        let listed = s.client_list(line, now).expect("list");
        let listed = listed
            .clients
            .iter()
            .find(|c| c.id == row.id)
            .expect("Ivanova is listed");
        assert!(listed.last_message.is_some(), "{listed:?}");
        row.id
    };
    let colleagues: Vec<String> = store
        .lock()
        .expect("lock")
        .colleagues(line)
        .expect("colleagues")
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(
        colleagues,
        ["Кузнецов Дмитрий Игоревич", "Орлова Елена Викторовна"],
        "the line's other specialists, not me"
    );
    {
        // C8: the line's quick replies and knowledge base came along, searchable offline.
        let s = store.lock().expect("lock");
        let replies = s.quick_replies(line, "релиз").expect("quick replies");
        assert_eq!(replies.len(), 1, "{replies:?}");
        let hints = s
            .kb_hints(line, "Не формируется 6-НДФЛ за квартал, выдаёт ошибку", 3)
            .expect("hints");
        assert_eq!(
            hints.first().map(|a| a.title.as_str()),
            Some("Ошибка 6-НДФЛ за квартал")
        );
    }
    let history = message_count(&store, line, ivanova);
    assert!(history >= 2, "her history came from the server: {history}");
    assert!(*handle.changes().borrow() > 0);

    // The specialist goes Available; the client writes; the appeal is theirs (the ring).
    store
        .lock()
        .expect("lock")
        .set_presence(PresenceStatus::Available, now)
        .expect("presence");
    handle.nudge();
    let mut client = SimClient::sign_in(&addr, "client-1", DEMO_CLIENT_PASSWORD)
        .await
        .expect("client signs in");
    assert_eq!(client.id, u64::try_from(ivanova).expect("id"));
    client
        .write("Здравствуйте! Не печатается счёт.")
        .await
        .expect("write");
    wait_until(
        "the client's message in the app",
        Duration::from_secs(10),
        || {
            let s = store.lock().expect("lock");
            let last = s.messages(line, ivanova, None, 1).expect("messages");
            last.first()
                .is_some_and(|m| m.author == Author::Client && m.text.contains("счёт"))
                && s.open_appeal_id(line, ivanova).ok().flatten().is_some()
        },
    )
    .await;

    // The answer: pending locally, then sent, and the client receives it.
    store
        .lock()
        .expect("lock")
        .send_message(line, ivanova, "Сейчас проверю макет.", now)
        .expect("send");
    handle.nudge();
    let answer = client
        .wait_answer(Duration::from_secs(10))
        .await
        .expect("the client gets the answer");
    assert_eq!(answer, "Сейчас проверю макет.");
    wait_until("the answer turns sent", Duration::from_secs(10), || {
        let s = store.lock().expect("lock");
        let last = s.messages(line, ivanova, None, 1).expect("messages");
        last.first()
            .is_some_and(|m| m.status == MessageStatus::Sent)
    })
    .await;
    let before_restart = message_count(&store, line, ivanova);
    assert_eq!(
        before_restart,
        history + 2,
        "the echo did not double the answer"
    );

    // Restart the sync: it resumes from the cursor, nothing doubles.
    handle.stop();
    let handle = spawn(store.clone(), config);
    wait_until("in sync again", Duration::from_secs(20), || {
        *handle.status().borrow() == SyncStatus::InSync
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(message_count(&store, line, ivanova), before_restart);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finishing_in_the_app_reaches_the_client_who_rates_it() {
    let Setup {
        addr,
        store,
        handle,
        line,
        now,
        _dirs,
        ..
    } = setup().await;
    wait_until("in sync", Duration::from_secs(60), || {
        *handle.status().borrow() == SyncStatus::InSync
    })
    .await;
    let mut client = SimClient::sign_in(&addr, "client-2", DEMO_CLIENT_PASSWORD)
        .await
        .expect("client signs in");
    let me = i64::try_from(client.id).expect("id");
    client
        .write("Подскажите по договору ИТС")
        .await
        .expect("write");
    wait_until("the appeal is mine", Duration::from_secs(10), || {
        store
            .lock()
            .expect("lock")
            .open_appeal_id(line, me)
            .ok()
            .flatten()
            .is_some()
    })
    .await;
    {
        let s = store.lock().expect("lock");
        let err = s
            .finish_appeal(line, me, "   ", None, now)
            .expect_err("no result");
        assert!(err.to_string().contains("result"), "{err}");
        s.finish_appeal(line, me, "Консультация оказана", None, now)
            .expect("finish");
        assert_eq!(
            s.open_appeal_id(line, me).expect("appeal"),
            None,
            "the ring goes off"
        );
    }
    handle.nudge();
    let appeal = client
        .wait_finished(Duration::from_secs(10))
        .await
        .expect("the client sees the appeal finished");
    // A4: the rating's comment reaches the app's store, as text, in the client's timeline.
    let comment = "Спасибо! <img src=x onerror=alert(1)>";
    client
        .rate(appeal, 5, Some(comment))
        .await
        .expect("the client rates it");
    wait_until("the outbox is empty", Duration::from_secs(10), || {
        store
            .lock()
            .expect("lock")
            .outbox_pending_count()
            .unwrap_or(1)
            == 0
    })
    .await;
    wait_until(
        "the rating with its comment",
        Duration::from_secs(10),
        || {
            store
                .lock()
                .expect("lock")
                .appeal_notes_of(line, me)
                .unwrap_or_default()
                .iter()
                .any(|n| n.kind == "rated" && n.target == "5" && n.detail == comment)
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_go_live_not_through_the_outbox_and_their_events_and_refusals_come_back() {
    let Setup {
        addr,
        store,
        handle,
        line,
        _dirs,
        ..
    } = setup().await;
    wait_until("in sync", Duration::from_secs(60), || {
        *handle.status().borrow() == SyncStatus::InSync
    })
    .await;
    let client = SimClient::sign_in(&addr, "client-4", DEMO_CLIENT_PASSWORD)
        .await
        .expect("client signs in");
    let mut incoming = handle.incoming();
    let key = handle
        .submit_now(linedesk_protocol::Action::PlaceCall {
            line: u64::try_from(line).expect("line"),
            client: Some(client.id),
        })
        .await
        .expect("the call is placed");
    let call = loop {
        match tokio::time::timeout(Duration::from_secs(10), incoming.recv())
            .await
            .expect("an event in time")
            .expect("channel")
        {
            linedesk_sync::Incoming::Event {
                event:
                    linedesk_protocol::Event::CallRinging {
                        call, key: Some(k), ..
                    },
                ..
            } if k == key => break call,
            _ => {}
        }
    };
    assert_eq!(
        store
            .lock()
            .expect("lock")
            .outbox_pending_count()
            .expect("count"),
        0,
        "nothing of a call waits in the outbox"
    );
    // A malformed offer is refused by the server and told back; the session goes on.
    handle
        .signal(
            call,
            linedesk_protocol::SignalPayload::Offer {
                sdp: "not an sdp".into(),
            },
        )
        .await
        .expect("relayed");
    loop {
        if let linedesk_sync::Incoming::Refused { code, .. } =
            tokio::time::timeout(Duration::from_secs(10), incoming.recv())
                .await
                .expect("the refusal in time")
                .expect("channel")
        {
            assert_eq!(code, linedesk_protocol::ErrorCode::Invalid);
            break;
        }
    }
    // A second call for the same client is a conflict, answered at once.
    let again = handle
        .submit_now(linedesk_protocol::Action::PlaceCall {
            line: u64::try_from(line).expect("line"),
            client: Some(client.id),
        })
        .await
        .expect_err("one live call per client");
    assert!(
        matches!(
            again,
            linedesk_sync::LiveError::Refused {
                code: linedesk_protocol::ErrorCode::Conflict,
                ..
            }
        ),
        "{again:?}"
    );
    assert_eq!(*handle.status().borrow(), SyncStatus::InSync);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_cannot_be_placed_offline() {
    let ldir = tempfile::tempdir().expect("dir");
    let store = Arc::new(Mutex::new(
        Store::open(&ldir.path().join("linedesk.db")).expect("store"),
    ));
    let handle = spawn(
        store,
        SyncConfig {
            server: "127.0.0.1:9".into(),
            login: "nobody".into(),
            password: "x".into(),
            ..SyncConfig::default()
        },
    );
    let outcome = tokio::time::timeout(
        Duration::from_secs(5),
        handle.submit_now(linedesk_protocol::Action::PlaceCall {
            line: 1,
            client: Some(1),
        }),
    )
    .await
    .expect("answered at once, not queued");
    assert_eq!(outcome, Err(linedesk_sync::LiveError::Offline));
}
