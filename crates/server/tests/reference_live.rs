//! What a line's admin changes reaches the other specialists' apps while they are connected
//! (issue 15): quick replies, the knowledge base and the appeal types as `ReferenceChanged`
//! (the app fetches that part again), a renamed ticket queue as `TicketQueueNamed` (T2), a
//! changed auto-finish time as each running countdown moved (A5: `ReplyAwaited`); reply files
//! no reply uses any more are deleted (C8), never one just uploaded for a reply not saved yet.
//! Real server on 127.0.0.1, real WebSocket clients, real SQLite.

mod common;

use common::{ack, http, next_event, subscribed, token, world};
use linedesk_domain::presence::PresenceStatus;
use linedesk_line::ClosingSettings;
use linedesk_protocol::line_admin::QuickReply;
use linedesk_protocol::{Action, Event, ReferencePart};
use linedesk_server::app::now_ms;
use linedesk_server::storage::{KbArticle, Storage};

const HOUR: i64 = 3_600_000;

async fn changed(c: &mut common::Client) -> ReferencePart {
    next_event(c, |e| match e {
        Event::ReferenceChanged { part } => Some(*part),
        _ => None,
    })
    .await
}

#[tokio::test]
async fn c8_s5_quick_replies_kb_and_appeal_types_reach_a_colleagues_session_live() {
    let w = world().await;
    let mut vera = subscribed(&w, "vera", "vera-pass").await;
    let s: &dyn Storage = w.storage.as_ref();
    // As the CLI does beside the running server, and as the admin's HTTP routes do.
    let replies = vec![QuickReply {
        title: "Приветствие".into(),
        text: "Здравствуйте, {client}!".into(),
        files: Vec::new(),
    }];
    s.set_quick_replies(w.line_a, &replies).expect("replies");
    assert_eq!(changed(&mut vera).await, ReferencePart::QuickReplies);
    let article = KbArticle {
        id: 0,
        title: "Как обновить конфигурацию".into(),
        body: "Откройте конфигуратор…".into(),
    };
    s.import_kb(w.line_a, std::slice::from_ref(&article))
        .expect("kb");
    assert_eq!(changed(&mut vera).await, ReferencePart::KnowledgeBase);
    let levels = linedesk_server::sla_file::parse_levels(
        "levels.toml",
        r#"
[[level]]
name = "Ошибки"
calendar = "tz UTC; Mon-Sun 00-24"
reaction = "15m"
resolution = "2h"
conditions = { kinds = ["Ошибка"] }

[[level]]
name = "Default"
calendar = "tz UTC; Mon-Sun 00-24"
reaction = "1h"
resolution = "8h"
"#,
    )
    .expect("levels");
    s.set_sla_levels(w.line_a, &levels.set).expect("levels");
    assert_eq!(changed(&mut vera).await, ReferencePart::AppealTypes);

    // The admin's app edits an article over HTTP: the colleague hears it too.
    w.storage
        .set_line_admin(
            w.storage
                .account_by_login("anna")
                .expect("account")
                .expect("anna")
                .subject
                .id,
            w.line_a,
            true,
        )
        .expect("admin");
    let anna = token(w.addr, "anna", "anna-pass").await;
    let body = serde_json::json!({ "title": "Как выгрузить отчёт", "body": "Файл → Сохранить" });
    let (status, answer) = http(
        w.addr,
        "POST",
        &format!("/api/lines/{}/admin/kb", w.line_a),
        Some(&anna),
        body.to_string().as_bytes(),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(changed(&mut vera).await, ReferencePart::KnowledgeBase);
    let event = Event::ReferenceChanged {
        part: ReferencePart::KnowledgeBase,
    };
    assert!(
        event.client().is_none() && !event.shown_to_client(),
        "the line's reference data is no client's to see"
    );
}

#[tokio::test]
async fn t2_a_line_admin_renames_a_queue_and_the_lines_apps_follow() {
    let w = world().await;
    let anna_id = w
        .storage
        .account_by_login("anna")
        .expect("account")
        .expect("anna")
        .subject
        .id;
    w.storage
        .set_line_admin(anna_id, w.line_a, true)
        .expect("admin");
    let queues = w.storage.ticket_queues(w.line_a).expect("queues");
    let (queue, _) = queues[0].clone();
    let second = w
        .storage
        .add_ticket_queue(w.line_a, "Вторая линия")
        .expect("queue");
    let mut vera = subscribed(&w, "vera", "vera-pass").await;
    let anna = token(w.addr, "anna", "anna-pass").await;
    let rename = |queue: u64, name: &str| {
        (
            format!("/api/lines/{}/admin/queues/{queue}", w.line_a),
            serde_json::json!({ "name": name }).to_string(),
        )
    };

    let (path, body) = rename(queue, "  Первая линия поддержки ");
    let (status, answer) = http(w.addr, "PUT", &path, Some(&anna), body.as_bytes()).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["name"], "Первая линия поддержки");
    let named = next_event(&mut vera, |e| match e {
        Event::TicketQueueNamed { queue: q, name } => Some((*q, name.clone())),
        _ => None,
    })
    .await;
    assert_eq!(named, (queue, "Первая линия поддержки".to_string()));
    assert!(
        w.storage
            .ticket_queues(w.line_a)
            .expect("queues")
            .contains(&(queue, "Первая линия поддержки".to_string()))
    );

    // Another queue's name: 409 with the rule; no such queue: 404; empty: 400 naming the field.
    let (path, body) = rename(second, "Первая линия поддержки");
    let (status, answer) = http(w.addr, "PUT", &path, Some(&anna), body.as_bytes()).await;
    assert_eq!(status, 409, "{answer}");
    assert_eq!(answer["rule"], "admin.duplicate_title");
    let (path, body) = rename(9_999, "Третья");
    assert_eq!(
        http(w.addr, "PUT", &path, Some(&anna), body.as_bytes())
            .await
            .0,
        404
    );
    let (path, body) = rename(second, "   ");
    let (status, answer) = http(w.addr, "PUT", &path, Some(&anna), body.as_bytes()).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["field"], "name");
    // A specialist of the line without the admin role, and another line's admin: refused.
    let vera_token = token(w.addr, "vera", "vera-pass").await;
    let (path, body) = rename(second, "Третья");
    assert_eq!(
        http(w.addr, "PUT", &path, Some(&vera_token), body.as_bytes())
            .await
            .0,
        403
    );
    let queue_b = w.storage.ticket_queues(w.line_b).expect("queues")[0].0;
    let path_b = format!("/api/lines/{}/admin/queues/{queue_b}", w.line_b);
    assert_eq!(
        http(w.addr, "PUT", &path_b, Some(&anna), body.as_bytes())
            .await
            .0,
        403
    );
    // A queue of line B named through line A's path is no queue of line A.
    let path_ab = format!("/api/lines/{}/admin/queues/{queue_b}", w.line_a);
    assert_eq!(
        http(w.addr, "PUT", &path_ab, Some(&anna), body.as_bytes())
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn c8_reply_files_no_reply_uses_are_deleted_but_not_one_just_uploaded() {
    let w = world().await;
    let s: &dyn Storage = w.storage.as_ref();
    let now = now_ms();
    let old_used = s
        .add_quick_reply_file(w.line_a, "прайс.pdf", b"price", now - 3 * HOUR)
        .expect("file");
    let old_dropped = s
        .add_quick_reply_file(w.line_a, "старый.pdf", b"old", now - 3 * HOUR)
        .expect("file");
    let fresh = s
        .add_quick_reply_file(w.line_a, "новый.pdf", b"new", now)
        .expect("file");
    let other_line = s
        .add_quick_reply_file(w.line_b, "чужой.pdf", b"b", now - 3 * HOUR)
        .expect("file");
    let reply = |files| QuickReply {
        title: "Прайс".into(),
        text: "Высылаю прайс".into(),
        files,
    };
    s.set_quick_replies(
        w.line_a,
        &[reply(vec![old_used.clone(), old_dropped.clone()])],
    )
    .expect("replies");
    assert!(
        s.quick_reply_file(w.line_a, old_dropped.id)
            .expect("read")
            .is_some()
    );
    // The reply no longer carries the old file: it goes; the one just uploaded (its reply
    // not saved yet) and the other line's stay.
    s.set_quick_replies(w.line_a, &[reply(vec![old_used.clone()])])
        .expect("replies");
    assert!(
        s.quick_reply_file(w.line_a, old_dropped.id)
            .expect("read")
            .is_none()
    );
    assert!(
        s.quick_reply_file(w.line_a, old_used.id)
            .expect("read")
            .is_some()
    );
    assert!(
        s.quick_reply_file(w.line_a, fresh.id)
            .expect("read")
            .is_some()
    );
    assert!(
        s.quick_reply_file(w.line_b, other_line.id)
            .expect("read")
            .is_some()
    );
    // Over HTTP the file is gone too (the app asking for it gets 404).
    let anna = token(w.addr, "anna", "anna-pass").await;
    let path = format!(
        "/api/lines/{}/quick-reply-files/{}",
        w.line_a, old_dropped.id
    );
    let (status, _) = common::http_get(w.addr, &path, Some(&anna)).await;
    assert_eq!(status, 404);
    // No reply at all: every old file of the line goes.
    s.set_quick_replies(w.line_a, &[]).expect("none");
    assert!(
        s.quick_reply_file(w.line_a, old_used.id)
            .expect("read")
            .is_none()
    );
    assert!(
        s.quick_reply_file(w.line_a, fresh.id)
            .expect("read")
            .is_some()
    );
}

#[tokio::test]
async fn a5_a_changed_auto_finish_time_moves_the_running_countdowns() {
    let w = world().await;
    let mut anna = subscribed(&w, "anna", "anna-pass").await;
    let settings = |minutes| ClosingSettings {
        auto_finish_minutes: minutes,
        closing_phrases: Vec::new(),
    };
    w.storage
        .set_closing_settings(w.line_a, &settings(30))
        .expect("settings");
    let online = Action::SetPresence {
        status: PresenceStatus::Available,
    };
    ack(&mut anna, "on", online).await;
    let start = Action::StartAppeal {
        line: w.line_a,
        client: w.client_a,
        appeal_type: None,
    };
    ack(&mut anna, "s", start).await;
    let appeal = next_event(&mut anna, |e| match e {
        Event::AppealAssigned { appeal, .. } => Some(*appeal),
        _ => None,
    })
    .await;
    let say = Action::SendMessage {
        line: w.line_a,
        client: w.client_a,
        text: "Проверьте, пожалуйста".into(),
    };
    ack(&mut anna, "m", say).await;
    let armed = awaited(&mut anna, appeal).await.expect("armed");
    // Set to 10 minutes: the countdown counts 10 minutes from the same message.
    w.storage
        .set_closing_settings(w.line_a, &settings(10))
        .expect("settings");
    let moved = awaited(&mut anna, appeal).await.expect("still armed");
    assert_eq!(armed - moved, 20 * 60_000);
    // Off: the countdown stops.
    w.storage
        .set_closing_settings(w.line_a, &settings(0))
        .expect("settings");
    assert_eq!(awaited(&mut anna, appeal).await, None);
    // Nothing is due any more, even long after.
    let finished = w
        .storage
        .due_alerts(now_ms() + 24 * HOUR)
        .expect("timer")
        .into_iter()
        .any(|e| matches!(e.event, Event::AppealFinished { appeal: a, .. } if a == appeal));
    assert!(!finished);
}

/// The auto-finish instant of `appeal`'s next `ReplyAwaited` (`None`: off).
async fn awaited(c: &mut common::Client, appeal: u64) -> Option<i64> {
    next_event(c, |e| match e {
        Event::ReplyAwaited {
            appeal: a,
            auto_finish_at_ms,
            ..
        } if *a == appeal => Some(*auto_finish_at_ms),
        _ => None,
    })
    .await
}
