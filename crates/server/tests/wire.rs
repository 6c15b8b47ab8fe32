//! The server over real sockets: login, authentication, line access, idempotency, replay from
//! a cursor with no gap and no duplicate, garbage and oversized frames, rate limits.

mod common;

use common::{Client, World, http_login, token, world};
use linedesk_protocol::{Action, ClientFrame, ErrorCode, Event, PROTOCOL_VERSION, ServerFrame};
use tokio_tungstenite::tungstenite::Message;

fn send_message(line: u64, client: u64, text: &str) -> Action {
    Action::SendMessage {
        line,
        client,
        text: text.to_string(),
    }
}

fn submit(key: &str, action: Action) -> ClientFrame {
    ClientFrame::Submit {
        key: key.to_string(),
        action,
    }
}

#[tokio::test]
async fn login_checks_the_argon2_password_and_answers_typed_errors() {
    let w = world().await;
    let (status, body) = http_login(w.addr, r#"{"login":"anna","password":"wrong"}"#).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("unauthenticated"))
    );
    let (status, body) = http_login(w.addr, r#"{"login":"nobody","password":"x"}"#).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("unauthenticated"))
    );
    let (status, body) = http_login(w.addr, "not json at all").await;
    assert_eq!((status, body["code"].as_str()), (400, Some("bad_frame")));
    assert_eq!(token(w.addr, "anna", "anna-pass").await.len(), 64);
}

#[tokio::test]
async fn nothing_before_a_valid_hello() {
    let w = world().await;
    let mut c = Client::connect(w.addr).await;
    c.send(&ClientFrame::Subscribe {
        line: w.line_a,
        after: 0,
    })
    .await;
    assert!(matches!(
        c.recv().await,
        ServerFrame::Error {
            code: ErrorCode::Unauthenticated,
            ..
        }
    ));
    c.send(&submit("k", send_message(w.line_a, w.client_a, "x")))
        .await;
    assert!(matches!(
        c.recv().await,
        ServerFrame::Error {
            code: ErrorCode::Unauthenticated,
            ..
        }
    ));
    c.send(&ClientFrame::Hello {
        version: PROTOCOL_VERSION,
        token: "f".repeat(64),
    })
    .await;
    assert!(matches!(
        c.recv().await,
        ServerFrame::Error {
            code: ErrorCode::Unauthenticated,
            ..
        }
    ));
    let good = token(w.addr, "anna", "anna-pass").await;
    c.send(&ClientFrame::Hello {
        version: 99,
        token: good.clone(),
    })
    .await;
    assert!(matches!(
        c.recv().await,
        ServerFrame::Error {
            code: ErrorCode::UnsupportedVersion,
            ..
        }
    ));
    c.send(&ClientFrame::Hello {
        version: PROTOCOL_VERSION,
        token: good.clone(),
    })
    .await;
    match c.recv().await {
        ServerFrame::Welcome { lines, .. } => assert_eq!(lines, vec![w.line_a]),
        other => panic!("{other:?}"),
    }
    c.send(&ClientFrame::Hello {
        version: PROTOCOL_VERSION,
        token: good,
    })
    .await;
    assert!(matches!(
        c.recv().await,
        ServerFrame::Error {
            code: ErrorCode::OutOfOrder,
            ..
        }
    ));
    assert!(
        !w.storage
            .events_after(w.line_a, 0, 100)
            .expect("events")
            .iter()
            .any(|e| matches!(e.event, Event::MessagePosted { .. })),
        "nothing was applied"
    );
}

#[tokio::test]
async fn another_lines_data_is_refused() {
    let w = world().await;
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    anna.send(&ClientFrame::Subscribe {
        line: w.line_b,
        after: 0,
    })
    .await;
    assert!(matches!(
        anna.recv().await,
        ServerFrame::Error {
            code: ErrorCode::Forbidden,
            ..
        }
    ));
    anna.send(&submit(
        "k1",
        send_message(w.line_b, w.client_b, "чужая линия"),
    ))
    .await;
    match anna.recv().await {
        ServerFrame::Error {
            code: ErrorCode::Forbidden,
            key,
            ..
        } => assert_eq!(key.as_deref(), Some("k1")),
        other => panic!("{other:?}"),
    }
    // A client of line B addressed through line A is not on line A either.
    anna.send(&submit("k2", send_message(w.line_a, w.client_b, "подмена")))
        .await;
    assert!(matches!(
        anna.recv().await,
        ServerFrame::Error {
            code: ErrorCode::Invalid,
            ..
        }
    ));
    assert!(
        !w.storage
            .events_after(w.line_b, 0, 100)
            .expect("events")
            .iter()
            .any(|e| matches!(e.event, Event::MessagePosted { .. })),
        "nothing was posted on line B"
    );

    // Boris's line B events never reach Anna's line A subscription.
    let mut boris = Client::signed_in(w.addr, "boris", "boris-pass").await;
    let line_a_head = head(&w, w.line_a);
    anna.send(&ClientFrame::Subscribe {
        line: w.line_a,
        after: line_a_head,
    })
    .await;
    assert_eq!(
        anna.recv().await,
        ServerFrame::CaughtUp {
            line: w.line_a,
            seq: line_a_head
        }
    );
    boris
        .send(&submit(
            "b1",
            send_message(w.line_b, w.client_b, "только для Б"),
        ))
        .await;
    assert!(matches!(
        boris.recv().await,
        ServerFrame::Ack {
            duplicate: false,
            ..
        }
    ));
    anna.send(&ClientFrame::Ping { id: 7 }).await;
    assert_eq!(
        anna.recv().await,
        ServerFrame::Pong { id: 7 },
        "no event of line B came first"
    );
}

/// The sequence number of the newest event of `line`.
/// Anna holds an open appeal of line A's client, so her messages to the client are messages
/// only (A1: the first message to a client with no open appeal opens one).
async fn appeal_open(w: &World) {
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let start = Action::StartAppeal {
        line: w.line_a,
        client: w.client_a,
        appeal_type: None,
    };
    anna.send(&submit("open-first", start)).await;
    assert!(matches!(anna.recv().await, ServerFrame::Ack { .. }));
}

fn head(w: &World, line: u64) -> u64 {
    w.storage
        .events_after(line, 0, 100_000)
        .expect("events")
        .last()
        .map_or(0, |e| e.seq)
}

#[tokio::test]
async fn a_resent_key_is_acknowledged_once_applied_once() {
    let w = world().await;
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    for duplicate in [false, true, true] {
        anna.send(&submit(
            "dev-1:0001",
            send_message(w.line_a, w.client_a, "Добрый день"),
        ))
        .await;
        assert_eq!(
            anna.recv().await,
            ServerFrame::Ack {
                key: "dev-1:0001".into(),
                duplicate
            }
        );
    }
    let posted = w
        .storage
        .events_after(w.line_a, 0, 100)
        .expect("events")
        .into_iter()
        .filter(|e| matches!(e.event, Event::MessagePosted { .. }))
        .count();
    assert_eq!(posted, 1);
    anna.send(&submit(
        "dev-1:0002",
        send_message(w.line_a, w.client_a, "   "),
    ))
    .await;
    assert!(matches!(
        anna.recv().await,
        ServerFrame::Error {
            code: ErrorCode::Invalid,
            ..
        }
    ));
    anna.send(&submit("", send_message(w.line_a, w.client_a, "x")))
        .await;
    assert!(matches!(
        anna.recv().await,
        ServerFrame::Error {
            code: ErrorCode::Invalid,
            ..
        }
    ));
}

#[tokio::test]
async fn a_reconnect_resumes_from_its_cursor_with_no_gap_and_no_duplicate() {
    let w = world().await;
    // The line's log starts with its name and its clients.
    appeal_open(&w).await;
    let base = head(&w, w.line_a);
    let mut writer = Client::signed_in(w.addr, "anna", "anna-pass").await;
    for i in 1..=50 {
        writer
            .send(&submit(
                &format!("k{i}"),
                send_message(w.line_a, w.client_a, &format!("m{i}")),
            ))
            .await;
        assert!(matches!(
            writer.recv().await,
            ServerFrame::Ack {
                duplicate: false,
                ..
            }
        ));
    }
    let mut reader = Client::signed_in(w.addr, "anna", "anna-pass").await;
    reader
        .send(&ClientFrame::Subscribe {
            line: w.line_a,
            after: base + 20,
        })
        .await;
    let mut seen = Vec::new();
    loop {
        match reader.recv().await {
            ServerFrame::Event {
                seq,
                event: Event::MessagePosted { text, .. },
                ..
            } => seen.push((seq, text)),
            ServerFrame::CaughtUp { seq, .. } => {
                assert_eq!(seq, base + 50);
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        seen.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        (base + 21..=base + 50).collect::<Vec<_>>()
    );
    assert_eq!(seen[0].1, "m21");
    // Live events follow in order, each once, while the writer goes on.
    for i in 51..=60 {
        writer
            .send(&submit(
                &format!("k{i}"),
                send_message(w.line_a, w.client_a, &format!("m{i}")),
            ))
            .await;
        assert!(matches!(writer.recv().await, ServerFrame::Ack { .. }));
    }
    for expected in 51..=60 {
        match reader.recv().await {
            ServerFrame::Event { seq, .. } => assert_eq!(seq, base + expected),
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn garbage_and_oversized_frames_get_errors_and_disturb_nobody() {
    let w = world().await;
    appeal_open(&w).await;
    let mut bystander = Client::signed_in(w.addr, "anna", "anna-pass").await;
    bystander
        .send(&ClientFrame::Subscribe {
            line: w.line_a,
            after: head(&w, w.line_a),
        })
        .await;
    assert!(matches!(
        bystander.recv().await,
        ServerFrame::CaughtUp { .. }
    ));

    let mut rogue = Client::signed_in(w.addr, "anna", "anna-pass").await;
    for (message, code) in [
        (Message::Text("{".into()), ErrorCode::BadFrame),
        (
            Message::Text("{\"type\":\"drop_tables\"}".into()),
            ErrorCode::BadFrame,
        ),
        (Message::Text("[1,2,3]".into()), ErrorCode::BadFrame),
        (
            Message::Binary(vec![0, 159, 146, 150].into()),
            ErrorCode::BadFrame,
        ),
        (
            Message::Text(
                format!(
                    "{{\"type\":\"ping\",\"id\":1,\"x\":\"{}\"}}",
                    "я".repeat(60_000)
                )
                .into(),
            ),
            ErrorCode::TooLarge,
        ),
    ] {
        rogue.raw(message).await;
        match rogue.recv().await {
            ServerFrame::Error { code: got, .. } => assert_eq!(got, code),
            other => panic!("{other:?}"),
        }
    }
    rogue.send(&ClientFrame::Ping { id: 1 }).await;
    assert_eq!(
        rogue.recv().await,
        ServerFrame::Pong { id: 1 },
        "the rogue session goes on"
    );

    let mut writer = Client::signed_in(w.addr, "anna", "anna-pass").await;
    writer
        .send(&submit(
            "w1",
            send_message(w.line_a, w.client_a, "после мусора"),
        ))
        .await;
    assert!(matches!(writer.recv().await, ServerFrame::Ack { .. }));
    assert!(
        matches!(
            bystander.recv().await,
            ServerFrame::Event {
                event: Event::MessagePosted { .. },
                ..
            }
        ),
        "others are unaffected"
    );
}

#[tokio::test]
async fn a_flood_is_rate_limited_per_connection() {
    let w = world().await;
    let mut flood = Client::signed_in(w.addr, "anna", "anna-pass").await;
    for id in 0..1_500 {
        flood.send(&ClientFrame::Ping { id }).await;
    }
    // Refused frames are answered `rate_limited`; a client that keeps sending after that is
    // closed (see `a_client_that_keeps_flooding_is_closed` in tests/session_bounds.rs).
    let mut limited = 0;
    for frame in flood.until_closed().await {
        if matches!(
            frame,
            ServerFrame::Error {
                code: ErrorCode::RateLimited,
                ..
            }
        ) {
            limited += 1;
        }
    }
    assert!(
        limited > 0,
        "1,500 frames at once exceed the burst of 1,000"
    );
    let mut calm = Client::signed_in(w.addr, "anna", "anna-pass").await;
    calm.send(&ClientFrame::Ping { id: 1 }).await;
    assert_eq!(
        calm.recv().await,
        ServerFrame::Pong { id: 1 },
        "another connection is not limited"
    );
}
