//! S5's appeal type over the real server (issue 15): the line's types are those its SLA levels'
//! conditions name (`GET /api/lines/{line}/appeal-types`, for the line's specialists); the
//! holder chooses one while working on the appeal or before finishing it (`SetAppealType`,
//! `AppealTyped`); a type given at registration picks the level (S5); a type chosen later
//! moves no deadline (S3) and is what the SLA report filters by. Real server on 127.0.0.1,
//! real WebSocket clients, real SQLite.

mod common;

use common::{Client, ack, http_get, next_event, submit, subscribed, token, world};
use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::reports::SlaReport;
use linedesk_protocol::sla_explain::AppealSla;
use linedesk_protocol::{Action, ErrorCode, Event, ServerFrame};
use linedesk_server::sla_file::parse_levels;
use linedesk_server::storage::Storage;

const LEVELS: &str = r#"
[[level]]
name = "Ошибки"
calendar = "tz UTC; Mon-Sun 00-24"
reaction = "15m"
resolution = "2h"
conditions = { kinds = ["Ошибка"] }

[[level]]
name = "Консультации"
calendar = "tz UTC; Mon-Sun 00-24"
reaction = "2h"
resolution = "8h"
conditions = { kinds = ["Консультация", "Ошибка"] }

[[level]]
name = "Default"
calendar = "tz UTC; Mon-Sun 00-24"
reaction = "1h"
resolution = "8h"
"#;

fn levels(s: &dyn Storage, line: u64) {
    s.set_sla_levels(
        line,
        &parse_levels("levels.toml", LEVELS).expect("levels").set,
    )
    .expect("levels");
}

async fn explained(addr: std::net::SocketAddr, line: u64, appeal: u64, token: &str) -> AppealSla {
    let path = format!("/api/lines/{line}/appeals/{appeal}/sla");
    let (status, body) = http_get(addr, &path, Some(token)).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).expect("an AppealSla")
}

/// The refusal's (code, rule) of `action` under `key`.
async fn refusal(c: &mut Client, key: &str, action: Action) -> (ErrorCode, Option<String>) {
    match submit(c, key, action).await {
        ServerFrame::Error { code, rule, .. } => (code, rule),
        other => panic!("{key}: expected a refusal, got {other:?}"),
    }
}

fn set_type(appeal: u64, appeal_type: &str) -> Action {
    Action::SetAppealType {
        appeal,
        appeal_type: appeal_type.to_string(),
    }
}

#[tokio::test]
async fn s5_the_lines_types_are_its_levels_and_only_its_specialists_read_them() {
    let w = world().await;
    levels(w.storage.as_ref(), w.line_a);
    let path = format!("/api/lines/{}/appeal-types", w.line_a);
    let anna = token(w.addr, "anna", "anna-pass").await;
    let (status, body) = http_get(w.addr, &path, Some(&anna)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, serde_json::json!(["Ошибка", "Консультация"]));
    // A line without levels tells no types apart.
    let path_b = format!("/api/lines/{}/appeal-types", w.line_b);
    let boris = token(w.addr, "boris", "boris-pass").await;
    assert_eq!(
        http_get(w.addr, &path_b, Some(&boris)).await,
        (200, serde_json::json!([]))
    );
    // Another line's specialist, a client, nobody: refused.
    assert_eq!(http_get(w.addr, &path, Some(&boris)).await.0, 403);
    let client = token(w.addr, "ivanova", "ivanova-pass").await;
    assert_eq!(http_get(w.addr, &path, Some(&client)).await.0, 403);
    assert_eq!(http_get(w.addr, &path, None).await.0, 401);
}

#[tokio::test]
async fn s3_s5_the_holder_chooses_a_type_which_moves_no_deadline_and_reports_filter_by_it() {
    let w = world().await;
    levels(w.storage.as_ref(), w.line_a);
    let mut anna = subscribed(&w, "anna", "anna-pass").await;
    let mut vera = subscribed(&w, "vera", "vera-pass").await;
    let online = Action::SetPresence {
        status: PresenceStatus::Available,
    };
    ack(&mut anna, "on", online).await;
    let mut ivanova = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    let ask = Action::ClientMessage {
        text: "Не проводится документ".into(),
    };
    assert!(matches!(
        submit(&mut ivanova, "ask", ask).await,
        ServerFrame::Ack { .. }
    ));
    // The client's appeal has no type when it is registered: "Default" (S5).
    let (appeal, level, reaction_due) = next_event(&mut anna, |e| match e {
        Event::SlaStarted {
            appeal,
            level,
            reaction_due_ms,
            ..
        } => Some((*appeal, level.clone(), *reaction_due_ms)),
        _ => None,
    })
    .await;
    assert_eq!(level, "Default");
    next_event(&mut anna, |e| match e {
        Event::AppealAssigned { appeal: a, .. } if *a == appeal => Some(()),
        _ => None,
    })
    .await;

    // Only the line's types, only by the holder.
    let (code, rule) = refusal(&mut anna, "t0", set_type(appeal, "Доработка")).await;
    assert_eq!(code, ErrorCode::Invalid);
    assert_eq!(rule.as_deref(), Some("appeal.unknown_type"));
    let (_, rule) = refusal(&mut vera, "v0", set_type(appeal, "Ошибка")).await;
    assert_eq!(rule.as_deref(), Some("appeal.not_holder"));
    // An appeal type longer than the wire allows is refused before anything is stored.
    let long = "я".repeat(linedesk_protocol::MAX_APPEAL_KIND_CHARS + 1);
    assert_eq!(
        refusal(&mut anna, "t1", set_type(appeal, &long)).await.0,
        ErrorCode::TooLong
    );

    // The holder says it is an error: recorded and said to the line, not to the client.
    ack(&mut anna, "t2", set_type(appeal, " Ошибка ")).await;
    let typed = next_event(&mut vera, |e| match e {
        Event::AppealTyped {
            appeal: a,
            appeal_type,
            by,
            ..
        } if *a == appeal => Some((appeal_type.clone(), *by)),
        _ => None,
    })
    .await;
    let anna_id = w
        .storage
        .account_by_login("anna")
        .expect("account")
        .expect("anna")
        .subject
        .id;
    assert_eq!(typed, ("Ошибка".to_string(), Some(anna_id)));

    // S3: the deadlines are the ones registration fixed. "Ошибки" (15 minutes) would have
    // applied had the type been known then; the appeal keeps "Default" and its due time.
    let anna_token = token(w.addr, "anna", "anna-pass").await;
    let sla = explained(w.addr, w.line_a, appeal, &anna_token).await;
    assert_eq!(sla.level, "Default");
    assert_eq!(sla.reaction.due_ms, reaction_due);
    assert_eq!(sla.facts.expect("facts").kind, "");

    // The SLA report counts the appeal under its type.
    let now = linedesk_server::app::now_ms();
    let report = |kind: &str| {
        format!(
            "/api/lines/{}/reports/sla?from_ms={}&to_ms={}&appeal_type={}",
            w.line_a,
            now - 3_600_000,
            now + 3_600_000,
            linedesk_protocol::encode_query_value(kind)
        )
    };
    let (status, body) = http_get(w.addr, &report("Ошибка"), Some(&anna_token)).await;
    assert_eq!(status, 200, "{body}");
    let errors: SlaReport = serde_json::from_value(body).expect("report");
    assert_eq!(errors.total.appeals, 1);
    let (_, body) = http_get(w.addr, &report("Консультация"), Some(&anna_token)).await;
    let consultations: SlaReport = serde_json::from_value(body).expect("report");
    assert_eq!(consultations.total.appeals, 0);

    // Choosing before finishing (the finish dialog): the type, then the finish; afterwards
    // the type of a finished appeal stays.
    ack(&mut anna, "t3", set_type(appeal, "Консультация")).await;
    let finish = Action::FinishAppeal {
        appeal,
        result: "Подсказали настройку".into(),
    };
    ack(&mut anna, "f", finish).await;
    assert_eq!(
        refusal(&mut anna, "t4", set_type(appeal, "Ошибка")).await.0,
        ErrorCode::Invalid
    );
    let (_, body) = http_get(w.addr, &report("Консультация"), Some(&anna_token)).await;
    let consultations: SlaReport = serde_json::from_value(body).expect("report");
    assert_eq!(consultations.total.appeals, 1);

    // A colleague's app replaying the line sees every choice, in order.
    let mut late = Client::signed_in(w.addr, "vera", "vera-pass").await;
    let replayed: Vec<(String, Option<u64>)> = common::events(&mut late, w.line_a, 0)
        .await
        .into_iter()
        .filter_map(|e| match e {
            Event::AppealTyped {
                appeal_type, by, ..
            } => Some((appeal_type, by)),
            _ => None,
        })
        .collect();
    assert_eq!(
        replayed,
        [
            ("Ошибка".to_string(), Some(anna_id)),
            ("Консультация".to_string(), Some(anna_id))
        ]
    );
    // The client never sees the line's internal typing.
    drop(ivanova);
    let mut ivanova = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    let seen = common::events(&mut ivanova, w.line_a, 0).await;
    assert!(!seen.iter().any(|e| matches!(e, Event::AppealTyped { .. })));
}

#[tokio::test]
async fn s5_a_type_given_at_registration_picks_the_level() {
    let w = world().await;
    levels(w.storage.as_ref(), w.line_a);
    let mut anna = subscribed(&w, "anna", "anna-pass").await;
    // A type the line does not have is refused at registration too.
    let unknown = Action::StartAppeal {
        line: w.line_a,
        client: w.client_a2,
        appeal_type: Some("Доработка".into()),
    };
    let (_, rule) = refusal(&mut anna, "s0", unknown).await;
    assert_eq!(rule.as_deref(), Some("appeal.unknown_type"));
    let start = Action::StartAppeal {
        line: w.line_a,
        client: w.client_a2,
        appeal_type: Some(" Ошибка ".into()),
    };
    ack(&mut anna, "s", start).await;
    let (appeal, level) = next_event(&mut anna, |e| match e {
        Event::SlaStarted { appeal, level, .. } => Some((*appeal, level.clone())),
        _ => None,
    })
    .await;
    // The first level whose conditions match the type: "Ошибки", not "Консультации".
    assert_eq!(level, "Ошибки");
    let typed = next_event(&mut anna, |e| match e {
        Event::AppealTyped {
            appeal: a,
            appeal_type,
            by,
            ..
        } if *a == appeal => Some((appeal_type.clone(), *by)),
        _ => None,
    })
    .await;
    assert_eq!(typed, ("Ошибка".to_string(), None));
    let anna_token = token(w.addr, "anna", "anna-pass").await;
    let sla = explained(w.addr, w.line_a, appeal, &anna_token).await;
    assert_eq!(sla.facts.expect("facts").kind, "Ошибка");
    // The same type again is no change: acknowledged, nothing appended.
    ack(&mut anna, "same", set_type(appeal, "Ошибка")).await;
    let mut late = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let typings = common::events(&mut late, w.line_a, 0)
        .await
        .into_iter()
        .filter(|e| matches!(e, Event::AppealTyped { .. }))
        .count();
    assert_eq!(typings, 1);
}
