//! Remote sessions (V2) over real sockets: asked by request (the client accepts or declines)
//! or by password (argon2, every attempt logged, wrong ones throttled per specialist and
//! client); nothing is relayed before the session started; either party ends it; the line's
//! log keeps who, when, how long and which mode.

mod common;

use common::{Client, World, ack, events, next_event, refused, submit, subscribed, world};
use linedesk_protocol::{
    Action, ClientFrame, ErrorCode, Event, RemoteEndReason, RemoteMode, Role, ServerFrame,
    SignalPayload,
};
use linedesk_server::app::now_ms;
use linedesk_server::storage::{Applied, StorageError, Subject};

const DATA_SDP: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=sctp-port:5000\r\n";
const AUDIO_SDP: &str =
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";
const PASSWORD: &str = "секрет-42";

async fn next_remote_signal(c: &mut Client) -> (u64, Role, SignalPayload) {
    loop {
        match c.recv().await {
            ServerFrame::RemoteSignal {
                session,
                from,
                payload,
            } => return (session, from, payload),
            ServerFrame::Event { .. } | ServerFrame::CaughtUp { .. } => continue,
            other => panic!("expected a remote signal, got {other:?}"),
        }
    }
}

async fn signal_refused(c: &mut Client, session: u64, payload: SignalPayload) -> ErrorCode {
    c.send(&ClientFrame::RemoteSignal { session, payload })
        .await;
    match c.reply().await {
        ServerFrame::Error {
            code, key: None, ..
        } => code,
        other => panic!("expected an error, got {other:?}"),
    }
}

fn offer() -> SignalPayload {
    SignalPayload::Offer {
        sdp: DATA_SDP.into(),
    }
}

fn ask(w: &World, mode: RemoteMode, password: Option<&str>) -> Action {
    Action::RequestRemoteSession {
        line: w.line_a,
        client: w.client_a,
        mode,
        password: password.map(str::to_string),
    }
}

/// The session id of the request sent with `key`, who asks and the mode, as the client's
/// session sees it.
async fn requested(c: &mut Client, key: &str) -> (u64, String, RemoteMode) {
    let (session, name, _, mode) = requested_from(c, key).await;
    (session, name, mode)
}

/// [`requested`] with the name of the line the specialist asks from.
async fn requested_from(c: &mut Client, key: &str) -> (u64, String, String, RemoteMode) {
    next_event(c, |e| match e {
        Event::RemoteRequested {
            session,
            specialist_name,
            line_name,
            mode,
            key: Some(k),
            ..
        } if k == key => Some((*session, specialist_name.clone(), line_name.clone(), *mode)),
        _ => None,
    })
    .await
}

#[tokio::test]
async fn by_request_nothing_is_relayed_before_the_client_accepts_and_either_can_end() {
    let w = world().await;
    let mut anna = subscribed(&w, "anna", "anna-pass").await;
    let mut ivanova = subscribed(&w, "ivanova", "ivanova-pass").await;
    let mut sidorov = subscribed(&w, "sidorov", "sidorov-pass").await;
    let mut vera = subscribed(&w, "vera", "vera-pass").await;
    let mut boris = Client::signed_in(w.addr, "boris", "boris-pass").await;

    // Only specialists of the client's line may ask, and only for a client of it.
    assert_eq!(
        refused(&mut boris, "b", ask(&w, RemoteMode::ByRequest, None)).await,
        ErrorCode::Forbidden
    );
    let other_line = Action::RequestRemoteSession {
        line: w.line_a,
        client: w.client_b,
        mode: RemoteMode::ByRequest,
        password: None,
    };
    assert_eq!(
        refused(&mut anna, "x", other_line).await,
        ErrorCode::Invalid
    );
    assert_eq!(
        refused(&mut sidorov, "s", ask(&w, RemoteMode::ByRequest, None)).await,
        ErrorCode::Forbidden
    );

    ack(&mut anna, "r1", ask(&w, RemoteMode::ByRequest, None)).await;
    // The client sees who asks and from which line; the request opened an appeal (A1).
    let (session, name, line_name, mode) = requested_from(&mut ivanova, "r1").await;
    assert_eq!(
        (name.as_str(), line_name.as_str(), mode),
        ("Анна", "Линия А", RemoteMode::ByRequest)
    );
    let line = events(&mut anna, w.line_a, 0).await;
    assert!(
        line.iter()
            .any(|e| matches!(e, Event::AppealOpened { client, channel, .. }
                if *client == w.client_a && *channel == linedesk_protocol::AppealChannel::Remote)),
        "{line:?}"
    );

    // Before the answer, no signal passes either way.
    assert_eq!(
        signal_refused(&mut anna, session, offer()).await,
        ErrorCode::OutOfOrder
    );
    assert_eq!(
        signal_refused(&mut ivanova, session, offer()).await,
        ErrorCode::OutOfOrder
    );
    // Only the client answers, once.
    assert_eq!(
        refused(
            &mut sidorov,
            "a0",
            Action::AnswerRemoteSession {
                session,
                accept: true
            }
        )
        .await,
        ErrorCode::Forbidden
    );
    assert_eq!(
        refused(
            &mut anna,
            "a1",
            Action::AnswerRemoteSession {
                session,
                accept: true
            }
        )
        .await,
        ErrorCode::Forbidden
    );
    ack(
        &mut ivanova,
        "a2",
        Action::AnswerRemoteSession {
            session,
            accept: true,
        },
    )
    .await;
    next_event(&mut anna, |e| {
        matches!(e, Event::RemoteStarted { session: s, mode: RemoteMode::ByRequest, .. } if *s == session)
            .then_some(())
    })
    .await;
    assert_eq!(
        refused(
            &mut ivanova,
            "a3",
            Action::AnswerRemoteSession {
                session,
                accept: false
            }
        )
        .await,
        ErrorCode::Conflict
    );

    // Started: the data-channel SDP flows between the two parties only.
    anna.send(&ClientFrame::RemoteSignal {
        session,
        payload: offer(),
    })
    .await;
    assert_eq!(
        next_remote_signal(&mut ivanova).await,
        (session, Role::Specialist, offer())
    );
    let answer = SignalPayload::Answer {
        sdp: DATA_SDP.into(),
    };
    ivanova
        .send(&ClientFrame::RemoteSignal {
            session,
            payload: answer.clone(),
        })
        .await;
    assert_eq!(
        next_remote_signal(&mut anna).await,
        (session, Role::Client, answer)
    );
    assert_eq!(
        signal_refused(&mut vera, session, offer()).await,
        ErrorCode::Forbidden
    );
    assert_eq!(
        signal_refused(&mut sidorov, session, offer()).await,
        ErrorCode::Forbidden
    );
    let audio = SignalPayload::Offer {
        sdp: AUDIO_SDP.into(),
    };
    assert_eq!(
        signal_refused(&mut anna, session, audio).await,
        ErrorCode::Invalid
    );
    // A call signal for the session's id is not a remote signal.
    anna.send(&ClientFrame::Signal {
        call: session,
        payload: offer(),
    })
    .await;
    assert!(matches!(
        anna.reply().await,
        ServerFrame::Error {
            code: ErrorCode::Invalid,
            ..
        }
    ));

    // A colleague cannot take the client's screen meanwhile.
    assert_eq!(
        refused(&mut vera, "v1", ask(&w, RemoteMode::ByRequest, None)).await,
        ErrorCode::Conflict
    );
    // The client ends it: who, why and how long reach both.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    ack(
        &mut ivanova,
        "e1",
        Action::EndRemoteSession {
            session,
            reason: None,
        },
    )
    .await;
    let (by, reason, duration) = next_event(&mut anna, |e| match e {
        Event::RemoteEnded {
            session: s,
            by,
            reason,
            duration_ms,
            ..
        } if *s == session => Some((*by, *reason, *duration_ms)),
        _ => None,
    })
    .await;
    assert_eq!((by, reason), (Role::Client, RemoteEndReason::EndedByClient));
    assert!(duration.is_some_and(|d| d >= 50), "{duration:?}");
    assert_eq!(
        signal_refused(&mut anna, session, offer()).await,
        ErrorCode::OutOfOrder
    );
    assert_eq!(
        refused(
            &mut anna,
            "e2",
            Action::EndRemoteSession {
                session,
                reason: None
            }
        )
        .await,
        ErrorCode::Conflict
    );

    // The client's own view of the log has the whole session.
    next_event(&mut ivanova, |e| {
        matches!(e, Event::RemoteEnded { session: s, .. } if *s == session).then_some(())
    })
    .await;
    let seen = events(&mut ivanova, w.line_a, 0).await;
    let kinds: Vec<&str> = seen
        .iter()
        .filter_map(|e| match e {
            Event::RemoteRequested { session: s, .. } if *s == session => Some("requested"),
            Event::RemoteStarted { session: s, .. } if *s == session => Some("started"),
            Event::RemoteEnded { session: s, .. } if *s == session => Some("ended"),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, ["requested", "started", "ended"]);
}

#[tokio::test]
async fn a_declined_request_ends_without_a_signal_and_the_specialist_may_withdraw() {
    let w = world().await;
    let mut anna = subscribed(&w, "anna", "anna-pass").await;
    let mut ivanova = subscribed(&w, "ivanova", "ivanova-pass").await;

    ack(&mut anna, "r1", ask(&w, RemoteMode::ByRequest, None)).await;
    let (session, ..) = requested(&mut ivanova, "r1").await;
    ack(
        &mut ivanova,
        "no",
        Action::AnswerRemoteSession {
            session,
            accept: false,
        },
    )
    .await;
    let ended = next_event(&mut anna, |e| match e {
        Event::RemoteEnded {
            session: s,
            by,
            reason,
            duration_ms,
            mode,
            ..
        } if *s == session => Some((*by, *reason, *duration_ms, *mode)),
        _ => None,
    })
    .await;
    assert_eq!(
        ended,
        (
            Role::Client,
            RemoteEndReason::Declined,
            None,
            RemoteMode::ByRequest
        )
    );
    assert_eq!(
        signal_refused(&mut anna, session, offer()).await,
        ErrorCode::OutOfOrder
    );

    // Asked again, the specialist withdraws before the answer; the client cannot claim
    // another reason than the one that fits.
    ack(&mut anna, "r2", ask(&w, RemoteMode::ByRequest, None)).await;
    let (second, ..) = requested(&mut ivanova, "r2").await;
    assert_eq!(
        refused(
            &mut anna,
            "bad",
            Action::EndRemoteSession {
                session: second,
                reason: Some(RemoteEndReason::Refused)
            }
        )
        .await,
        ErrorCode::Invalid
    );
    ack(
        &mut anna,
        "w",
        Action::EndRemoteSession {
            session: second,
            reason: None,
        },
    )
    .await;
    let reason = next_event(&mut ivanova, |e| match e {
        Event::RemoteEnded {
            session: s, reason, ..
        } if *s == second => Some(*reason),
        _ => None,
    })
    .await;
    assert_eq!(reason, RemoteEndReason::EndedBySpecialist);

    // A request whose session was lost (asked again by the same specialist) ends as failed.
    ack(&mut anna, "r3", ask(&w, RemoteMode::ByRequest, None)).await;
    let (third, ..) = requested(&mut ivanova, "r3").await;
    ack(&mut anna, "r4", ask(&w, RemoteMode::ByRequest, None)).await;
    let failed = next_event(&mut ivanova, |e| match e {
        Event::RemoteEnded {
            session: s, reason, ..
        } if *s == third => Some(*reason),
        _ => None,
    })
    .await;
    assert_eq!(failed, RemoteEndReason::Failed);
    let (fourth, ..) = requested(&mut ivanova, "r4").await;
    assert!(fourth > third);
}

#[tokio::test]
async fn by_password_the_right_one_starts_at_once_wrong_ones_are_logged_and_throttled() {
    let w = world().await;
    let mut anna = subscribed(&w, "anna", "anna-pass").await;
    let mut vera = subscribed(&w, "vera", "vera-pass").await;
    let mut ivanova = subscribed(&w, "ivanova", "ivanova-pass").await;
    let anna_id = w
        .storage
        .account_by_login("anna")
        .expect("account")
        .expect("anna")
        .subject
        .id;

    // No password set: refused with its own reason.
    assert_eq!(
        refused(
            &mut anna,
            "n",
            ask(&w, RemoteMode::ByPassword, Some(PASSWORD))
        )
        .await,
        ErrorCode::NoPassword
    );
    // Only the client sets it, and not a trivial one.
    let set = |p: &str| Action::SetRemotePassword {
        password: Some(p.to_string()),
    };
    assert_eq!(
        refused(&mut anna, "s0", set(PASSWORD)).await,
        ErrorCode::Forbidden
    );
    assert_eq!(
        refused(&mut ivanova, "s1", set("123")).await,
        ErrorCode::Invalid
    );
    ack(&mut ivanova, "s2", set(PASSWORD)).await;

    // Five wrong ones are refused as wrong; then even the right one waits.
    for i in 0..5 {
        assert_eq!(
            refused(
                &mut anna,
                &format!("w{i}"),
                ask(&w, RemoteMode::ByPassword, Some("guess-000"))
            )
            .await,
            ErrorCode::WrongPassword
        );
    }
    assert_eq!(
        refused(
            &mut anna,
            "ok",
            ask(&w, RemoteMode::ByPassword, Some(PASSWORD))
        )
        .await,
        ErrorCode::RateLimited
    );
    // The throttle is per specialist and client: a colleague with the password gets in, at
    // once, with no answer from the client.
    ack(
        &mut vera,
        "v",
        ask(&w, RemoteMode::ByPassword, Some(PASSWORD)),
    )
    .await;
    let (session, name, mode) = requested(&mut ivanova, "v").await;
    assert_eq!((name.as_str(), mode), ("Вера", RemoteMode::ByPassword));
    // A resend of the same request is acknowledged as a duplicate, not a new attempt.
    match submit(
        &mut vera,
        "v",
        ask(&w, RemoteMode::ByPassword, Some(PASSWORD)),
    )
    .await
    {
        ServerFrame::Ack {
            duplicate: true, ..
        } => {}
        other => panic!("{other:?}"),
    }
    next_event(&mut ivanova, |e| {
        matches!(e, Event::RemoteStarted { session: s, .. } if *s == session).then_some(())
    })
    .await;
    vera.send(&ClientFrame::RemoteSignal {
        session,
        payload: offer(),
    })
    .await;
    assert_eq!(
        next_remote_signal(&mut ivanova).await,
        (session, Role::Specialist, offer())
    );
    ack(
        &mut vera,
        "ve",
        Action::EndRemoteSession {
            session,
            reason: None,
        },
    )
    .await;

    // Every attempt is in the audit: Anna's before any password was set, five wrong, one
    // throttled; Vera's right one.
    let outcomes: Vec<(u64, String)> = w
        .storage
        .remote_password_attempts(w.client_a)
        .expect("attempts")
        .into_iter()
        .map(|(s, _, o)| (s, o))
        .collect();
    let anna_codes: Vec<&str> = outcomes
        .iter()
        .filter(|(s, _)| *s == anna_id)
        .map(|(_, o)| o.as_str())
        .collect();
    assert_eq!(
        anna_codes,
        [
            "no_password",
            "wrong",
            "wrong",
            "wrong",
            "wrong",
            "wrong",
            "throttled"
        ]
    );
    assert_eq!(outcomes.iter().filter(|(_, o)| o == "accepted").count(), 1);

    // After the window (time is an input of the storage), the right password works again.
    let later = now_ms() + 15 * 60 * 1000 + 1000;
    let applied = w
        .storage
        .apply(
            Subject::specialist(anna_id),
            "later",
            &ask(&w, RemoteMode::ByPassword, Some(PASSWORD)),
            later,
        )
        .expect("right password after the window");
    let Applied::Done(events) = applied else {
        panic!("done");
    };
    assert!(
        events.iter().any(|e| matches!(
            e.event,
            Event::RemoteStarted {
                mode: RemoteMode::ByPassword,
                ..
            }
        )),
        "{events:?}"
    );

    // Cleared: by password is refused again.
    ack(
        &mut ivanova,
        "c",
        Action::SetRemotePassword { password: None },
    )
    .await;
    let cleared = w.storage.apply(
        Subject::specialist(anna_id),
        "after-clear",
        &ask(&w, RemoteMode::ByPassword, Some(PASSWORD)),
        later + 1,
    );
    assert!(
        matches!(cleared, Err(StorageError::NoPassword)),
        "{cleared:?}"
    );
    let conn = rusqlite::Connection::open(w.dir.path().join("server.db")).expect("open");
    let stored: Option<String> = conn
        .query_row(
            "SELECT remote_password_hash FROM clients WHERE id = ?1",
            [i64::try_from(w.client_a).expect("id")],
            |r| r.get(0),
        )
        .expect("row");
    assert_eq!(stored, None, "cleared");
}

#[tokio::test]
async fn the_session_password_is_stored_as_an_argon2_hash() {
    let w = world().await;
    let mut ivanova = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    ack(
        &mut ivanova,
        "s",
        Action::SetRemotePassword {
            password: Some(PASSWORD.into()),
        },
    )
    .await;
    let conn = rusqlite::Connection::open(w.dir.path().join("server.db")).expect("open");
    let stored: String = conn
        .query_row(
            "SELECT remote_password_hash FROM clients WHERE id = ?1",
            [i64::try_from(w.client_a).expect("id")],
            |r| r.get(0),
        )
        .expect("row");
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    assert!(!stored.contains(PASSWORD));
    assert!(linedesk_server::auth::verify_password(PASSWORD, &stored));
}

/// The attempt is counted before argon2 runs: of 50 wrong guesses sent at once over ten
/// connections, at most five are verified (answered `wrong_password` and audited as wrong),
/// every other one is `rate_limited`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_parallel_wrong_guesses_verify_at_most_five() {
    // Ten sessions of one specialist: above the default cap of sessions per account.
    let limits = linedesk_server::session_limits::SessionLimits {
        per_account: 16,
        ..Default::default()
    };
    let w = common::world_with_limits(linedesk_server::presence::OFFLINE_GRACE, limits)
        .await
        .0;
    let mut ivanova = subscribed(&w, "ivanova", "ivanova-pass").await;
    ack(
        &mut ivanova,
        "set",
        Action::SetRemotePassword {
            password: Some(PASSWORD.into()),
        },
    )
    .await;
    let mut guessers = Vec::new();
    for _ in 0..10 {
        guessers.push(common::Client::signed_in(w.addr, "anna", "anna-pass").await);
    }
    let ask = ask(&w, RemoteMode::ByPassword, Some("guess-000"));
    let tasks: Vec<_> = guessers
        .into_iter()
        .enumerate()
        .map(|(c, mut client)| {
            let ask = ask.clone();
            tokio::spawn(async move {
                let mut codes = Vec::new();
                // Five pipelined guesses per connection, ten connections at once.
                for g in 0..5 {
                    client
                        .send(&ClientFrame::Submit {
                            key: format!("g{c}-{g}"),
                            action: ask.clone(),
                        })
                        .await;
                }
                for _ in 0..5 {
                    match client.reply().await {
                        ServerFrame::Error { code, .. } => codes.push(code),
                        other => panic!("expected a refusal, got {other:?}"),
                    }
                }
                codes
            })
        })
        .collect();
    let mut codes = Vec::new();
    for t in tasks {
        codes.extend(t.await.expect("guesser"));
    }
    assert_eq!(codes.len(), 50);
    let wrong = codes
        .iter()
        .filter(|c| **c == ErrorCode::WrongPassword)
        .count();
    let limited = codes
        .iter()
        .filter(|c| **c == ErrorCode::RateLimited)
        .count();
    assert!(wrong <= 5, "{wrong} guesses were verified: {codes:?}");
    assert_eq!(wrong + limited, 50, "{codes:?}");
    let audited_wrong = w
        .storage
        .remote_password_attempts(w.client_a)
        .expect("audit")
        .into_iter()
        .filter(|(_, _, outcome)| outcome == "wrong")
        .count();
    assert_eq!(audited_wrong, wrong);
}

/// A session password ends when the client clears it (the assistant stops) and on its own
/// after its lifetime (12 h unless configured): then only a session by request is possible.
#[tokio::test]
async fn a_session_password_ends_when_cleared_and_when_it_expires() {
    let w = world().await;
    let mut ivanova = subscribed(&w, "ivanova", "ivanova-pass").await;
    let mut anna = subscribed(&w, "anna", "anna-pass").await;
    let set = |p: Option<&str>| Action::SetRemotePassword {
        password: p.map(str::to_string),
    };
    ack(&mut ivanova, "s1", set(Some(PASSWORD))).await;
    ack(&mut ivanova, "s2", set(None)).await;
    assert_eq!(
        refused(
            &mut anna,
            "after-clear",
            ask(&w, RemoteMode::ByPassword, Some(PASSWORD))
        )
        .await,
        ErrorCode::NoPassword
    );

    // Expiry, on the storage the server runs on: the same password 12 h later is no more.
    let client = Subject::client(w.client_a);
    let anna_id = w
        .storage
        .account_by_login("anna")
        .expect("account")
        .expect("anna")
        .subject
        .id;
    let set_at = now_ms();
    w.storage
        .apply(client, "s3", &set(Some(PASSWORD)), set_at)
        .expect("set");
    let later = set_at + 12 * 60 * 60 * 1000;
    assert!(matches!(
        w.storage.apply(
            Subject::specialist(anna_id),
            "expired",
            &ask(&w, RemoteMode::ByPassword, Some(PASSWORD)),
            later
        ),
        Err(StorageError::NoPassword)
    ));
    assert!(matches!(
        w.storage.apply(
            Subject::specialist(anna_id),
            "in-time",
            &ask(&w, RemoteMode::ByPassword, Some(PASSWORD)),
            later - 1
        ),
        Ok(Applied::Done(_))
    ));
}
