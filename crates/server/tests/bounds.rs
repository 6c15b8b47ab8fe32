//! Every text field has a limit that keeps its events under the frame limit (issue 12): an
//! action over it is refused before anything is stored, with a typed code naming the field,
//! and an action at it replays as a frame every reader can decode.

mod common;

use common::{Client, events, submit, world};
use linedesk_domain::ticket::TicketAction;
use linedesk_protocol::{
    Action, ClientFrame, ErrorCode, Event, MAX_FRAME_BYTES, MAX_TICKET_TEXT_CHARS, ServerFrame,
};

/// A new ticket of client A on line A, by anna: its id.
async fn new_ticket(anna: &mut Client, w: &common::World) -> u64 {
    let create = Action::CreateTicket {
        line: w.line_a,
        client: w.client_a,
        appeal: None,
        subject: "Ошибка".into(),
        text: "Не печатает".into(),
    };
    assert!(matches!(
        submit(anna, "create", create).await,
        ServerFrame::Ack { .. }
    ));
    events(anna, w.line_a, 0)
        .await
        .iter()
        .find_map(|e| match e {
            Event::TicketCreated { ticket, .. } => Some(*ticket),
            _ => None,
        })
        .expect("created")
}

#[tokio::test]
async fn a_comment_too_long_for_a_frame_is_refused_naming_the_field_and_nothing_is_stored() {
    let w = world().await;
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let ticket = new_ticket(&mut anna, &w).await;
    let before = events(&mut anna, w.line_a, 0).await.len();

    // The measured case of the issue: acknowledged, then replayed as a 65,657-byte frame.
    let long = Action::CommentTicket {
        ticket,
        text: "x".repeat(65_380),
    };
    let frame = ClientFrame::Submit {
        key: "long".into(),
        action: long.clone(),
    };
    assert!(frame.encode().len() <= MAX_FRAME_BYTES, "the submit fits");
    match submit(&mut anna, "long", long.clone()).await {
        ServerFrame::Error {
            code,
            key,
            field,
            message,
            ..
        } => {
            assert_eq!(code, ErrorCode::TooLong, "{message}");
            assert_eq!(key.as_deref(), Some("long"));
            assert_eq!(field.as_deref(), Some("text"));
            assert!(
                message.contains(&MAX_TICKET_TEXT_CHARS.to_string()),
                "{message}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // Nothing stored: the line's log is as it was, and the key was not used up.
    let mut reader = Client::signed_in(w.addr, "anna", "anna-pass").await;
    assert_eq!(events(&mut reader, w.line_a, 0).await.len(), before);
    let short = Action::CommentTicket {
        ticket,
        text: "Проверили".into(),
    };
    assert!(
        matches!(
            submit(&mut anna, "long", short).await,
            ServerFrame::Ack {
                duplicate: false,
                ..
            }
        ),
        "the refused key was never stored"
    );
}

#[tokio::test]
async fn a_comment_at_its_limit_of_the_costliest_characters_replays_within_a_frame() {
    let w = world().await;
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let ticket = new_ticket(&mut anna, &w).await;
    // Control characters are six bytes each in JSON: the worst case the limit is made for.
    let text: String = std::iter::repeat_n('\u{1}', MAX_TICKET_TEXT_CHARS).collect();
    let answer = submit(
        &mut anna,
        "full",
        Action::CommentTicket {
            ticket,
            text: text.clone(),
        },
    )
    .await;
    assert!(matches!(answer, ServerFrame::Ack { .. }), "{answer:?}");
    // A fresh reader decodes every frame of the replay (`recv` decodes with the limit).
    let mut reader = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let log = events(&mut reader, w.line_a, 0).await;
    assert!(log.iter().any(|e| matches!(
        e,
        Event::TicketChanged { entry, .. }
            if entry.action == TicketAction::Commented { text: text.clone() }
    )));
}

#[tokio::test]
async fn every_long_text_of_an_action_is_refused_before_it_is_applied() {
    let w = world().await;
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let long = |n: usize| "я".repeat(n + 1);
    let cases = [
        (
            Action::SendMessage {
                line: w.line_a,
                client: w.client_a,
                text: long(linedesk_protocol::MAX_MESSAGE_CHARS),
            },
            "text",
        ),
        (
            Action::TransferAppeal {
                appeal: 1,
                to: None,
                reason: long(linedesk_protocol::MAX_TRANSFER_REASON_CHARS),
                target: None,
            },
            "reason",
        ),
        (
            Action::FinishAppeal {
                appeal: 1,
                result: long(linedesk_protocol::MAX_RESULT_CHARS),
            },
            "result",
        ),
        (
            Action::RejectTicket {
                ticket: 1,
                reason: long(MAX_TICKET_TEXT_CHARS),
            },
            "reason",
        ),
    ];
    for (i, (action, name)) in cases.into_iter().enumerate() {
        match submit(&mut anna, &format!("k{i}"), action).await {
            ServerFrame::Error { code, field, .. } => {
                assert_eq!((code, field.as_deref()), (ErrorCode::TooLong, Some(name)));
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}
