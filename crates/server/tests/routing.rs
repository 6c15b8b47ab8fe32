//! Routing on the server (A1, A2, P3, P4): a client's message opens an appeal that the domain
//! assigns or queues; presence changes re-route; taking from the queue is atomic; a client
//! sees only their own conversation.

mod common;

use common::{Client, world};
use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, ClientFrame, ErrorCode, Event, Role, ServerFrame};

fn submit(key: &str, action: Action) -> ClientFrame {
    ClientFrame::Submit {
        key: key.to_string(),
        action,
    }
}

async fn ack(c: &mut Client, key: &str, action: Action) {
    c.send(&submit(key, action)).await;
    match c.reply().await {
        ServerFrame::Ack { .. } => {}
        other => panic!("{key}: {other:?}"),
    }
}

async fn presence(c: &mut Client, key: &str, status: PresenceStatus) {
    ack(c, key, Action::SetPresence { status }).await;
}

/// The events of `line` after `after`, through a fresh subscription.
async fn events(c: &mut Client, line: u64, after: u64) -> Vec<Event> {
    c.send(&ClientFrame::Subscribe { line, after }).await;
    let mut out = Vec::new();
    loop {
        match c.recv().await {
            ServerFrame::Event { event, .. } => out.push(event),
            ServerFrame::CaughtUp { .. } => return out,
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn a1_a2_a_client_message_opens_an_appeal_assigned_by_priority() {
    let w = world().await;
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let mut vera = Client::signed_in(w.addr, "vera", "vera-pass").await;
    presence(&mut anna, "a1", PresenceStatus::Available).await;
    presence(&mut vera, "v1", PresenceStatus::Available).await;

    let mut ivanova = Client::connect(w.addr).await;
    let token = common::token(w.addr, "ivanova", "ivanova-pass").await;
    ivanova
        .send(&ClientFrame::Hello {
            version: linedesk_protocol::PROTOCOL_VERSION,
            token,
        })
        .await;
    match ivanova.recv().await {
        ServerFrame::Welcome {
            role, id, lines, ..
        } => assert_eq!(
            (role, id, lines),
            (Role::Client, w.client_a, vec![w.line_a])
        ),
        other => panic!("{other:?}"),
    }
    ack(
        &mut ivanova,
        "c1",
        Action::ClientMessage {
            text: "Не проводится документ".into(),
        },
    )
    .await;
    ack(
        &mut ivanova,
        "c2",
        Action::ClientMessage {
            text: "Срочно, пожалуйста".into(),
        },
    )
    .await;

    let log = events(&mut anna, w.line_a, 0).await;
    let opened: Vec<&Event> = log
        .iter()
        .filter(|e| matches!(e, Event::AppealOpened { .. }))
        .collect();
    assert_eq!(
        opened.len(),
        1,
        "the second message joins the open appeal: {log:?}"
    );
    assert!(
        log.iter().any(|e| matches!(e, Event::AppealAssigned { specialist: 1, client, .. } if *client == w.client_a)),
        "Anna has the higher priority: {log:?}"
    );
    let in_appeal = log
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::MessagePosted {
                    appeal: Some(_),
                    from_specialist: None,
                    ..
                }
            )
        })
        .count();
    assert_eq!(in_appeal, 2);
}

#[tokio::test]
async fn p3_busy_queues_new_appeals_and_becoming_available_pulls_them() {
    let w = world().await;
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    presence(&mut anna, "a1", PresenceStatus::Busy).await;
    let mut ivanova = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    ack(
        &mut ivanova,
        "c1",
        Action::ClientMessage {
            text: "Здравствуйте".into(),
        },
    )
    .await;
    let log = events(&mut anna, w.line_a, 0).await;
    assert!(
        log.iter().any(|e| matches!(e, Event::AppealQueued { .. })),
        "Busy and Vera offline: queued: {log:?}"
    );
    presence(&mut anna, "a2", PresenceStatus::Available).await;
    let mut later = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let log = events(&mut later, w.line_a, 0).await;
    assert!(
        matches!(
            log.last(),
            Some(Event::AppealAssigned { specialist: 1, .. })
        ),
        "pulled from the queue: {log:?}"
    );
}

#[tokio::test]
async fn a2_two_specialists_take_the_same_appeal_exactly_one_wins() {
    let w = world().await;
    let mut ivanova = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    ack(
        &mut ivanova,
        "c1",
        Action::ClientMessage {
            text: "Есть кто?".into(),
        },
    )
    .await;
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let mut vera = Client::signed_in(w.addr, "vera", "vera-pass").await;
    let appeal = events(&mut anna, w.line_a, 0)
        .await
        .iter()
        .find_map(|e| match e {
            Event::AppealQueued { appeal, .. } => Some(*appeal),
            _ => None,
        })
        .expect("queued: nobody is available");
    // Busy: nothing is delivered automatically, but taking by hand is allowed (P3).
    presence(&mut anna, "b1", PresenceStatus::Busy).await;
    presence(&mut vera, "b2", PresenceStatus::Busy).await;
    anna.send(&submit("t1", Action::TakeAppeal { appeal }))
        .await;
    vera.send(&submit("t2", Action::TakeAppeal { appeal }))
        .await;
    let outcomes = [anna.reply().await, vera.reply().await];
    let won = outcomes
        .iter()
        .filter(|f| {
            matches!(
                f,
                ServerFrame::Ack {
                    duplicate: false,
                    ..
                }
            )
        })
        .count();
    let lost = outcomes
        .iter()
        .filter(|f| {
            matches!(
                f,
                ServerFrame::Error {
                    code: ErrorCode::Conflict,
                    ..
                }
            )
        })
        .count();
    assert_eq!((won, lost), (1, 1), "{outcomes:?}");
    // Finishing frees the place; a stranger cannot finish it.
    let holder_is_anna = matches!(outcomes[0], ServerFrame::Ack { .. });
    let (holder, other) = if holder_is_anna {
        (&mut anna, &mut vera)
    } else {
        (&mut vera, &mut anna)
    };
    other
        .send(&submit(
            "f0",
            Action::FinishAppeal {
                appeal,
                result: "моё".into(),
            },
        ))
        .await;
    assert!(matches!(
        other.reply().await,
        ServerFrame::Error {
            code: ErrorCode::Invalid,
            ..
        }
    ));
    ack(
        holder,
        "f1",
        Action::FinishAppeal {
            appeal,
            result: "Консультация дана".into(),
        },
    )
    .await;
    let log = events(holder, w.line_a, 0).await;
    assert!(matches!(log.last(), Some(Event::AppealFinished { .. })));
}

#[tokio::test]
async fn p4_do_not_disturb_hands_open_appeals_to_a_colleague() {
    let w = world().await;
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let mut vera = Client::signed_in(w.addr, "vera", "vera-pass").await;
    presence(&mut anna, "a1", PresenceStatus::Available).await;
    let mut ivanova = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    ack(
        &mut ivanova,
        "c1",
        Action::ClientMessage {
            text: "Вопрос".into(),
        },
    )
    .await;
    presence(&mut vera, "v1", PresenceStatus::Available).await;
    presence(&mut anna, "a2", PresenceStatus::DoNotDisturb).await;
    let log = events(&mut vera, w.line_a, 0).await;
    assert!(
        matches!(
            log.last(),
            Some(Event::AppealAssigned { specialist: 3, .. })
        ),
        "moved to Vera: {log:?}"
    );
}

#[tokio::test]
async fn a_client_sees_only_their_own_conversation_and_cannot_act_as_a_specialist() {
    let w = world().await;
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    presence(&mut anna, "a1", PresenceStatus::Available).await;
    let mut ivanova = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    let mut sidorov = Client::signed_in(w.addr, "sidorov", "sidorov-pass").await;
    ack(
        &mut ivanova,
        "i1",
        Action::ClientMessage {
            text: "Секрет Ивановой".into(),
        },
    )
    .await;
    ack(
        &mut sidorov,
        "s1",
        Action::ClientMessage {
            text: "Секрет Сидорова".into(),
        },
    )
    .await;
    ack(
        &mut anna,
        "a2",
        Action::SendMessage {
            line: w.line_a,
            client: w.client_a2,
            text: "Ответ Сидорову".into(),
        },
    )
    .await;

    let seen = events(&mut ivanova, w.line_a, 0).await;
    assert!(!seen.is_empty());
    assert!(
        seen.iter().all(|e| e.client() == Some(w.client_a)),
        "only her own events: {seen:?}"
    );
    let theirs = events(&mut sidorov, w.line_a, 0).await;
    assert!(
        theirs
            .iter()
            .any(|e| matches!(e, Event::MessagePosted { text, .. } if text == "Ответ Сидорову"))
    );

    sidorov
        .send(&submit(
            "s2",
            Action::SendMessage {
                line: w.line_a,
                client: w.client_a,
                text: "подлог".into(),
            },
        ))
        .await;
    assert!(matches!(
        sidorov.reply().await,
        ServerFrame::Error {
            code: ErrorCode::Forbidden,
            ..
        }
    ));
    sidorov
        .send(&ClientFrame::Subscribe {
            line: w.line_b,
            after: 0,
        })
        .await;
    assert!(matches!(
        sidorov.reply().await,
        ServerFrame::Error {
            code: ErrorCode::Forbidden,
            ..
        }
    ));
    anna.send(&submit(
        "a3",
        Action::ClientMessage {
            text: "я не клиент".into(),
        },
    ))
    .await;
    assert!(matches!(
        anna.reply().await,
        ServerFrame::Error {
            code: ErrorCode::Forbidden,
            ..
        }
    ));
}

#[tokio::test]
async fn routing_state_survives_a_restart_of_the_storage() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("server.db");
    {
        use linedesk_server::storage::{Storage, Subject};
        let s = linedesk_server::sqlite::SqliteStorage::open(&path).expect("open");
        let line = s.add_line("Л").expect("line");
        let c = s.add_client(line, "К").expect("client");
        let sp = s.add_specialist("x", "h", "X").expect("sp");
        s.serve_line(sp, line, 0, 1).expect("serve");
        s.apply(
            Subject::specialist(sp),
            "p",
            &Action::SetPresence {
                status: PresenceStatus::Available,
            },
            1,
        )
        .expect("presence");
        s.apply(
            Subject::client(c),
            "m",
            &Action::ClientMessage { text: "1".into() },
            2,
        )
        .expect("message");
        let c2 = s.add_client(line, "К2").expect("client");
        s.apply(
            Subject::client(c2),
            "m",
            &Action::ClientMessage { text: "2".into() },
            3,
        )
        .expect("queued: limit 1");
    }
    use linedesk_server::storage::{Storage, Subject};
    let s = linedesk_server::sqlite::SqliteStorage::open(&path).expect("reopen");
    // Appeal 1 is still held (limit 1 is full), appeal 2 still queued: finishing 1 pulls 2.
    let done = s
        .apply(
            Subject::specialist(1),
            "f",
            &Action::FinishAppeal {
                appeal: 1,
                result: "ok".into(),
            },
            4,
        )
        .expect("finish");
    let linedesk_server::storage::Applied::Done(events) = done else {
        panic!("applied")
    };
    assert!(
        events.iter().any(|e| matches!(
            e.event,
            Event::AppealAssigned {
                appeal: 2,
                specialist: 1,
                ..
            }
        )),
        "{events:?}"
    );
}

#[tokio::test]
async fn p4_a_dropped_specialist_goes_offline_after_the_grace_and_hands_over() {
    let w = common::world_with_grace(std::time::Duration::from_millis(300)).await;
    let mut vera = Client::signed_in(w.addr, "vera", "vera-pass").await;
    presence(&mut vera, "v1", PresenceStatus::Available).await;
    {
        let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
        presence(&mut anna, "a1", PresenceStatus::Available).await;
        let mut ivanova = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
        ack(
            &mut ivanova,
            "c1",
            Action::ClientMessage {
                text: "Помогите".into(),
            },
        )
        .await;
        // Anna's connection drops here (no goodbye).
    }
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let log = events(&mut vera, w.line_a, 0).await;
    assert!(
        log.contains(&Event::PresenceChanged {
            specialist: 1,
            status: PresenceStatus::Offline
        }),
        "no stale presence: {log:?}"
    );
    assert!(
        matches!(
            log.last(),
            Some(Event::AppealAssigned { specialist: 3, .. })
        ),
        "handed to Vera: {log:?}"
    );
}

#[tokio::test]
async fn a_reconnect_within_the_grace_keeps_presence() {
    let w = common::world_with_grace(std::time::Duration::from_millis(800)).await;
    {
        let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
        presence(&mut anna, "a1", PresenceStatus::Available).await;
    }
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let log = events(&mut anna, w.line_a, 0).await;
    assert!(
        !log.iter().any(|e| matches!(
            e,
            Event::PresenceChanged {
                status: PresenceStatus::Offline,
                ..
            }
        )),
        "a blip is not Offline: {log:?}"
    );
}

#[tokio::test]
async fn a3_the_holder_transfers_to_a_colleague_or_back_to_the_queue_with_a_reason() {
    let w = world().await;
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let mut vera = Client::signed_in(w.addr, "vera", "vera-pass").await;
    presence(&mut anna, "a1", PresenceStatus::Available).await;
    let mut ivanova = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    ack(
        &mut ivanova,
        "c1",
        Action::ClientMessage {
            text: "Нужна помощь бухгалтера".into(),
        },
    )
    .await;
    let log = events(&mut anna, w.line_a, 0).await;
    let appeal = log
        .iter()
        .find_map(|e| match e {
            Event::AppealAssigned {
                appeal,
                specialist: 1,
                ..
            } => Some(*appeal),
            _ => None,
        })
        .expect("Anna holds the appeal");

    // Not the holder, no reason, a colleague of another line: refused, nothing moves.
    for (by_vera, key, action) in [
        (
            true,
            "v-bad",
            Action::TransferAppeal {
                target: None,
                appeal,
                to: Some(3),
                reason: "хочу себе".into(),
            },
        ),
        (
            false,
            "a-noreason",
            Action::TransferAppeal {
                target: None,
                appeal,
                to: Some(3),
                reason: "  ".into(),
            },
        ),
        (
            false,
            "a-boris",
            Action::TransferAppeal {
                target: None,
                appeal,
                to: Some(2),
                reason: "другая линия".into(),
            },
        ),
    ] {
        let who = if by_vera { &mut vera } else { &mut anna };
        who.send(&submit(key, action)).await;
        assert!(
            matches!(
                who.reply().await,
                ServerFrame::Error {
                    code: ErrorCode::Invalid,
                    ..
                }
            ),
            "{key}"
        );
    }

    presence(&mut vera, "v1", PresenceStatus::Available).await;
    ack(
        &mut anna,
        "a-transfer",
        Action::TransferAppeal {
            target: None,
            appeal,
            to: Some(3),
            reason: "вопрос по зарплате — к Вере".into(),
        },
    )
    .await;
    let log = events(&mut vera, w.line_a, 0).await;
    let n = log.len();
    assert!(
        matches!(
            &log[n - 2..],
            [
                Event::AppealTransferred { from: 1, to: Some(3), reason, .. },
                Event::AppealAssigned { specialist: 3, .. }
            ] if reason.contains("зарплате")
        ),
        "{:?}",
        &log[n - 2..]
    );
    // Vera sends it back to the line's queue; Anna, free and first by priority, gets it again.
    ack(
        &mut vera,
        "v-back",
        Action::TransferAppeal {
            target: None,
            appeal,
            to: None,
            reason: "не мой профиль".into(),
        },
    )
    .await;
    let log = events(&mut vera, w.line_a, 0).await;
    assert!(
        log.iter().rev().take(3).any(|e| matches!(
            e,
            Event::AppealTransferred {
                from: 3,
                to: None,
                ..
            }
        )),
        "{log:?}"
    );
}
