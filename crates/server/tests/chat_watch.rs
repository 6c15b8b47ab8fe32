//! C9 through the wire (issue 16, item 2): who has a client's chat open and who is typing,
//! live between specialists' sessions (a real server on 127.0.0.1, real WebSocket clients),
//! never in a line's log; bounded to the line's specialists, rate-limited, ended by closing the
//! chat or the connection; and the warning before writing into a colleague's appeal.

mod common;

use common::{Client, ack, events, refused, world};
use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, ChatRef, ChatWatcher, ClientFrame, ErrorCode, Event, ServerFrame};

const ANNA: u64 = 1;
const VERA: u64 = 3;

fn focus(chat: Option<ChatRef>, typing: bool) -> ClientFrame {
    ClientFrame::ChatFocus { chat, typing }
}

fn watcher(specialist: u64, typing: bool) -> ChatWatcher {
    ChatWatcher { specialist, typing }
}

/// The next `ChatWatchers` frame's list (nothing else may come first).
async fn watchers(c: &mut Client, chat: ChatRef) -> Vec<ChatWatcher> {
    match c.recv().await {
        ServerFrame::ChatWatchers {
            line,
            client,
            watchers,
        } => {
            assert_eq!(ChatRef { line, client }, chat);
            watchers
        }
        other => panic!("expected the chat's watchers, got {other:?}"),
    }
}

/// Nothing is waiting for `c`: a ping is answered first.
async fn quiet(c: &mut Client, id: u64) {
    c.send(&ClientFrame::Ping { id }).await;
    assert_eq!(c.recv().await, ServerFrame::Pong { id });
}

#[tokio::test]
async fn c9_who_else_has_the_chat_open_and_types_is_live_and_ends_with_the_session() {
    let w = world().await;
    let chat = ChatRef {
        line: w.line_a,
        client: w.client_a,
    };
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let log_before = events(&mut anna, w.line_a, 0).await.len();
    anna.send(&focus(Some(chat), false)).await;
    assert_eq!(watchers(&mut anna, chat).await, [watcher(ANNA, false)]);

    let mut vera = Client::signed_in(w.addr, "vera", "vera-pass").await;
    vera.send(&focus(Some(chat), true)).await;
    let both = [watcher(ANNA, false), watcher(VERA, true)];
    assert_eq!(watchers(&mut anna, chat).await, both);
    assert_eq!(watchers(&mut vera, chat).await, both);
    // Vera stops typing: told; the same again: nothing.
    vera.send(&focus(Some(chat), false)).await;
    assert_eq!(
        watchers(&mut anna, chat).await,
        [watcher(ANNA, false), watcher(VERA, false)]
    );
    assert_eq!(watchers(&mut vera, chat).await.len(), 2);
    vera.send(&focus(Some(chat), false)).await;
    quiet(&mut anna, 1).await;

    // A session with another chat open hears nothing of this one.
    let mut anna2 = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let other = ChatRef {
        line: w.line_a,
        client: w.client_a2,
    };
    anna2.send(&focus(Some(other), false)).await;
    assert_eq!(watchers(&mut anna2, other).await, [watcher(ANNA, false)]);

    // Vera's connection drops: she is gone from the chat at once.
    drop(vera);
    assert_eq!(watchers(&mut anna, chat).await, [watcher(ANNA, false)]);
    quiet(&mut anna2, 2).await;

    // Anna closes the chat: she hears no more of it.
    anna.send(&focus(None, false)).await;
    let mut vera = Client::signed_in(w.addr, "vera", "vera-pass").await;
    vera.send(&focus(Some(chat), true)).await;
    assert_eq!(watchers(&mut vera, chat).await, [watcher(VERA, true)]);
    quiet(&mut anna, 3).await;

    // Never in the line's log.
    let after = events(&mut anna2, w.line_a, 0).await.len();
    assert_eq!(after, log_before, "chat presence wrote to the line's log");
}

#[tokio::test]
async fn c9_only_the_line_s_specialists_may_say_so_and_not_too_often() {
    let w = world().await;
    let chat = ChatRef {
        line: w.line_a,
        client: w.client_a,
    };
    // Boris serves line B only; a client is no specialist.
    let mut boris = Client::signed_in(w.addr, "boris", "boris-pass").await;
    boris.send(&focus(Some(chat), true)).await;
    assert!(matches!(
        boris.recv().await,
        ServerFrame::Error {
            code: ErrorCode::Forbidden,
            ..
        }
    ));
    let mut ivanova = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    ivanova.send(&focus(Some(chat), true)).await;
    assert!(matches!(
        ivanova.recv().await,
        ServerFrame::Error {
            code: ErrorCode::Forbidden,
            ..
        }
    ));
    // A flood of focus changes: the burst passes, then `rate_limited`.
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    for n in 0..30 {
        anna.send(&focus(Some(chat), n % 2 == 0)).await;
    }
    let mut limited = 0;
    let mut lists = 0;
    anna.send(&ClientFrame::Ping { id: 9 }).await;
    loop {
        match anna.recv().await {
            ServerFrame::ChatWatchers { .. } => lists += 1,
            ServerFrame::Error {
                code: ErrorCode::RateLimited,
                ..
            } => limited += 1,
            ServerFrame::Pong { id: 9 } => break,
            other => panic!("{other:?}"),
        }
    }
    assert!(limited >= 10, "{limited} refused");
    assert!((1..=20).contains(&lists), "{lists} lists");
}

#[tokio::test]
async fn c9_writing_into_a_colleague_s_appeal_needs_a_confirmation() {
    let w = world().await;
    let mut vera = Client::signed_in(w.addr, "vera", "vera-pass").await;
    ack(
        &mut vera,
        "p",
        Action::SetPresence {
            status: PresenceStatus::Available,
        },
    )
    .await;
    // Vera writes first: the appeal is hers (A1).
    ack(
        &mut vera,
        "v1",
        Action::SendMessage {
            line: w.line_a,
            client: w.client_a,
            text: "Здравствуйте, смотрю ваш вопрос".into(),
        },
    )
    .await;
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let say = |text: &str| Action::SendMessage {
        line: w.line_a,
        client: w.client_a,
        text: text.into(),
    };
    assert_eq!(
        refused(&mut anna, "a1", say("Я тоже отвечу")).await,
        ErrorCode::Invalid
    );
    match common::submit(&mut anna, "a2", say("Я тоже отвечу")).await {
        ServerFrame::Error { rule, .. } => {
            assert_eq!(rule.as_deref(), Some("appeal.held_by_colleague"));
        }
        other => panic!("{other:?}"),
    }
    ack(
        &mut anna,
        "a3",
        Action::SendMessageConfirmed {
            line: w.line_a,
            client: w.client_a,
            text: "Я тоже отвечу".into(),
        },
    )
    .await;
    // Vera writes on in her own appeal without any confirmation.
    ack(&mut vera, "v2", say("Готово")).await;
    let log = events(&mut anna, w.line_a, 0).await;
    let posted: Vec<(Option<u64>, &str)> = log
        .iter()
        .filter_map(|e| match e {
            Event::MessagePosted {
                from_specialist,
                text,
                client,
                ..
            } if *client == w.client_a => Some((*from_specialist, text.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(
        posted,
        [
            (Some(VERA), "Здравствуйте, смотрю ваш вопрос"),
            (Some(ANNA), "Я тоже отвечу"),
            (Some(VERA), "Готово"),
        ]
    );
}
