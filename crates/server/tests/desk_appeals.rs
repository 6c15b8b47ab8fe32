//! Issue 16, items 3 and 4, through the wire (a real server on 127.0.0.1, real WebSocket
//! clients): a specialist's first message or file opens an appeal (A1), the card's responsible
//! specialists and the appeal's priority in routing (A2, C5, S5), and a transfer to another
//! line that carries the conversation to the other line's specialists while the client never
//! sees the reason (A3).

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use common::{Client, ack, events, http, next_event, token, world};
use linedesk_domain::appeal::TransferTarget;
use linedesk_domain::ids::LineId;
use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{
    Action, AppealChannel, ClientFrame, Event, ServerFrame, SharedFile, TRANSFERRED_TO_LINE,
};
use linedesk_server::app::{Server, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::config::HttpPolicy;
use linedesk_server::session_limits::SessionLimits;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::StoredClient;

const ANNA: u64 = 1;
const VERA: u64 = 3;

async fn log(addr: SocketAddr, line: u64) -> Vec<Event> {
    let login = if line == 1 { "anna" } else { "boris" };
    let mut reader = Client::signed_in(addr, login, &format!("{login}-pass")).await;
    events(&mut reader, line, 0).await
}

fn presence(status: PresenceStatus) -> Action {
    Action::SetPresence { status }
}

/// A client of `line` with a card and a login `login` (password `{login}-pass`).
fn add_client(w: &common::World, line: u64, card: StoredClient, login: &str) -> u64 {
    w.storage
        .import_clients(line, &[(1, card)])
        .expect("import");
    let id = w
        .storage
        .clients_of(line)
        .expect("clients")
        .last()
        .expect("new")
        .0;
    let hash = hash_password(&format!("{login}-pass")).expect("hash");
    w.storage.set_client_login(id, login, &hash).expect("login");
    id
}

fn opened_for(log: &[Event], who: u64) -> Option<u64> {
    log.iter().rev().find_map(|e| match e {
        Event::AppealOpened { appeal, client, .. } if *client == who => Some(*appeal),
        _ => None,
    })
}

#[tokio::test]
async fn a1_a_specialist_s_first_message_or_file_opens_an_appeal_that_is_theirs() {
    let w = world().await;
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    // Busy: routing would give her nothing, but she wrote first (A1), so it is hers.
    ack(&mut anna, "p", presence(PresenceStatus::Busy)).await;
    ack(
        &mut anna,
        "m1",
        Action::SendMessage {
            line: w.line_a,
            client: w.client_a2,
            text: "Добрый день! Ваша заявка готова.".into(),
        },
    )
    .await;
    let log_a = log(w.addr, w.line_a).await;
    let appeal = opened_for(&log_a, w.client_a2).expect("the message opened an appeal");
    assert!(log_a.iter().any(|e| matches!(e,
        Event::AppealOpened { appeal: a, channel: AppealChannel::Chat, .. } if *a == appeal)));
    assert!(log_a.iter().any(|e| matches!(e,
        Event::AppealAssigned { appeal: a, specialist: ANNA, .. } if *a == appeal)));
    assert!(
        log_a.iter().any(|e| matches!(e,
        Event::MessagePosted { appeal: Some(a), from_specialist: Some(ANNA), .. } if *a == appeal))
    );
    // The next message goes into the same appeal.
    ack(
        &mut anna,
        "m2",
        Action::SendMessage {
            line: w.line_a,
            client: w.client_a2,
            text: "Напишите, если будут вопросы.".into(),
        },
    )
    .await;
    let log_a = log(w.addr, w.line_a).await;
    let opened = log_a
        .iter()
        .filter(|e| matches!(e, Event::AppealOpened { client, .. } if *client == w.client_a2))
        .count();
    assert_eq!(opened, 1);

    // A file to a client with no open appeal opens one too, by file.
    let anna_token = token(w.addr, "anna", "anna-pass").await;
    let path = format!(
        "/api/lines/{}/clients/{}/files?name=act.pdf",
        w.line_a, w.client_a
    );
    let (status, body) = http(w.addr, "POST", &path, Some(&anna_token), b"%PDF-1.4").await;
    assert_eq!(status, 201, "{body}");
    let shared: SharedFile = serde_json::from_value(body).expect("answer");
    let appeal = shared.appeal.expect("the file opened an appeal");
    let log_a = log(w.addr, w.line_a).await;
    assert!(log_a.iter().any(|e| matches!(e,
        Event::AppealOpened { appeal: a, channel: AppealChannel::File, client, .. }
            if *a == appeal && *client == w.client_a)));
    assert!(log_a.iter().any(|e| matches!(e,
        Event::AppealAssigned { appeal: a, specialist: ANNA, .. } if *a == appeal)));
}

#[tokio::test]
async fn a2_c5_the_client_s_responsible_specialist_gets_the_appeal_before_a_higher_priority() {
    let w = world().await;
    // Vera's priority (0) is below Anna's (5); the card names her.
    let card = StoredClient {
        name: "Орлова Елена".into(),
        responsible: vec!["Вера".into()],
        ..StoredClient::default()
    };
    let orlova = add_client(&w, w.line_a, card, "orlova");
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let mut vera = Client::signed_in(w.addr, "vera", "vera-pass").await;
    ack(&mut anna, "p", presence(PresenceStatus::Available)).await;
    ack(&mut vera, "p", presence(PresenceStatus::Available)).await;
    let mut client = Client::signed_in(w.addr, "orlova", "orlova-pass").await;
    ack(
        &mut client,
        "c1",
        Action::ClientMessage {
            text: "Здравствуйте".into(),
        },
    )
    .await;
    // Ivanova's card names nobody: Anna, the higher priority, gets hers.
    let mut ivanova = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    ack(
        &mut ivanova,
        "i1",
        Action::ClientMessage {
            text: "Добрый день".into(),
        },
    )
    .await;
    let log_a = log(w.addr, w.line_a).await;
    let holder = |who| {
        let appeal = opened_for(&log_a, who).expect("opened");
        log_a.iter().find_map(|e| match e {
            Event::AppealAssigned {
                appeal: a,
                specialist,
                ..
            } if *a == appeal => Some(*specialist),
            _ => None,
        })
    };
    assert_eq!(
        holder(orlova),
        Some(VERA),
        "the responsible specialist first"
    );
    assert_eq!(holder(w.client_a), Some(ANNA), "then the priorities");
}

/// Nobody available on line A: Ivanova's appeal waits, then a VIP client's; the VIP's id.
async fn vip_queued_second(w: &common::World) -> (u64, u64) {
    let vip = StoredClient {
        name: "Князева Ольга".into(),
        vip: true,
        ..StoredClient::default()
    };
    let knyazeva = add_client(w, w.line_a, vip, "knyazeva");
    let mut ivanova = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    ack(
        &mut ivanova,
        "i1",
        Action::ClientMessage {
            text: "Первый".into(),
        },
    )
    .await;
    let mut vip = Client::signed_in(w.addr, "knyazeva", "knyazeva-pass").await;
    ack(
        &mut vip,
        "k1",
        Action::ClientMessage {
            text: "Второй".into(),
        },
    )
    .await;
    let log_a = log(w.addr, w.line_a).await;
    let (first, second) = (
        opened_for(&log_a, w.client_a).expect("first"),
        opened_for(&log_a, knyazeva).expect("second"),
    );
    for appeal in [first, second] {
        assert!(
            log_a
                .iter()
                .any(|e| matches!(e, Event::AppealQueued { appeal: a, .. } if *a == appeal))
        );
    }
    (first, second)
}

/// Vera (room for one appeal) signs in at `addr` and becomes available: the appeal she gets.
async fn vera_gets(addr: SocketAddr, line: u64) -> u64 {
    let mut vera = Client::signed_in(addr, "vera", "vera-pass").await;
    events(&mut vera, line, 0).await;
    vera.send(&ClientFrame::Submit {
        key: "p".into(),
        action: presence(PresenceStatus::Available),
    })
    .await;
    next_event(&mut vera, |e| match e {
        Event::AppealAssigned {
            appeal,
            specialist: VERA,
            ..
        } => Some(*appeal),
        _ => None,
    })
    .await
}

#[tokio::test]
async fn a2_s5_a_vip_client_s_appeal_goes_first_in_the_queue() {
    let w = world().await;
    let (_, vip) = vip_queued_second(&w).await;
    assert_eq!(
        vera_gets(w.addr, w.line_a).await,
        vip,
        "the VIP's, not the older one"
    );
}

#[tokio::test]
async fn a2_s5_the_queue_s_priorities_survive_a_restart() {
    let w = world().await;
    let (_, vip) = vip_queued_second(&w).await;
    // A second server over the same database rebuilds its routing from what is stored.
    let storage = Arc::new(SqliteStorage::open(&w.dir.path().join("server.db")).expect("reopen"));
    let server = Server::built(
        storage,
        linedesk_server::presence::OFFLINE_GRACE,
        HttpPolicy::default(),
        SessionLimits::default(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { serve(listener, server).await });
    assert_eq!(vera_gets(addr, w.line_a).await, vip);
}

#[tokio::test]
async fn a3_a_transfer_to_another_line_carries_the_conversation_and_hides_the_reason_from_the_client()
 {
    let w = world().await;
    let card = |name: &str| StoredClient {
        name: name.into(),
        connect_id: Some("100-200-300".into()),
        ..StoredClient::default()
    };
    let orlov_a = add_client(&w, w.line_a, card("Орлов"), "orlov");
    w.storage
        .import_clients(w.line_b, &[(1, card("Орлов"))])
        .expect("import");
    let orlov_b = w
        .storage
        .clients_of(w.line_b)
        .expect("b")
        .last()
        .expect("b")
        .0;

    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    ack(&mut anna, "p", presence(PresenceStatus::Available)).await;
    let mut orlov = Client::signed_in(w.addr, "orlov", "orlov-pass").await;
    events(&mut orlov, w.line_a, 0).await;
    ack(
        &mut orlov,
        "o1",
        Action::ClientMessage {
            text: "Не проходит оплата по счёту".into(),
        },
    )
    .await;
    ack(
        &mut anna,
        "a1",
        Action::SendMessage {
            line: w.line_a,
            client: orlov_a,
            text: "Пришлите, пожалуйста, номер счёта".into(),
        },
    )
    .await;
    let anna_token = token(w.addr, "anna", "anna-pass").await;
    let path = format!(
        "/api/lines/{}/clients/{orlov_a}/files?name=инструкция.pdf",
        w.line_a
    );
    let (status, body) = http(w.addr, "POST", &path, Some(&anna_token), b"%PDF").await;
    assert_eq!(status, 201, "{body}");
    ack(
        &mut orlov,
        "o2",
        Action::ClientMessage {
            text: "Счёт 4512".into(),
        },
    )
    .await;
    let appeal = opened_for(&log(w.addr, w.line_a).await, orlov_a).expect("appeal");

    let reason = "Внутреннее: клиент не наш, вопрос бухгалтерии";
    ack(
        &mut anna,
        "t",
        Action::TransferAppeal {
            appeal,
            to: None,
            reason: reason.into(),
            target: Some(TransferTarget::Line(LineId(w.line_b))),
        },
    )
    .await;

    // Line B's specialist sees the history that led to it, in order, with who wrote it.
    let log_b = log(w.addr, w.line_b).await;
    let continued = opened_for(&log_b, orlov_b).expect("continued on line B");
    let carried: Vec<(Option<String>, String, bool)> = log_b
        .iter()
        .filter_map(|e| match e {
            Event::ConversationCarried {
                appeal: a,
                client,
                from_line,
                from_appeal,
                author,
                text,
                file,
                ..
            } if *a == continued => {
                assert_eq!(
                    (*client, *from_line, *from_appeal),
                    (orlov_b, w.line_a, appeal)
                );
                Some((author.clone(), text.clone(), *file))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        carried,
        [
            (None, "Не проходит оплата по счёту".to_string(), false),
            (
                Some("Анна".into()),
                "Пришлите, пожалуйста, номер счёта".into(),
                false
            ),
            (Some("Анна".into()), "инструкция.pdf".into(), true),
            (None, "Счёт 4512".into(), false),
        ]
    );
    assert!(log_b.iter().any(|e| matches!(e,
        Event::AppealTransferred { appeal: a, reason: r, .. } if *a == continued && r == reason)));

    // The client: told it went on, never the reason, and none of the carried copies.
    let finished = next_event(&mut orlov, |e| match e {
        Event::AppealFinished {
            appeal: a, result, ..
        } if *a == appeal => Some(result.clone()),
        _ => None,
    })
    .await;
    assert_eq!(finished, TRANSFERRED_TO_LINE);
    let mut replay = Client::signed_in(w.addr, "orlov", "orlov-pass").await;
    replay
        .send(&ClientFrame::Subscribe {
            line: w.line_a,
            after: 0,
        })
        .await;
    loop {
        match replay.recv().await {
            ServerFrame::Event { event, .. } => {
                let json = serde_json::to_string(&event).expect("json");
                assert!(
                    !json.contains("бухгалтерии"),
                    "the reason reached the client: {json}"
                );
                assert!(!matches!(event, Event::ConversationCarried { .. }));
            }
            ServerFrame::CaughtUp { .. } => break,
            other => panic!("{other:?}"),
        }
    }
    // Line A keeps the finish as a code and the reason in its transfer.
    let log_a = log(w.addr, w.line_a).await;
    assert!(log_a.iter().any(|e| matches!(e,
        Event::AppealFinished { appeal: a, result, .. } if *a == appeal && result == TRANSFERRED_TO_LINE)));
}
