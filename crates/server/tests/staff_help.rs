//! Issue 16, item 6 (W3) through the wire: a specialist asks their company's staff line for
//! help as a client of it. `POST /api/help/session` gives the specialist their one client
//! identity on the staff line (made on first use, the same afterwards) and a token; a session
//! with it is a client's: its first message opens an appeal routed to the staff line's
//! specialists, their answer comes back live, and it sees nothing of the staff line's other
//! clients nor acts as a specialist.

mod common;

use common::{Client, ack, events, http, next_event, refused, token, world};
use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{
    Action, ClientFrame, ErrorCode, Event, Role, ServerFrame, StaffHelpSession,
};

const ANNA: u64 = 1;
const BORIS: u64 = 2;

async fn ask_for_help(addr: std::net::SocketAddr, bearer: &str) -> (u16, serde_json::Value) {
    http(addr, "POST", "/api/help/session", Some(bearer), b"").await
}

#[tokio::test]
async fn w3_a_specialist_asks_the_staff_line_as_its_client_and_gets_the_answer_live() {
    let w = world().await;
    let anna_token = token(w.addr, "anna", "anna-pass").await;
    // No staff line set: nothing to ask.
    let (status, body) = ask_for_help(w.addr, &anna_token).await;
    assert_eq!(status, 404, "{body}");
    assert!(
        w.storage
            .set_staff_line(Some(w.line_b))
            .expect("staff line")
    );
    assert!(!w.storage.set_staff_line(Some(999)).expect("no such line"));
    assert_eq!(w.storage.staff_line().expect("read"), Some(w.line_b));
    // A client cannot ask the staff line as a specialist does.
    let ivanova = token(w.addr, "ivanova", "ivanova-pass").await;
    let (status, _) = ask_for_help(w.addr, &ivanova).await;
    assert_eq!(status, 403);
    let (status, _) = http(w.addr, "POST", "/api/help/session", None, b"").await;
    assert_eq!(status, 401);

    // Boris supports the staff line (line B), Available; another client of it writes first.
    let mut boris = Client::signed_in(w.addr, "boris", "boris-pass").await;
    events(&mut boris, w.line_b, 0).await;
    ack(
        &mut boris,
        "b-available",
        Action::SetPresence {
            status: PresenceStatus::Available,
        },
    )
    .await;
    w.storage
        .set_client_login(
            w.client_b,
            "petrov",
            &linedesk_server::auth::hash_password("petrov-pass").expect("hash"),
        )
        .expect("login");
    let mut petrov = Client::signed_in(w.addr, "petrov", "petrov-pass").await;
    ack(
        &mut petrov,
        "p1",
        Action::ClientMessage {
            text: "Вопрос Петрова".into(),
        },
    )
    .await;

    let (status, body) = ask_for_help(w.addr, &anna_token).await;
    assert_eq!(status, 200, "{body}");
    let help: StaffHelpSession = serde_json::from_value(body).expect("a staff help session");
    assert_eq!(help.line, w.line_b);
    assert_ne!(help.client, w.client_b);
    // Her identity is announced to the staff line's specialists, with her name.
    let name = next_event(&mut boris, |e| match e {
        Event::ClientUpserted { client, profile } if *client == help.client => {
            Some(profile.name.clone())
        }
        _ => None,
    })
    .await;
    assert_eq!(name, "Анна");
    // Asked again: the same identity, never a second one.
    let (_, again) = ask_for_help(w.addr, &anna_token).await;
    let again: StaffHelpSession = serde_json::from_value(again).expect("again");
    assert_eq!((again.line, again.client), (help.line, help.client));
    assert_ne!(again.token, help.token);

    // Her help session is a client's session of the staff line.
    let mut asking = Client::connect(w.addr).await;
    match asking.hello(&help.token).await {
        ServerFrame::Welcome {
            role, id, lines, ..
        } => assert_eq!(
            (role, id, lines),
            (Role::Client, help.client, vec![w.line_b])
        ),
        other => panic!("expected welcome, got {other:?}"),
    }
    let replay = events(&mut asking, w.line_b, 0).await;
    assert!(
        replay.iter().all(|e| e.client() == Some(help.client)),
        "a client's replay holds only events about them: {replay:?}"
    );
    ack(
        &mut asking,
        "h1",
        Action::ClientMessage {
            text: "Не открывается карточка клиента".into(),
        },
    )
    .await;
    // A1: her message opened an appeal on the staff line, routed to Boris.
    let appeal = next_event(&mut boris, |e| match e {
        Event::AppealAssigned {
            appeal,
            client,
            specialist: BORIS,
        } if *client == help.client => Some(*appeal),
        _ => None,
    })
    .await;
    ack(
        &mut boris,
        "b1",
        Action::SendMessage {
            line: w.line_b,
            client: help.client,
            text: "Перезапустите приложение".into(),
        },
    )
    .await;
    // The answer reaches her help session live; nothing of Petrov's on the way.
    let mut seen = Vec::new();
    let answer = loop {
        match asking.recv().await {
            ServerFrame::Event { event, .. } => {
                assert_ne!(
                    event.client(),
                    Some(w.client_b),
                    "another client's {event:?}"
                );
                if let Event::MessagePosted {
                    from_specialist: Some(BORIS),
                    text,
                    appeal: Some(a),
                    ..
                } = &event
                {
                    assert_eq!(*a, appeal);
                    break text.clone();
                }
                seen.push(event);
            }
            ServerFrame::Ack { .. } => {}
            other => panic!("unexpected {other:?} after {seen:?}"),
        }
    };
    assert_eq!(answer, "Перезапустите приложение");

    // The help token is a client's: it serves no line as a specialist and writes to nobody.
    assert_eq!(
        refused(
            &mut asking,
            "h2",
            Action::SendMessage {
                line: w.line_b,
                client: w.client_b,
                text: "чужому клиенту".into(),
            },
        )
        .await,
        ErrorCode::Forbidden
    );
    asking
        .send(&ClientFrame::Subscribe {
            line: w.line_a,
            after: 0,
        })
        .await;
    match asking.recv().await {
        ServerFrame::Error { code, .. } => assert_eq!(code, ErrorCode::Forbidden),
        other => panic!("another line's log for the help session: {other:?}"),
    }
    // Anna's own specialist session is untouched: still line A only.
    let mut anna = Client::connect(w.addr).await;
    match anna.hello(&anna_token).await {
        ServerFrame::Welcome {
            role, id, lines, ..
        } => {
            assert_eq!((role, id, lines), (Role::Specialist, ANNA, vec![w.line_a]))
        }
        other => panic!("expected welcome, got {other:?}"),
    }
}

/// W3: the help identity's token was issued to the specialist: disabling the specialist
/// revokes it too, and the help session open with it is closed.
#[tokio::test]
async fn w3_disabling_a_specialist_revokes_their_help_identity_s_token() {
    let w = world().await;
    common::add_root(w.storage.as_ref());
    assert!(
        w.storage
            .set_staff_line(Some(w.line_b))
            .expect("staff line")
    );
    let root = token(w.addr, "root", "root-pass").await;
    let anna_token = token(w.addr, "anna", "anna-pass").await;
    let (status, body) = ask_for_help(w.addr, &anna_token).await;
    assert_eq!(status, 200, "{body}");
    let help: StaffHelpSession = serde_json::from_value(body).expect("a staff help session");
    let mut asking = Client::connect(w.addr).await;
    assert!(matches!(
        asking.hello(&help.token).await,
        ServerFrame::Welcome { .. }
    ));

    let (status, body) = http(
        w.addr,
        "POST",
        "/api/admin/accounts/anna/disable",
        Some(&root),
        b"",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // The open help session is told and closed.
    let frames = asking.until_closed().await;
    assert!(
        frames.iter().any(|f| matches!(
            f,
            ServerFrame::Error {
                code: ErrorCode::Unauthenticated,
                ..
            }
        )),
        "the help session closed as revoked: {frames:?}"
    );
    // The token opens nothing any more, over the WebSocket or HTTP.
    let mut again = Client::connect(w.addr).await;
    match again.hello(&help.token).await {
        ServerFrame::Error { code, .. } => assert_eq!(code, ErrorCode::Unauthenticated),
        other => panic!("the revoked help token was welcomed: {other:?}"),
    }
    let quick = format!("/api/lines/{}/quick-replies", w.line_b);
    let (status, _) = common::http_get(w.addr, &quick, Some(&help.token)).await;
    assert_eq!(status, 401);
}

/// W3: a specialist who serves the staff line and is Available asks it for help: their own
/// question is not routed to them; it waits for a colleague of the staff line.
#[tokio::test]
async fn w3_a_specialist_s_own_question_is_never_routed_to_them() {
    let w = world().await;
    assert!(
        w.storage
            .set_staff_line(Some(w.line_b))
            .expect("staff line")
    );
    let mut boris = Client::signed_in(w.addr, "boris", "boris-pass").await;
    events(&mut boris, w.line_b, 0).await;
    ack(
        &mut boris,
        "b-available",
        Action::SetPresence {
            status: PresenceStatus::Available,
        },
    )
    .await;
    let boris_token = token(w.addr, "boris", "boris-pass").await;
    let (status, body) = ask_for_help(w.addr, &boris_token).await;
    assert_eq!(status, 200, "{body}");
    let help: StaffHelpSession = serde_json::from_value(body).expect("a staff help session");
    let mut asking = Client::connect(w.addr).await;
    assert!(matches!(
        asking.hello(&help.token).await,
        ServerFrame::Welcome { .. }
    ));
    ack(
        &mut asking,
        "h1",
        Action::ClientMessage {
            text: "Как настроить выгрузку?".into(),
        },
    )
    .await;
    // Boris is the staff line's only specialist, Available: still, it waits in the queue.
    let queued = next_event(&mut boris, |e| match e {
        Event::AppealQueued { appeal, client } if *client == help.client => Some(*appeal),
        Event::AppealAssigned { client, .. } if *client == help.client => {
            panic!("his own question was routed: {e:?}")
        }
        _ => None,
    })
    .await;

    // Anna joins the staff line and becomes Available: it is hers.
    w.storage
        .serve_line(ANNA, w.line_b, 0, 5)
        .expect("Anna serves the staff line");
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    ack(
        &mut anna,
        "a-available",
        Action::SetPresence {
            status: PresenceStatus::Available,
        },
    )
    .await;
    let to = next_event(&mut boris, |e| match e {
        Event::AppealAssigned {
            appeal, specialist, ..
        } if *appeal == queued => Some(*specialist),
        _ => None,
    })
    .await;
    assert_eq!(to, ANNA);
}
