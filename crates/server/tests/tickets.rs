//! Tickets over real sockets (T1-T5): readable numbers, save, dispatch, take, reject with a
//! reason, forward, REPEAT, close, each through the domain's state machine; history entries
//! as events; only specialists of the ticket's line; idempotent like every action.

mod common;

use common::{Client, events, submit, world};
use linedesk_domain::ticket::{TicketAction, TicketState};
use linedesk_protocol::{Action, ErrorCode, Event, ServerFrame};

fn acked(frame: &ServerFrame, duplicate: bool) -> bool {
    matches!(frame, ServerFrame::Ack { duplicate: d, .. } if *d == duplicate)
}

fn refused(frame: &ServerFrame, code: ErrorCode) -> bool {
    matches!(frame, ServerFrame::Error { code: c, .. } if *c == code)
}

/// (state, queue, repeat, action) of every TicketChanged of `ticket`.
type Change = (TicketState, Option<u64>, bool, TicketAction);

async fn changes(addr: std::net::SocketAddr, line: u64, ticket: u64) -> Vec<Change> {
    let mut reader = Client::signed_in(addr, "anna", "anna-pass").await;
    events(&mut reader, line, 0)
        .await
        .into_iter()
        .filter_map(|e| match e {
            Event::TicketChanged {
                ticket: t,
                state,
                queue,
                repeat,
                entry,
                ..
            } if t == ticket => Some((state, queue, repeat, entry.action)),
            _ => None,
        })
        .collect()
}

fn create(line: u64, client: u64, subject: &str) -> Action {
    Action::CreateTicket {
        line,
        client,
        appeal: None,
        subject: subject.into(),
        text: "Не печатается счёт-фактура".into(),
    }
}

#[tokio::test]
async fn t1_t4_a_ticket_is_created_with_a_readable_number_and_worked_through_its_states() {
    let w = world().await;
    let queues = w.storage.ticket_queues(w.line_a).expect("queues");
    assert_eq!(
        queues[0].1, "Первая линия",
        "every line has the default queue"
    );
    let first = queues[0].0;
    let accounting = w
        .storage
        .add_ticket_queue(w.line_a, "Бухгалтерия")
        .expect("queue");
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let mut vera = Client::signed_in(w.addr, "vera", "vera-pass").await;

    let answer = submit(&mut anna, "t1", create(w.line_a, w.client_a, "Ошибка 1С")).await;
    assert!(acked(&answer, false), "{answer:?}");
    let again = submit(&mut anna, "t1", create(w.line_a, w.client_a, "Ошибка 1С")).await;
    assert!(
        acked(&again, true),
        "the same key is not applied twice: {again:?}"
    );
    let log = events(
        &mut Client::signed_in(w.addr, "anna", "anna-pass").await,
        w.line_a,
        0,
    )
    .await;
    let created: Vec<_> = log
        .iter()
        .filter_map(|e| match e {
            Event::TicketCreated {
                ticket,
                number,
                client,
                subject,
                entry,
                ..
            } => Some((*ticket, *number, *client, subject.clone(), entry.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(created.len(), 1, "{log:?}");
    let (ticket, number, client, subject, entry) = created[0].clone();
    assert_eq!((client, subject.as_str()), (w.client_a, "Ошибка 1С"));
    assert_eq!(entry.action, TicketAction::Created);
    assert!(number.to_string().ends_with("-000001"), "{number}");

    for (key, by_vera, action) in [
        ("s", false, Action::SaveTicket { ticket }),
        (
            "d",
            false,
            Action::DispatchTicket {
                ticket,
                queue: first,
            },
        ),
        ("k", true, Action::TakeTicket { ticket }),
    ] {
        let who = if by_vera { &mut vera } else { &mut anna };
        let answer = submit(who, key, action).await;
        assert!(acked(&answer, false), "{key}: {answer:?}");
    }
    let no_reason = submit(
        &mut vera,
        "r0",
        Action::RejectTicket {
            ticket,
            reason: " ".into(),
        },
    )
    .await;
    assert!(refused(&no_reason, ErrorCode::Invalid), "{no_reason:?}");
    let reject = Action::RejectTicket {
        ticket,
        reason: "Не та категория".into(),
    };
    assert!(acked(&submit(&mut vera, "r1", reject).await, false));
    let illegal = submit(
        &mut anna,
        "f0",
        Action::ForwardTicket {
            ticket,
            queue: accounting,
        },
    )
    .await;
    assert!(
        refused(&illegal, ErrorCode::Invalid),
        "a returned ticket is fixed, not forwarded"
    );
    assert!(acked(
        &submit(&mut anna, "c1", Action::CloseTicket { ticket }).await,
        false
    ));

    let seen = changes(w.addr, w.line_a, ticket).await;
    let states: Vec<TicketState> = seen.iter().map(|c| c.0).collect();
    assert_eq!(
        states,
        [
            TicketState::Open,
            TicketState::OpenDispatch,
            TicketState::Open,
            TicketState::OpenRejectReturn,
            TicketState::Closed
        ]
    );
    assert_eq!(seen[1].1, Some(first));
    assert_eq!(
        seen[3].3,
        TicketAction::Rejected {
            reason: "Не та категория".into()
        }
    );
}

#[tokio::test]
async fn t2_t5_forward_within_the_line_and_repeat_requeues_a_dispatched_ticket() {
    let w = world().await;
    let first = w.storage.ticket_queues(w.line_a).expect("queues")[0].0;
    let accounting = w
        .storage
        .add_ticket_queue(w.line_a, "Бухгалтерия")
        .expect("queue");
    let other_line = w.storage.ticket_queues(w.line_b).expect("queues")[0].0;
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    assert!(acked(
        &submit(&mut anna, "t1", create(w.line_a, w.client_a, "Обмен")).await,
        false
    ));
    let ticket = 1;
    assert!(acked(
        &submit(
            &mut anna,
            "d",
            Action::DispatchTicket {
                ticket,
                queue: first
            }
        )
        .await,
        false
    ));
    let elsewhere = submit(
        &mut anna,
        "f0",
        Action::ForwardTicket {
            ticket,
            queue: other_line,
        },
    )
    .await;
    assert!(refused(&elsewhere, ErrorCode::Invalid), "{elsewhere:?}");
    assert!(acked(
        &submit(
            &mut anna,
            "f1",
            Action::ForwardTicket {
                ticket,
                queue: accounting
            }
        )
        .await,
        false
    ));
    let comment = Action::RepeatTicket {
        ticket,
        comment: "Клиент звонит второй раз".into(),
        client_insists: false,
    };
    assert!(acked(&submit(&mut anna, "r1", comment).await, false));
    let insist = Action::RepeatTicket {
        ticket,
        comment: "Срочно, стоит отгрузка".into(),
        client_insists: true,
    };
    assert!(acked(&submit(&mut anna, "r2", insist).await, false));

    let seen = changes(w.addr, w.line_a, ticket).await;
    let tail: Vec<(bool, &TicketAction)> = seen[2..].iter().map(|c| (c.2, &c.3)).collect();
    assert!(
        matches!(
            tail.as_slice(),
            [
                (false, TicketAction::Commented { .. }),
                (true, TicketAction::MarkedRepeat { .. }),
                (true, TicketAction::Dispatched { .. })
            ]
        ),
        "within its deadline only a comment; the client insisting marks REPEAT and requeues: {seen:?}"
    );
    assert_eq!(
        seen[1],
        (
            TicketState::OpenForwarded,
            Some(accounting),
            false,
            TicketAction::Forwarded {
                queue: linedesk_domain::ids::QueueId(accounting)
            }
        )
    );
}

#[tokio::test]
async fn tickets_are_forbidden_on_lines_the_specialist_does_not_serve_and_to_clients() {
    let w = world().await;
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let mut boris = Client::signed_in(w.addr, "boris", "boris-pass").await;
    let mut ivanova = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    let answer = submit(
        &mut boris,
        "b1",
        create(w.line_a, w.client_a, "Чужая линия"),
    )
    .await;
    assert!(refused(&answer, ErrorCode::Forbidden), "{answer:?}");
    let answer = submit(
        &mut anna,
        "a0",
        create(w.line_a, w.client_b, "Чужой клиент"),
    )
    .await;
    assert!(refused(&answer, ErrorCode::Invalid), "{answer:?}");
    assert!(acked(
        &submit(&mut anna, "a1", create(w.line_a, w.client_a, "Своя")).await,
        false
    ));
    let first = w.storage.ticket_queues(w.line_a).expect("queues")[0].0;
    for (key, action) in [
        (
            "b2",
            Action::DispatchTicket {
                ticket: 1,
                queue: first,
            },
        ),
        ("b3", Action::CloseTicket { ticket: 1 }),
        (
            "b4",
            Action::CommentTicket {
                ticket: 1,
                text: "Загляну".into(),
            },
        ),
    ] {
        let answer = submit(&mut boris, key, action).await;
        assert!(refused(&answer, ErrorCode::Forbidden), "{key}: {answer:?}");
    }
    let answer = submit(
        &mut ivanova,
        "i1",
        create(w.line_a, w.client_a, "Сама себе"),
    )
    .await;
    assert!(refused(&answer, ErrorCode::Forbidden), "{answer:?}");
    let theirs = events(&mut ivanova, w.line_a, 0).await;
    assert!(
        !theirs
            .iter()
            .any(|e| matches!(e, Event::TicketCreated { .. } | Event::TicketChanged { .. })),
        "tickets are the line's internal work: {theirs:?}"
    );
    let answer = submit(&mut anna, "a2", Action::CloseTicket { ticket: 99 }).await;
    assert!(refused(&answer, ErrorCode::Invalid), "{answer:?}");
}
