//! The workstation's server side (issue 6) over real sockets: ticket queues in the log (T2),
//! appeals started by hand, transferred to a level or another line, marked as spam (A1, A3,
//! A6), files in a chat that open appeals (A1), KB drafts (C8).

mod common;

use std::net::SocketAddr;

use common::{Client, events, http, http_get, raw_http, submit, token, world};
use linedesk_domain::appeal::{SupportTier, TransferTarget};
use linedesk_domain::ids::LineId;
use linedesk_protocol::{
    Action, AppealChannel, ErrorCode, Event, MAX_FILE_BYTES, ServerFrame, SharedFile,
    encode_query_value as encode,
};
use linedesk_server::storage::StoredClient;

const ANNA: u64 = 1;

fn acked(frame: &ServerFrame) -> bool {
    matches!(
        frame,
        ServerFrame::Ack {
            duplicate: false,
            ..
        }
    )
}

fn refused(frame: &ServerFrame, code: ErrorCode) -> bool {
    matches!(frame, ServerFrame::Error { code: c, .. } if *c == code)
}

async fn log(addr: SocketAddr, line: u64) -> Vec<Event> {
    let login = if line == 1 { "anna" } else { "boris" };
    let mut reader = Client::signed_in(addr, login, &format!("{login}-pass")).await;
    events(&mut reader, line, 0).await
}

#[tokio::test]
async fn t2_every_queue_is_announced_in_the_line_log() {
    let w = world().await;
    let accounting = w
        .storage
        .add_ticket_queue(w.line_a, "Бухгалтерия")
        .expect("queue");
    let queues: Vec<(u64, String)> = log(w.addr, w.line_a)
        .await
        .into_iter()
        .filter_map(|e| match e {
            Event::TicketQueueNamed { queue, name } => Some((queue, name)),
            _ => None,
        })
        .collect();
    assert_eq!(queues, w.storage.ticket_queues(w.line_a).expect("queues"));
    assert_eq!(
        queues.last(),
        Some(&(accounting, "Бухгалтерия".to_string()))
    );
    assert!(matches!(
        log(w.addr, w.line_a).await.first(),
        Some(Event::LineNamed { .. })
    ));
}

#[tokio::test]
async fn a1_a6_an_appeal_started_by_hand_is_mine_and_can_end_as_spam() {
    let w = world().await;
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let mut vera = Client::signed_in(w.addr, "vera", "vera-pass").await;
    let mut boris = Client::signed_in(w.addr, "boris", "boris-pass").await;
    let start = Action::StartAppeal {
        line: w.line_a,
        client: w.client_a,
        appeal_type: None,
    };
    let answer = submit(&mut boris, "s0", start.clone()).await;
    assert!(refused(&answer, ErrorCode::Forbidden), "{answer:?}");
    assert!(acked(&submit(&mut anna, "s1", start.clone()).await));
    let again = submit(&mut vera, "s2", start.clone()).await;
    assert!(
        refused(&again, ErrorCode::Conflict),
        "one open appeal: {again:?}"
    );
    let log_a = log(w.addr, w.line_a).await;
    let appeal = log_a
        .iter()
        .find_map(|e| match e {
            Event::AppealOpened {
                appeal,
                client,
                channel: AppealChannel::Manual,
            } if *client == w.client_a => Some(*appeal),
            _ => None,
        })
        .expect("opened by hand");
    assert!(log_a.iter().any(|e| matches!(e,
        Event::AppealAssigned { appeal: a, specialist, .. } if *a == appeal && *specialist == ANNA)));

    let not_hers = submit(&mut vera, "sp0", Action::MarkSpam { appeal }).await;
    assert!(refused(&not_hers, ErrorCode::Invalid), "{not_hers:?}");
    assert!(acked(
        &submit(&mut anna, "sp1", Action::MarkSpam { appeal }).await
    ));
    let twice = submit(&mut anna, "sp2", Action::MarkSpam { appeal }).await;
    assert!(refused(&twice, ErrorCode::Invalid), "{twice:?}");
    assert!(log(w.addr, w.line_a).await.iter().any(|e| matches!(e,
        Event::AppealMarkedSpam { appeal: a, specialist, .. } if *a == appeal && *specialist == ANNA)));
    // Spam ends the appeal: the client's next message opens a new one.
    assert!(acked(&submit(&mut anna, "s3", start).await));
}

#[tokio::test]
async fn a3_transfers_to_the_second_level_and_to_another_line_of_the_client() {
    let w = world().await;
    let card = |name: &str| StoredClient {
        name: name.into(),
        connect_id: Some("100-200-300".into()),
        ..StoredClient::default()
    };
    w.storage
        .import_clients(w.line_a, &[(1, card("Орлов"))])
        .expect("import");
    w.storage
        .import_clients(w.line_b, &[(1, card("Орлов"))])
        .expect("import");
    let orlov_a = w
        .storage
        .clients_of(w.line_a)
        .expect("clients")
        .last()
        .expect("a")
        .0;
    let orlov_b = w
        .storage
        .clients_of(w.line_b)
        .expect("clients")
        .last()
        .expect("b")
        .0;
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let start = |client| Action::StartAppeal {
        line: w.line_a,
        client,
        appeal_type: None,
    };
    assert!(acked(&submit(&mut anna, "s1", start(w.client_a)).await));
    assert!(acked(&submit(&mut anna, "s2", start(orlov_a)).await));
    let opened = |events: &[Event], who: u64| {
        events
            .iter()
            .rev()
            .find_map(|e| match e {
                Event::AppealOpened { appeal, client, .. } if *client == who => Some(*appeal),
                _ => None,
            })
            .expect("opened")
    };
    let log_a = log(w.addr, w.line_a).await;
    let (first, second) = (opened(&log_a, w.client_a), opened(&log_a, orlov_a));
    let transfer = |appeal, to, target| Action::TransferAppeal {
        appeal,
        to,
        reason: "Нужен второй уровень".into(),
        target,
    };
    let tier = Some(TransferTarget::Tier(SupportTier::Second));
    let both = submit(&mut anna, "t0", transfer(first, Some(3), tier)).await;
    assert!(refused(&both, ErrorCode::Invalid), "{both:?}");
    assert!(acked(
        &submit(&mut anna, "t1", transfer(first, None, tier)).await
    ));
    let log_a = log(w.addr, w.line_a).await;
    assert!(log_a.iter().any(|e| matches!(e,
        Event::AppealTransferred { appeal, target: Some(TransferTarget::Tier(SupportTier::Second)), .. }
            if *appeal == first)));

    let elsewhere = Some(TransferTarget::Line(LineId(w.line_b)));
    assert!(acked(&submit(&mut anna, "s3", start(w.client_a2)).await));
    let a2 = opened(&log(w.addr, w.line_a).await, w.client_a2);
    let not_there = submit(&mut anna, "t2", transfer(a2, None, elsewhere)).await;
    assert!(refused(&not_there, ErrorCode::Invalid), "{not_there:?}");
    assert!(acked(
        &submit(&mut anna, "t3", transfer(second, None, elsewhere)).await
    ));
    let log_a = log(w.addr, w.line_a).await;
    assert!(log_a.iter().any(|e| matches!(e,
        Event::AppealFinished { appeal, .. } if *appeal == second)));
    let log_b = log(w.addr, w.line_b).await;
    let continued = opened(&log_b, orlov_b);
    assert!(log_b.iter().any(|e| matches!(e,
        Event::AppealTransferred { appeal, from, reason, target: Some(TransferTarget::Line(_)), .. }
            if *appeal == continued && *from == ANNA && reason == "Нужен второй уровень")));
}

#[tokio::test]
async fn a1_a_client_file_opens_an_appeal_and_only_the_line_and_the_client_read_it() {
    let w = world().await;
    let ivanova = token(w.addr, "ivanova", "ivanova-pass").await;
    let anna = token(w.addr, "anna", "anna-pass").await;
    let boris = token(w.addr, "boris", "boris-pass").await;
    let sidorov = token(w.addr, "sidorov", "sidorov-pass").await;
    let bytes: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    let path = format!(
        "/api/files?name={}&key=k1",
        encode("../../Отчёт: март.xlsx")
    );
    let (status, body) = http(w.addr, "POST", &path, Some(&ivanova), &bytes).await;
    assert_eq!(status, 201, "{body}");
    let shared: SharedFile = serde_json::from_value(body).expect("answer");
    assert_eq!(shared.name, "Отчёт_ март.xlsx");
    assert_eq!(shared.size, 70_000);
    let appeal = shared.appeal.expect("a client's file opens an appeal");
    let (status, again) = http(w.addr, "POST", &path, Some(&ivanova), &bytes).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        again["file"], shared.file,
        "a retried upload is the same file"
    );
    let log_a = log(w.addr, w.line_a).await;
    assert!(log_a.iter().any(|e| matches!(e,
        Event::AppealOpened { appeal: a, channel: AppealChannel::File, .. } if *a == appeal)));
    let announced: Vec<&Event> = log_a
        .iter()
        .filter(|e| matches!(e, Event::FileShared { .. }))
        .collect();
    assert_eq!(
        announced,
        [&Event::FileShared {
            file: shared.file,
            client: w.client_a,
            from_specialist: None,
            name: shared.name.clone(),
            size: 70_000,
            appeal: Some(appeal),
        }]
    );

    let file = format!("/api/files/{}", shared.file);
    for (who, expected) in [
        (Some(&anna), 200),
        (Some(&ivanova), 200),
        (Some(&boris), 403),
        (Some(&sidorov), 403),
        (None, 401),
    ] {
        let (status, head, body) =
            raw_http(w.addr, "GET", &file, who.map(String::as_str), None, &[]).await;
        assert_eq!(status, expected, "{head}");
        if status == 200 {
            assert_eq!(body, bytes);
            assert!(head.contains("filename*=UTF-8''"), "{head}");
        }
    }
    let (status, _) = http_get(w.addr, "/api/files/999", Some(&anna)).await;
    assert_eq!(status, 404);

    let too_big = vec![7u8; MAX_FILE_BYTES + 1];
    let (status, _, _) = raw_http(
        w.addr,
        "POST",
        "/api/files?name=big.bin",
        Some(&ivanova),
        None,
        &too_big,
    )
    .await;
    assert_eq!(status, 413);
    let (status, _) = http(w.addr, "POST", "/api/files?name=..", Some(&ivanova), b"x").await;
    assert_eq!(status, 400, "a name with nothing left");

    let to_client = format!(
        "/api/lines/{}/clients/{}/files?name=invoice.pdf",
        w.line_a, w.client_a
    );
    let (status, body) = http(w.addr, "POST", &to_client, Some(&anna), b"%PDF-1.4").await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["appeal"], appeal, "the client's open appeal");
    let (status, _) = http(w.addr, "POST", &to_client, Some(&boris), b"%PDF").await;
    assert_eq!(status, 403, "not boris's line");
    let (status, _) = http(w.addr, "POST", &to_client, Some(&ivanova), b"%PDF").await;
    assert_eq!(status, 403, "clients use /api/files");
    let wrong = format!(
        "/api/lines/{}/clients/{}/files?name=a.txt",
        w.line_a, w.client_b
    );
    let (status, _) = http(w.addr, "POST", &wrong, Some(&anna), b"a").await;
    assert_eq!(status, 400, "not a client of the line");
    assert!(log(w.addr, w.line_a).await.iter().any(|e| matches!(e,
        Event::FileShared { from_specialist: Some(ANNA), name, .. } if name == "invoice.pdf")));
}

#[tokio::test]
async fn c8_a_reply_saved_as_a_draft_is_listed_for_the_line_and_never_served_as_an_answer() {
    let w = world().await;
    let anna = token(w.addr, "anna", "anna-pass").await;
    let boris = token(w.addr, "boris", "boris-pass").await;
    let ivanova = token(w.addr, "ivanova", "ivanova-pass").await;
    let drafts = format!("/api/lines/{}/kb/drafts", w.line_a);
    let body = serde_json::json!({"subject": "Печать счёта", "text": "Откройте настройки печати"});
    let (status, saved) = http(
        w.addr,
        "POST",
        &drafts,
        Some(&anna),
        body.to_string().as_bytes(),
    )
    .await;
    assert_eq!(status, 201, "{saved}");
    assert_eq!(saved["specialist"], ANNA);
    for who in [&boris, &ivanova] {
        let (status, _) = http(
            w.addr,
            "POST",
            &drafts,
            Some(who),
            body.to_string().as_bytes(),
        )
        .await;
        assert_eq!(status, 403);
    }
    let empty = serde_json::json!({"subject": " ", "text": "x"}).to_string();
    let (status, _) = http(w.addr, "POST", &drafts, Some(&anna), empty.as_bytes()).await;
    assert_eq!(status, 400);
    // The same through the WebSocket (the app's outbox), once per key.
    let mut session = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let action = Action::SaveKbDraft {
        line: w.line_a,
        subject: "Сверка".into(),
        text: "Сформируйте акт сверки".into(),
    };
    assert!(acked(&submit(&mut session, "d1", action.clone()).await));
    let again = submit(&mut session, "d1", action).await;
    assert!(
        matches!(
            again,
            ServerFrame::Ack {
                duplicate: true,
                ..
            }
        ),
        "{again:?}"
    );
    let elsewhere = Action::SaveKbDraft {
        line: w.line_b,
        subject: "Сверка".into(),
        text: "x".into(),
    };
    let refused_line = submit(&mut session, "d2", elsewhere).await;
    assert!(
        refused(&refused_line, ErrorCode::Forbidden),
        "{refused_line:?}"
    );
    let (status, listed) = http_get(w.addr, &drafts, Some(&anna)).await;
    assert_eq!(status, 200);
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");
    assert_eq!(listed[0]["subject"], "Печать счёта");
    let kb = format!("/api/lines/{}/kb?q={}", w.line_a, encode("печати"));
    let (status, found) = http_get(w.addr, &kb, Some(&ivanova)).await;
    assert_eq!(status, 200);
    assert_eq!(found, serde_json::json!([]), "drafts are not answers");
}
