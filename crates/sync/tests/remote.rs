//! Remote sessions (V2) through the app's sync client against a real server seeded with the
//! demo world: asked live (never through the outbox), refusals typed, signals relayed both
//! ways only once the client accepted, and the session in the store's timeline.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use linedesk_demo::DEMO_SPECIALIST_LOGIN;
use linedesk_engine::line::LineLink;
use linedesk_protocol::{Action, ClientFrame, ErrorCode, Event, RemoteMode, Role, SignalPayload};
use linedesk_server::app::{Server, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::demo::{DEMO_CLIENT_PASSWORD, seed_if_empty};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::StorageError;
use linedesk_store::Store;
use linedesk_sync::{Incoming, LiveError, SyncConfig, SyncStatus, spawn};
use tokio::net::TcpListener;

const SDP: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n";

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

async fn next_incoming<T>(
    incoming: &mut tokio::sync::broadcast::Receiver<Incoming>,
    mut pick: impl FnMut(Incoming) -> Option<T>,
) -> T {
    loop {
        let item = tokio::time::timeout(Duration::from_secs(10), incoming.recv())
            .await
            .expect("in time")
            .expect("channel");
        if let Some(found) = pick(item) {
            return found;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_session_goes_live_through_the_sync_and_lands_in_the_timeline() {
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
    let handle = spawn(
        store.clone(),
        SyncConfig {
            server: addr.clone(),
            login: DEMO_SPECIALIST_LOGIN.into(),
            password: "spec-pass".into(),
            ..SyncConfig::default()
        },
    );
    let line = ids.lines[0];
    wait_until("in sync", Duration::from_secs(60), || {
        *handle.status().borrow() == SyncStatus::InSync
    })
    .await;
    let mut client = LineLink::join_own_line(&addr, "client-4", DEMO_CLIENT_PASSWORD)
        .await
        .expect("client signs in");
    let mut client_signals = client.take_remote_signals().expect("remote signals");
    let mut incoming = handle.incoming();

    // By password before the client set one, then with a wrong one: typed refusals.
    let client_id = client.id;
    let by_password = |password: &str| Action::RequestRemoteSession {
        line,
        client: client_id,
        mode: RemoteMode::ByPassword,
        password: Some(password.into()),
    };
    let refused = |r: Result<String, LiveError>| match r {
        Err(LiveError::Refused { code, .. }) => code,
        other => panic!("expected a refusal, got {other:?}"),
    };
    assert_eq!(
        refused(handle.submit_now(by_password("guess-1")).await),
        ErrorCode::NoPassword
    );
    client
        .submit(Action::SetRemotePassword {
            password: Some("пароль-для-сеанса".into()),
        })
        .await
        .expect("password set");
    assert_eq!(
        refused(handle.submit_now(by_password("guess-2")).await),
        ErrorCode::WrongPassword
    );

    // By request: live, not through the outbox.
    let key = handle
        .submit_now(Action::RequestRemoteSession {
            line,
            client: client.id,
            mode: RemoteMode::ByRequest,
            password: None,
        })
        .await
        .expect("asked");
    assert_eq!(
        store
            .lock()
            .expect("lock")
            .outbox_pending_count()
            .expect("count"),
        0
    );
    let session = next_incoming(&mut incoming, |i| match i {
        Incoming::Event {
            event:
                Event::RemoteRequested {
                    session,
                    key: Some(k),
                    ..
                },
            ..
        } if k == key => Some(session),
        _ => None,
    })
    .await;
    let offer = SignalPayload::Offer { sdp: SDP.into() };
    handle
        .remote_signal(session, offer.clone())
        .await
        .expect("sent");
    let code = next_incoming(&mut incoming, |i| match i {
        Incoming::Refused { code, .. } => Some(code),
        _ => None,
    })
    .await;
    assert_eq!(
        code,
        ErrorCode::OutOfOrder,
        "nothing before the client accepts"
    );

    client
        .submit(Action::AnswerRemoteSession {
            session,
            accept: true,
        })
        .await
        .expect("accepted");
    next_incoming(&mut incoming, |i| match i {
        Incoming::Event {
            event: Event::RemoteStarted { session: s, .. },
            ..
        } if s == session => Some(()),
        _ => None,
    })
    .await;
    handle
        .remote_signal(session, offer.clone())
        .await
        .expect("sent");
    let relayed = tokio::time::timeout(Duration::from_secs(10), client_signals.recv())
        .await
        .expect("in time")
        .expect("signal");
    assert_eq!(relayed, (session, offer));
    let answer = SignalPayload::Answer { sdp: SDP.into() };
    client
        .sender()
        .send(ClientFrame::RemoteSignal {
            session,
            payload: answer.clone(),
        })
        .expect("sent");
    let back = next_incoming(&mut incoming, |i| match i {
        Incoming::RemoteSignal {
            session: s,
            from,
            payload,
        } if s == session => Some((from, payload)),
        _ => None,
    })
    .await;
    assert_eq!(back, (Role::Client, answer));

    client
        .submit(Action::EndRemoteSession {
            session,
            reason: None,
        })
        .await
        .expect("ended");
    let line_id = i64::try_from(line).expect("line");
    let client_id = i64::try_from(client_id).expect("client");
    wait_until(
        "the session in the timeline",
        Duration::from_secs(10),
        || {
            store
                .lock()
                .expect("lock")
                .remote_sessions_of(line_id, client_id)
                .expect("sessions")
                .iter()
                .any(|s| s.outcome.is_some())
        },
    )
    .await;
    let timeline = store
        .lock()
        .expect("lock")
        .remote_sessions_of(line_id, client_id)
        .expect("sessions");
    assert_eq!(timeline.len(), 1, "refused attempts are not sessions");
    let s = &timeline[0];
    assert_eq!(
        (s.mode.as_str(), s.outcome.as_deref(), s.ended_by.as_deref()),
        ("by_request", Some("ended_by_client"), Some("client"))
    );
    assert!(s.started_at.is_some() && s.duration_ms.is_some(), "{s:?}");
}
