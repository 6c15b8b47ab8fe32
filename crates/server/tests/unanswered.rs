//! What nobody answers ends by itself, over real sockets, with the ring times of a test config
//! (`[ringing]`, 2 s): a client's call that no specialist picks up and a specialist's call the
//! client never answers end `no_answer` for both parties (the call is no longer live, so the
//! client can call again); an answered call is left alone; a remote session asked by request
//! that the client does not answer ends `no_answer`, freeing the client for a colleague who
//! got `conflict` meanwhile.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{World, ack, events, next_event, refused, subscribed, world_served};
use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{
    Action, CallEndReason, ErrorCode, Event, RemoteEndReason, RemoteMode, Role,
};
use linedesk_server::app::Server;
use linedesk_server::config::ServerConfig;
use linedesk_server::context::ServerOptions;

const CONFIG: &str =
    "data_dir = \"data\"\n[ringing]\ncall_seconds = 2\nremote_request_seconds = 2\n";
const RING: Duration = Duration::from_secs(2);

async fn ringing_world() -> World {
    let config = ServerConfig::parse(Path::new("/tmp/test.toml"), CONFIG).expect("config");
    assert_eq!(config.ring.call, RING);
    let ring = config.ring;
    world_served(move |storage| {
        Server::with_options(
            storage,
            linedesk_server::presence::OFFLINE_GRACE,
            ServerOptions {
                ring,
                ..ServerOptions::default()
            },
        )
    })
    .await
    .0
}

/// The `CallEnded` of `call` as one party sees it: (by, reason, connected_ms).
async fn ended(c: &mut common::Client, call: u64) -> (Role, CallEndReason, Option<i64>) {
    next_event(c, |e| match e {
        Event::CallEnded {
            call: ended,
            by,
            reason,
            connected_ms,
            ..
        } if *ended == call => Some((*by, *reason, *connected_ms)),
        _ => None,
    })
    .await
}

async fn ringing(c: &mut common::Client, key: &str) -> u64 {
    next_event(c, |e| match e {
        Event::CallRinging {
            call, key: Some(k), ..
        } if k == key => Some(*call),
        _ => None,
    })
    .await
}

#[tokio::test]
async fn a_clients_call_nobody_answers_ends_no_answer_for_everyone_after_the_ring_time() {
    let w = ringing_world().await;
    let mut anna = subscribed(&w, "anna", "anna-pass").await;
    let mut ivanova = subscribed(&w, "ivanova", "ivanova-pass").await;
    ack(
        &mut anna,
        "p",
        Action::SetPresence {
            status: PresenceStatus::Available,
        },
    )
    .await;

    let placed = Instant::now();
    let call_line = Action::PlaceCall {
        line: w.line_a,
        client: None,
    };
    ack(&mut ivanova, "call-1", call_line.clone()).await;
    let call = ringing(&mut anna, "call-1").await;
    // The client's page went away: nobody hangs up, nobody answers.
    assert_eq!(
        ended(&mut ivanova, call).await,
        (Role::Client, CallEndReason::NoAnswer, None),
        "the client is told why"
    );
    assert!(
        placed.elapsed() >= RING,
        "ended after {:?}",
        placed.elapsed()
    );
    assert_eq!(
        ended(&mut anna, call).await,
        (Role::Client, CallEndReason::NoAnswer, None),
        "the specialist's app stops ringing"
    );
    // It is over: answering is a conflict, and the client may call again.
    assert_eq!(
        refused(&mut anna, "late", Action::AnswerCall { call }).await,
        ErrorCode::Conflict
    );
    ack(&mut ivanova, "call-2", call_line).await;
    let again = ringing(&mut anna, "call-2").await;
    assert_ne!(again, call);
    ack(
        &mut ivanova,
        "cancel",
        Action::HangUp {
            call: again,
            reason: CallEndReason::Cancelled,
        },
    )
    .await;
    // Ended once: one more tick adds nothing to the log.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let log = events(&mut anna, w.line_a, 0).await;
    let endings = log
        .iter()
        .filter(|e| matches!(e, Event::CallEnded { call: c, .. } if *c == call))
        .count();
    assert_eq!(endings, 1, "{log:?}");
}

#[tokio::test]
async fn a_specialists_unanswered_call_ends_but_an_answered_one_goes_on() {
    let w = ringing_world().await;
    let mut anna = subscribed(&w, "anna", "anna-pass").await;
    let mut ivanova = subscribed(&w, "ivanova", "ivanova-pass").await;
    let mut sidorov = subscribed(&w, "sidorov", "sidorov-pass").await;

    ack(
        &mut anna,
        "to-sidorov",
        Action::PlaceCall {
            line: w.line_a,
            client: Some(w.client_a2),
        },
    )
    .await;
    let unanswered = ringing(&mut sidorov, "to-sidorov").await;
    assert_eq!(
        ended(&mut sidorov, unanswered).await,
        (Role::Specialist, CallEndReason::NoAnswer, None)
    );
    assert_eq!(
        ended(&mut anna, unanswered).await,
        (Role::Specialist, CallEndReason::NoAnswer, None)
    );

    // Answered within the ring time: the timer leaves it alone.
    ack(
        &mut anna,
        "to-ivanova",
        Action::PlaceCall {
            line: w.line_a,
            client: Some(w.client_a),
        },
    )
    .await;
    let call = ringing(&mut ivanova, "to-ivanova").await;
    ack(&mut ivanova, "pick-up", Action::AnswerCall { call }).await;
    tokio::time::sleep(RING + Duration::from_millis(1500)).await;
    ack(
        &mut anna,
        "bye",
        Action::HangUp {
            call,
            reason: CallEndReason::HungUp,
        },
    )
    .await;
    assert_eq!(
        ended(&mut ivanova, call).await.1,
        CallEndReason::HungUp,
        "still connected until hung up"
    );
}

#[tokio::test]
async fn an_unanswered_remote_request_ends_no_answer_and_frees_the_client_for_a_colleague() {
    let w = ringing_world().await;
    let mut anna = subscribed(&w, "anna", "anna-pass").await;
    let mut ivanova = subscribed(&w, "ivanova", "ivanova-pass").await;
    let mut vera = subscribed(&w, "vera", "vera-pass").await;
    let ask = Action::RequestRemoteSession {
        line: w.line_a,
        client: w.client_a,
        mode: RemoteMode::ByRequest,
        password: None,
    };
    ack(&mut anna, "ask", ask.clone()).await;
    let session = next_event(&mut ivanova, |e| match e {
        Event::RemoteRequested {
            session,
            key: Some(k),
            ..
        } if k == "ask" => Some(*session),
        _ => None,
    })
    .await;
    // Meanwhile a colleague cannot have the client's screen.
    assert_eq!(
        refused(&mut vera, "vera-early", ask.clone()).await,
        ErrorCode::Conflict
    );
    let ended_of = |e: &Event| match e {
        Event::RemoteEnded {
            session: s,
            by,
            reason,
            duration_ms,
            ..
        } if *s == session => Some((*by, *reason, *duration_ms)),
        _ => None,
    };
    // Nobody answers: both parties are told, and the client's assistant stops asking.
    assert_eq!(
        next_event(&mut ivanova, ended_of).await,
        (Role::Specialist, RemoteEndReason::NoAnswer, None)
    );
    assert_eq!(
        next_event(&mut anna, ended_of).await,
        (Role::Specialist, RemoteEndReason::NoAnswer, None)
    );
    assert_eq!(
        refused(
            &mut ivanova,
            "too-late",
            Action::AnswerRemoteSession {
                session,
                accept: true
            }
        )
        .await,
        ErrorCode::Conflict
    );
    ack(&mut vera, "vera-now", ask).await;
}
