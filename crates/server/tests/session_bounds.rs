//! A live WebSocket session is bounded and alive (issue 12): a Hello deadline, every frame
//! against the rate limit, a cap of sessions per account, replays that take turns with
//! everything else, server pings that drop a silent peer, sessions that end when their token
//! expires, and lines taken away. Over the wire, against a real server with short limits.

mod common;

use std::time::Duration;

use common::{Client, WAIT, ack, events, next_event, token, world_with_limits};
use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, ClientFrame, ErrorCode, Event, PROTOCOL_VERSION, ServerFrame};
use linedesk_server::app::now_ms;
use linedesk_server::auth::new_token;
use linedesk_server::presence::OFFLINE_GRACE;
use linedesk_server::session_limits::SessionLimits;
use linedesk_server::storage::{Revoked, Storage, StoredClient, Subject};
use tokio_tungstenite::tungstenite::Message;

fn id_of(storage: &dyn Storage, login: &str) -> u64 {
    storage
        .account_by_login(login)
        .expect("account")
        .expect("known login")
        .subject
        .id
}

/// The connection is closed (after whatever frames were still on the way).
async fn closed(c: &mut Client) {
    for frame in c.until_closed().await {
        assert!(
            matches!(frame, ServerFrame::Error { .. }),
            "only errors before the close, got {frame:?}"
        );
    }
}

fn is_error(frame: &ServerFrame, want: ErrorCode) -> bool {
    matches!(frame, ServerFrame::Error { code, .. } if *code == want)
}

#[tokio::test]
async fn a_socket_without_a_hello_in_time_is_told_and_closed() {
    let limits = SessionLimits {
        hello_deadline: Duration::from_millis(500),
        ..SessionLimits::default()
    };
    let (w, _server) = world_with_limits(OFFLINE_GRACE, limits).await;
    let mut silent = Client::connect(w.addr).await;
    match silent.recv().await {
        ServerFrame::Error {
            code: ErrorCode::Unauthenticated,
            message,
            ..
        } => assert!(message.contains("hello"), "{message}"),
        other => panic!("expected unauthenticated, got {other:?}"),
    }
    closed(&mut silent).await;

    // Frames that are not a valid Hello do not stretch the deadline.
    let mut chatty = Client::connect(w.addr).await;
    chatty.send(&ClientFrame::Ping { id: 1 }).await;
    assert_eq!(chatty.recv().await, ServerFrame::Pong { id: 1 });
    chatty
        .send(&ClientFrame::Hello {
            version: PROTOCOL_VERSION,
            token: "not a token".into(),
        })
        .await;
    assert!(is_error(&chatty.recv().await, ErrorCode::Unauthenticated));
    assert!(is_error(&chatty.recv().await, ErrorCode::Unauthenticated));
    closed(&mut chatty).await;

    // A session signed in before the deadline lives on after it.
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    anna.send(&ClientFrame::Ping { id: 2 }).await;
    assert_eq!(anna.recv().await, ServerFrame::Pong { id: 2 });
}

/// A limit with almost no refill, so a test can count exactly.
fn tight(burst: u32, refusals: u32) -> SessionLimits {
    SessionLimits {
        frame_burst: burst,
        frames_per_second: 1,
        refusal_burst: refusals,
        refusals_per_second: 1,
        ..SessionLimits::default()
    }
}

#[tokio::test]
async fn binary_frames_and_pings_count_against_the_rate_limit() {
    let (w, _server) = world_with_limits(OFFLINE_GRACE, tight(20, 1000)).await;
    let mut c = Client::signed_in(w.addr, "anna", "anna-pass").await;
    // The Hello took one frame of the burst of 20.
    for _ in 0..30 {
        c.raw(Message::Binary(vec![1, 2, 3].into())).await;
    }
    let mut bad = 0;
    let mut limited = 0;
    for _ in 0..30 {
        match c.recv().await {
            ServerFrame::Error {
                code: ErrorCode::BadFrame,
                ..
            } => bad += 1,
            ServerFrame::Error {
                code: ErrorCode::RateLimited,
                ..
            } => limited += 1,
            other => panic!("{other:?}"),
        }
    }
    assert!(
        bad <= 20,
        "{bad} binary frames answered: more than the burst"
    );
    assert!(limited >= 10, "only {limited} binary frames refused");

    // WebSocket pings count too: 25 of them empty a fresh session's bucket.
    let mut p = Client::signed_in(w.addr, "vera", "vera-pass").await;
    for _ in 0..25 {
        p.raw(Message::Ping(vec![7].into())).await;
    }
    p.send(&ClientFrame::Ping { id: 9 }).await;
    let reply = p.recv().await;
    assert!(
        is_error(&reply, ErrorCode::RateLimited),
        "after 25 pings, got {reply:?}"
    );
}

#[tokio::test]
async fn a_refused_action_names_its_key() {
    let (w, _server) = world_with_limits(OFFLINE_GRACE, tight(3, 1000)).await;
    let mut c = Client::signed_in(w.addr, "anna", "anna-pass").await;
    for id in 0..2 {
        c.send(&ClientFrame::Ping { id }).await;
    }
    c.send(&ClientFrame::Submit {
        key: "over-the-limit".into(),
        action: Action::SetPresence {
            status: PresenceStatus::Available,
        },
    })
    .await;
    assert_eq!(c.recv().await, ServerFrame::Pong { id: 0 });
    assert_eq!(c.recv().await, ServerFrame::Pong { id: 1 });
    match c.recv().await {
        ServerFrame::Error {
            code: ErrorCode::RateLimited,
            key,
            ..
        } => assert_eq!(key.as_deref(), Some("over-the-limit")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_client_that_keeps_flooding_is_closed() {
    let (w, _server) = world_with_limits(OFFLINE_GRACE, tight(10, 5)).await;
    let mut flood = Client::signed_in(w.addr, "anna", "anna-pass").await;
    for id in 0..40 {
        flood.send(&ClientFrame::Ping { id }).await;
    }
    let mut pongs = 0;
    let mut limited = 0;
    for frame in flood.until_closed().await {
        match frame {
            ServerFrame::Pong { .. } => pongs += 1,
            ServerFrame::Error {
                code: ErrorCode::RateLimited,
                ..
            } => limited += 1,
            other => panic!("{other:?}"),
        }
    }
    assert!(pongs <= 10, "{pongs} pongs: more than the burst");
    // Five refusals, then the one that closes; a slow refill may add one of each.
    assert!((6..=8).contains(&limited), "{limited} refusals");
    assert!(pongs + limited < 40, "closed before answering everything");

    let mut calm = Client::signed_in(w.addr, "anna", "anna-pass").await;
    calm.send(&ClientFrame::Ping { id: 1 }).await;
    assert_eq!(
        calm.recv().await,
        ServerFrame::Pong { id: 1 },
        "another connection of the same account is not limited"
    );
}

#[tokio::test]
async fn an_account_has_at_most_n_live_sessions() {
    let limits = SessionLimits {
        per_account: 2,
        ..SessionLimits::default()
    };
    let (w, _server) = world_with_limits(OFFLINE_GRACE, limits).await;
    let first = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let _second = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let anna = token(w.addr, "anna", "anna-pass").await;
    let mut third = Client::connect(w.addr).await;
    match third.hello(&anna).await {
        ServerFrame::Error {
            code: ErrorCode::RateLimited,
            message,
            ..
        } => assert!(message.contains("live sessions"), "{message}"),
        other => panic!("the third session of anna: {other:?}"),
    }
    // Other accounts are not affected.
    Client::signed_in(w.addr, "vera", "vera-pass").await;
    Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    // When one closes, a new one is let in (the server notices the close at once, but not
    // before this client's next try: retry for a while).
    drop(first);
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let mut again = Client::connect(w.addr).await;
        match again.hello(&anna).await {
            ServerFrame::Welcome { .. } => break,
            ServerFrame::Error {
                code: ErrorCode::RateLimited,
                ..
            } if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => panic!("after a close: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_long_replay_takes_turns_with_other_work() {
    let (w, _server) = world_with_limits(OFFLINE_GRACE, SessionLimits::default()).await;
    const CLIENTS: usize = 50_000;
    let clients: Vec<(usize, StoredClient)> = (0..CLIENTS)
        .map(|i| {
            (
                i,
                StoredClient {
                    name: format!("Клиент {i}"),
                    ..StoredClient::default()
                },
            )
        })
        .collect();
    let refused = w
        .storage
        .import_clients(w.line_a, &clients)
        .expect("import");
    assert!(refused.is_empty());

    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    anna.send(&ClientFrame::Subscribe {
        line: w.line_a,
        after: 0,
    })
    .await;
    anna.send(&ClientFrame::Ping { id: 1 }).await;
    let first = match anna.recv().await {
        ServerFrame::Event { seq, .. } => seq,
        other => panic!("expected the replay's first event, got {other:?}"),
    };
    // The replay is under way (anna has read one event of 50,000): another session's action
    // is acknowledged meanwhile.
    let mut boris = Client::signed_in(w.addr, "boris", "boris-pass").await;
    ack(
        &mut boris,
        "during-the-replay",
        Action::SendMessage {
            line: w.line_b,
            client: w.client_b,
            text: "Здравствуйте".into(),
        },
    )
    .await;
    // Anna's own ping is answered between pages, not after the whole line.
    let mut seen = 1;
    let mut pong_at = None;
    let mut last_seq = first;
    loop {
        match anna.recv().await {
            ServerFrame::Event { seq, .. } => {
                // Pages are read ahead while the last is sent: none skipped, none twice.
                assert_eq!(seq, last_seq + 1, "in order, every event once");
                last_seq = seq;
                seen += 1;
            }
            ServerFrame::Pong { id: 1 } => pong_at = Some(seen),
            ServerFrame::CaughtUp { seq, .. } => {
                assert_eq!(seq, last_seq);
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(seen > CLIENTS, "the whole line: {seen} events");
    let pong_at = pong_at.expect("the ping was answered");
    assert!(
        pong_at < CLIENTS,
        "the ping was answered after {pong_at} of {seen} events: the replay did not take turns"
    );
}

#[tokio::test]
async fn a_silent_peer_is_dropped_and_goes_offline_after_the_grace() {
    let limits = SessionLimits {
        ping_every: Duration::from_millis(200),
        idle_timeout: Duration::from_millis(1500),
        ..SessionLimits::default()
    };
    let (w, _server) = world_with_limits(Duration::from_millis(300), limits).await;
    let anna_id = id_of(w.storage.as_ref(), "anna");
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    ack(
        &mut anna,
        "here",
        Action::SetPresence {
            status: PresenceStatus::Available,
        },
    )
    .await;
    // From here on anna's client neither reads nor answers the server's pings, and the TCP
    // connection stays open: a half-open link as far as the server can tell.
    let mut vera = Client::signed_in(w.addr, "vera", "vera-pass").await;
    events(&mut vera, w.line_a, 0).await;
    // Vera only reads (her client answers pings): she must outlive anna's idle time.
    let status = next_event(&mut vera, |e| match e {
        Event::PresenceChanged { specialist, status } if *specialist == anna_id => Some(*status),
        _ => None,
    })
    .await;
    assert_eq!(status, PresenceStatus::Offline);
    vera.send(&ClientFrame::Ping { id: 3 }).await;
    assert_eq!(vera.reply().await, ServerFrame::Pong { id: 3 });
    drop(anna);
}

#[tokio::test]
async fn a_session_ends_when_its_token_expires_and_the_token_is_deleted() {
    let limits = SessionLimits {
        token_lifetime: Duration::from_secs(3),
        token_sweep_every: Duration::from_millis(200),
        ..SessionLimits::default()
    };
    let (w, _server) = world_with_limits(OFFLINE_GRACE, limits).await;
    let anna_id = id_of(w.storage.as_ref(), "anna");
    // A token from the login, with this server's lifetime of three seconds.
    let short = token(w.addr, "anna", "anna-pass").await;
    let short_hash = linedesk_server::auth::token_hash(&short);
    // One as a login with the usual lifetime makes it.
    let (long, long_hash) = new_token().expect("token");
    w.storage
        .save_token(
            &long_hash,
            Subject::specialist(anna_id),
            now_ms() + 60 * 60 * 1000,
        )
        .expect("save");
    let mut c = Client::connect(w.addr).await;
    assert!(matches!(c.hello(&short).await, ServerFrame::Welcome { .. }));
    match c.recv().await {
        ServerFrame::Error {
            code: ErrorCode::Unauthenticated,
            message,
            ..
        } => assert!(message.contains("expired"), "{message}"),
        other => panic!("expected the expiry, got {other:?}"),
    }
    closed(&mut c).await;

    // The sweep deletes the expired token and keeps the live one.
    // A token's row, expired or not, is seen with a clock at the epoch.
    let count = |hash: &str| -> i64 {
        i64::from(w.storage.token_owner(hash, 0).expect("lookup").is_some())
    };
    let deadline = tokio::time::Instant::now() + WAIT;
    while count(&short_hash) > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the expired token was never deleted"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(count(&long_hash), 1);
    let mut again = Client::connect(w.addr).await;
    assert!(matches!(
        again.hello(&long).await,
        ServerFrame::Welcome { .. }
    ));
}

#[tokio::test]
async fn a_line_taken_away_is_dropped_and_refused() {
    let (w, server) = world_with_limits(OFFLINE_GRACE, SessionLimits::default()).await;
    let anna_id = id_of(w.storage.as_ref(), "anna");
    let vera_id = id_of(w.storage.as_ref(), "vera");
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    events(&mut anna, w.line_a, 0).await;
    let mut vera = Client::signed_in(w.addr, "vera", "vera-pass").await;
    events(&mut vera, w.line_a, 0).await;

    // Another specialist's line, then anna's.
    let _ = server.revoked.send(Revoked::Line {
        specialist: vera_id,
        line: w.line_b,
    });
    let _ = server.revoked.send(Revoked::Line {
        specialist: anna_id,
        line: w.line_a,
    });
    match anna.recv().await {
        ServerFrame::Error {
            code: ErrorCode::Forbidden,
            message,
            key: None,
            ..
        } => assert!(message.contains("taken away"), "{message}"),
        other => panic!("expected the line taken away, got {other:?}"),
    }
    let send = Action::SendMessage {
        line: w.line_a,
        client: w.client_a,
        text: "Ещё здесь?".into(),
    };
    match common::submit(&mut anna, "after", send).await {
        ServerFrame::Error {
            code: ErrorCode::Forbidden,
            message,
            key,
            ..
        } => {
            assert_eq!(key.as_deref(), Some("after"));
            assert!(message.contains("taken away"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    anna.send(&ClientFrame::Subscribe {
        line: w.line_a,
        after: 0,
    })
    .await;
    assert!(is_error(&anna.recv().await, ErrorCode::Forbidden));

    // The line's live events no longer reach anna; vera still serves it.
    let mut ivanova = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    ack(
        &mut ivanova,
        "hello",
        Action::ClientMessage {
            text: "Добрый день".into(),
        },
    )
    .await;
    next_event(&mut vera, |e| {
        matches!(e, Event::MessagePosted { .. }).then_some(())
    })
    .await;
    anna.send(&ClientFrame::Ping { id: 5 }).await;
    assert_eq!(anna.recv().await, ServerFrame::Pong { id: 5 });
}
