//! Issue 16, item 8 (T4, seed 004) through the wire: a line admin says where disputes of a
//! queue's closed tickets go (the Retention or the Equipment experts' line); a specialist
//! whose client disagrees with a closed ticket moves the client's appeal there with A3's
//! transfer to another line: the conversation is carried, the reason (with the ticket's
//! number) stays with the specialists, the client learns only that it went on.

mod common;

use common::{Client, ack, events, http, next_event, submit, token, world};
use linedesk_domain::appeal::TransferTarget;
use linedesk_domain::ids::LineId;
use linedesk_protocol::{Action, ErrorCode, Event, ServerFrame, TRANSFERRED_TO_LINE};
use linedesk_server::auth::hash_password;
use linedesk_server::storage::StoredClient;

fn rule_of(frame: ServerFrame) -> (ErrorCode, Option<String>) {
    match frame {
        ServerFrame::Error { code, rule, .. } => (code, rule),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn t4_a_disputed_closed_ticket_goes_to_the_line_its_queue_names_with_the_conversation() {
    let w = world().await;
    // Orlov is a client of both lines (the same 1C-Connect ID).
    let card = || StoredClient {
        name: "Орлов".into(),
        connect_id: Some("100-200-300".into()),
        ..StoredClient::default()
    };
    w.storage
        .import_clients(w.line_a, &[(1, card())])
        .expect("a");
    w.storage
        .import_clients(w.line_b, &[(1, card())])
        .expect("b");
    let orlov_a = w
        .storage
        .clients_of(w.line_a)
        .expect("a")
        .last()
        .expect("a")
        .0;
    let orlov_b = w
        .storage
        .clients_of(w.line_b)
        .expect("b")
        .last()
        .expect("b")
        .0;
    let hash = hash_password("orlov-pass").expect("hash");
    w.storage
        .set_client_login(orlov_a, "orlov", &hash)
        .expect("login");
    let anna_id = w
        .storage
        .account_by_login("anna")
        .expect("a")
        .expect("a")
        .subject
        .id;
    w.storage
        .set_line_admin(anna_id, w.line_a, true)
        .expect("admin");
    let (queue, _) = w.storage.ticket_queues(w.line_a).expect("queues")[0].clone();

    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    // Anna is at work: the client's appeal is hers (A2).
    ack(
        &mut anna,
        "p",
        Action::SetPresence {
            status: linedesk_domain::presence::PresenceStatus::Available,
        },
    )
    .await;
    let mut orlov = Client::signed_in(w.addr, "orlov", "orlov-pass").await;
    events(&mut orlov, w.line_a, 0).await;
    ack(
        &mut orlov,
        "o1",
        Action::ClientMessage {
            text: "Мне отказали в перерасчёте, я не согласен".into(),
        },
    )
    .await;
    ack(
        &mut anna,
        "t1",
        Action::CreateTicket {
            line: w.line_a,
            client: orlov_a,
            appeal: None,
            subject: "Перерасчёт".into(),
            text: "Клиент просит перерасчёт за март".into(),
        },
    )
    .await;
    let log = events(&mut anna, w.line_a, 0).await;
    let ticket = log
        .iter()
        .find_map(|e| match e {
            Event::TicketCreated { ticket, .. } => Some(*ticket),
            _ => None,
        })
        .expect("ticket");
    // Still open: a dispute is for closed tickets (an open one is a repeat request, T5).
    let (_, rule) = rule_of(
        submit(
            &mut anna,
            "d0",
            Action::DisputeTicket {
                ticket,
                reason: "не согласен".into(),
            },
        )
        .await,
    );
    assert_eq!(rule.as_deref(), Some("ticket.illegal_transition"));
    ack(&mut anna, "t2", Action::DispatchTicket { ticket, queue }).await;
    ack(&mut anna, "t3", Action::CloseTicket { ticket }).await;
    // Closed, but its queue names no dispute line yet.
    let (_, rule) = rule_of(
        submit(
            &mut anna,
            "d1",
            Action::DisputeTicket {
                ticket,
                reason: "не согласен".into(),
            },
        )
        .await,
    );
    assert_eq!(rule.as_deref(), Some("ticket.no_dispute_line"));

    // The line's admin: disputes of this queue go to line B (never the queue's own line).
    let admin = token(w.addr, "anna", "anna-pass").await;
    let path = format!("/api/lines/{}/admin/queues/{queue}/dispute-line", w.line_a);
    let own = serde_json::json!({ "line": w.line_a }).to_string();
    let (status, _) = http(w.addr, "PUT", &path, Some(&admin), own.as_bytes()).await;
    assert_eq!(status, 400);
    let body = serde_json::json!({ "line": w.line_b }).to_string();
    let (status, answer) = http(w.addr, "PUT", &path, Some(&admin), body.as_bytes()).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["dispute_line"], w.line_b);
    let listed = format!("/api/lines/{}/admin/queues", w.line_a);
    let (_, all) = http(w.addr, "GET", &listed, Some(&admin), b"").await;
    assert_eq!(all[0]["dispute_line"], w.line_b);
    // A specialist who is no admin of the line may not set it.
    let vera = token(w.addr, "vera", "vera-pass").await;
    let (status, _) = http(w.addr, "PUT", &path, Some(&vera), body.as_bytes()).await;
    assert_eq!(status, 403);

    // The dispute: the client's appeal goes on on line B with the conversation.
    ack(
        &mut anna,
        "d2",
        Action::DisputeTicket {
            ticket,
            reason: "клиент не согласен с отказом".into(),
        },
    )
    .await;
    let result = next_event(&mut orlov, |e| match e {
        Event::AppealFinished { result, .. } => Some(result.clone()),
        _ => None,
    })
    .await;
    assert_eq!(result, TRANSFERRED_TO_LINE);
    let mut boris = Client::signed_in(w.addr, "boris", "boris-pass").await;
    let log_b = events(&mut boris, w.line_b, 0).await;
    let number = log
        .iter()
        .find_map(|e| match e {
            Event::TicketCreated { number, .. } => Some(number.to_string()),
            _ => None,
        })
        .expect("number");
    assert!(
        log_b.iter().any(|e| matches!(e,
            Event::AppealTransferred { client, reason, target: Some(TransferTarget::Line(LineId(l))), .. }
                if *client == orlov_b && *l == w.line_b
                    && reason == &format!("{number}: клиент не согласен с отказом"))),
        "{log_b:?}"
    );
    assert!(log_b.iter().any(|e| matches!(e,
        Event::ConversationCarried { client, text, author: None, .. }
            if *client == orlov_b && text == "Мне отказали в перерасчёте, я не согласен")));
    // The client never sees the reason.
    let replay = {
        let mut again = Client::signed_in(w.addr, "orlov", "orlov-pass").await;
        events(&mut again, w.line_a, 0).await
    };
    let json = serde_json::to_string(&replay).expect("json");
    assert!(!json.contains("не согласен с отказом"), "{json}");
    // Disputing it again: no appeal of this specialist's is open any more, so a new one opens
    // and goes there too (the client keeps disagreeing).
    ack(
        &mut anna,
        "d3",
        Action::DisputeTicket {
            ticket,
            reason: String::new(),
        },
    )
    .await;
}
