//! The SLA engine explains itself over the real server (issue 15): `GET
//! /api/lines/{line}/appeals/{appeal}/sla` answers which level applies and why (S5: each
//! level tried, the first condition that failed), the working-time segments of both deadlines
//! across a lunch break and a weekend (S1-S3), the waits (S4) and, while the appeal waits,
//! what the resolution deadline becomes if the client answers now; who may ask.
//!
//! A past appeal is applied through the server's storage at chosen instants (Friday
//! 2026-11-27 16:00 Moscow time, waited Monday 10:00-11:30); a live one goes over the
//! WebSocket and its what-if is checked against the deadline the client's answer gives.

mod common;

use common::{Client, ack, http_get, next_event, token, world};
use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::sla_explain::AppealSla;
use linedesk_protocol::{Action, Event};
use linedesk_server::auth::hash_password;
use linedesk_server::sla_file::parse_levels;
use linedesk_server::storage::{Applied, Storage, StoredClient, Subject};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
/// Friday 2026-11-27 16:00 in Moscow (13:00 UTC).
const FRI_16: i64 = 1_795_784_400_000;
/// Monday 2026-11-30 10:00 in Moscow.
const MON_10: i64 = FRI_16 + 2 * 24 * HOUR + 18 * HOUR;

const LEVELS: &str = r#"
[[level]]
name = "VIP"
calendar = "tz Europe/Moscow; Mon-Sun 00-24"
reaction = "15m"
resolution = "2h"
conditions = { vip = true }

[[level]]
name = "Trial"
calendar = "tz UTC; Mon-Sun 00-24"
reaction = "10m"
resolution = "2h"
conditions = { client_statuses = ["trial"] }

[[level]]
name = "Calls"
calendar = "tz Europe/Moscow; Mon-Fri 09-18"
reaction = "5m"
resolution = "1h"
conditions = { channels = ["call"] }

[[level]]
name = "Default"
calendar = "tz Europe/Moscow; Mon-Fri 09-13,14-18"
reaction = "2h"
resolution = "10h"
"#;

fn done(s: &dyn Storage, who: Subject, key: &str, action: Action, at: i64) -> Vec<Event> {
    match s.apply(who, key, &action, at) {
        Ok(Applied::Done(events)) => events.into_iter().map(|e| e.event).collect(),
        other => panic!("{key}: {other:?}"),
    }
}

fn opened(events: &[Event]) -> u64 {
    events
        .iter()
        .find_map(|e| match e {
            Event::AppealOpened { appeal, .. } => Some(*appeal),
            _ => None,
        })
        .expect("an appeal opened")
}

async fn sla(addr: std::net::SocketAddr, line: u64, appeal: u64, token: &str) -> AppealSla {
    let (status, body) = http_get(
        addr,
        &format!("/api/lines/{line}/appeals/{appeal}/sla"),
        Some(token),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).expect("an AppealSla")
}

#[tokio::test]
async fn s1_s4_s5_an_appeal_explained_with_its_level_segments_and_waits() {
    let w = world().await;
    let s: &dyn Storage = w.storage.as_ref();
    s.set_sla_levels(
        w.line_a,
        &parse_levels("levels.toml", LEVELS).expect("levels").set,
    )
    .expect("levels");
    let anna = s
        .account_by_login("anna")
        .expect("account")
        .expect("anna")
        .subject;
    let available = Action::SetPresence {
        status: PresenceStatus::Available,
    };
    done(s, anna, "on", available, FRI_16 - HOUR);
    let appeal = opened(&done(
        s,
        Subject::client(w.client_a),
        "ask",
        Action::ClientMessage {
            text: "Не открывается отчёт".into(),
        },
        FRI_16,
    ));
    let say = Action::SendMessage {
        line: w.line_a,
        client: w.client_a,
        text: "Смотрю".into(),
    };
    done(s, anna, "say", say, FRI_16 + 20 * MINUTE);
    done(s, anna, "wait", Action::WaitForClient { appeal }, MON_10);
    let back = Action::ClientMessage {
        text: "Вот скриншот".into(),
    };
    done(
        s,
        Subject::client(w.client_a),
        "back",
        back,
        MON_10 + 90 * MINUTE,
    );

    let anna_token = token(w.addr, "anna", "anna-pass").await;
    let e = sla(w.addr, w.line_a, appeal, &anna_token).await;
    assert_eq!(e.level, "Default");
    assert_eq!(e.calendar, "tz Europe/Moscow; Mon-Fri 09-13,14-18");
    assert_eq!(e.registered_ms, FRI_16);
    // S5: VIP failed on vip, Trial on the client status, Calls on the channel: Default.
    let facts = e.facts.as_ref().expect("facts kept");
    assert_eq!((facts.kind.as_str(), facts.vip), ("", false));
    let selection = e.selection.as_ref().expect("selection");
    assert!(selection.by_default);
    let first_failed: Vec<(String, String, String)> = selection
        .trials
        .iter()
        .map(|t| {
            let c = t.checks.iter().find(|c| !c.holds).expect("a failing check");
            let field = serde_json::to_value(c.field).expect("field");
            (
                t.level.clone(),
                field.as_str().unwrap_or_default().to_string(),
                c.actual.clone(),
            )
        })
        .collect();
    let expected = [
        ("VIP", "vip", "false"),
        ("Trial", "client_status", ""),
        ("Calls", "channel", "message"),
    ]
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()));
    assert_eq!(first_failed, expected);

    // S2: the reaction: 2 working hours, Friday 16:00-18:00, met at 16:20.
    assert_eq!(e.reaction.budget_ms, 2 * HOUR);
    assert_eq!(e.reaction.due_ms, FRI_16 + 2 * HOUR);
    assert_eq!(e.reaction.reached_ms, Some(FRI_16 + 20 * MINUTE));
    assert_eq!(e.reaction.used_ms, 20 * MINUTE);
    let spans = |d: &linedesk_protocol::sla_explain::SlaDeadlineExplained| {
        d.segments
            .iter()
            .map(|s| {
                let kind = serde_json::to_value(s.kind).expect("kind");
                (
                    s.from_ms,
                    s.to_ms,
                    kind.as_str().unwrap_or_default().to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        spans(&e.reaction),
        [(FRI_16, FRI_16 + 2 * HOUR, "counted".to_string())]
    );
    // S1/S4: 10 working hours around the lunch break, over the weekend, the wait marked:
    // Fri 16-18, Mon 09-10, (10-11:30 waiting), 11:30-13, 14-18, Tue 09-10:30.
    let mon_9 = MON_10 - HOUR;
    let tue_9 = mon_9 + 24 * HOUR;
    let c = |from, to| (from, to, "counted".to_string());
    assert_eq!(
        spans(&e.resolution),
        [
            c(FRI_16, FRI_16 + 2 * HOUR),
            c(mon_9, MON_10),
            (MON_10, MON_10 + 90 * MINUTE, "waiting".to_string()),
            c(MON_10 + 90 * MINUTE, mon_9 + 4 * HOUR),
            c(mon_9 + 5 * HOUR, mon_9 + 9 * HOUR),
            c(tue_9, tue_9 + 90 * MINUTE),
        ]
    );
    assert_eq!(e.resolution.budget_ms, 10 * HOUR);
    assert_eq!(e.resolution.due_ms, tue_9 + 90 * MINUTE);
    assert_eq!(e.waits.len(), 1);
    assert_eq!(
        (e.waits[0].from_ms, e.waits[0].to_ms, e.waits[0].added_ms),
        (MON_10, Some(MON_10 + 90 * MINUTE), 90 * MINUTE)
    );
    assert!(e.what_if.is_none(), "it no longer waits");
    // Unresolved and long past its deadline at the server's `now`.
    let status = serde_json::to_value(e.resolution.status).expect("status");
    assert_eq!(status, "breached");

    // A colleague of the line sees it too.
    let vera = token(w.addr, "vera", "vera-pass").await;
    assert_eq!(sla(w.addr, w.line_a, appeal, &vera).await.level, "Default");
}

#[tokio::test]
async fn s4_the_what_if_is_the_deadline_the_clients_answer_gives() {
    let w = world().await;
    let s: &dyn Storage = w.storage.as_ref();
    s.set_sla_levels(
        w.line_a,
        &parse_levels("levels.toml", LEVELS).expect("levels").set,
    )
    .expect("levels");
    let trial = StoredClient {
        name: "Пробный".into(),
        work_status: Some("trial".into()),
        ..StoredClient::default()
    };
    s.import_clients(w.line_a, &[(2, trial)]).expect("import");
    let (client, _) = s
        .clients_of(w.line_a)
        .expect("clients")
        .into_iter()
        .find(|(_, c)| c.name == "Пробный")
        .expect("the trial client");
    s.set_client_login(client, "trial", &hash_password("trial-pass").expect("hash"))
        .expect("login");

    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    common::events(&mut anna, w.line_a, 0).await;
    let online = Action::SetPresence {
        status: PresenceStatus::Available,
    };
    ack(&mut anna, "on", online).await;
    let mut c = Client::signed_in(w.addr, "trial", "trial-pass").await;
    let ask = Action::ClientMessage {
        text: "Помогите".into(),
    };
    ack(&mut c, "ask", ask).await;
    let appeal = next_event(&mut anna, |e| match e {
        Event::SlaStarted { appeal, level, .. } if level == "Trial" => Some(*appeal),
        _ => None,
    })
    .await;
    ack(&mut anna, "wait", Action::WaitForClient { appeal }).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let anna_token = token(w.addr, "anna", "anna-pass").await;
    let e = sla(w.addr, w.line_a, appeal, &anna_token).await;
    assert_eq!(e.level, "Trial");
    let selection = e.selection.as_ref().expect("selection");
    assert!(!selection.by_default);
    assert!(
        selection
            .trials
            .last()
            .is_some_and(|t| t.matched && t.level == "Trial")
    );
    assert_eq!(
        serde_json::to_value(e.resolution.status).expect("status"),
        "paused"
    );
    let what_if = e.what_if.expect("a what-if while waiting");
    let wait = e.waits.last().expect("the running wait");
    assert_eq!(wait.to_ms, None);
    // Around the clock: the wait's working time is its wall time so far.
    assert_eq!(what_if.added_ms, what_if.answered_ms - wait.from_ms);
    assert_eq!(
        what_if.resolution_due_ms,
        e.registered_ms + 2 * HOUR + what_if.added_ms
    );
    assert_eq!(e.resolution.due_ms, what_if.resolution_due_ms);

    // The client answers a little later: the deadline is the what-if's, moved by that delay.
    let back = Action::ClientMessage {
        text: "Готово".into(),
    };
    ack(&mut c, "back", back).await;
    let moved = next_event(&mut anna, |e| match e {
        Event::AppealResumed {
            appeal: a,
            resolution_due_ms,
            ..
        } if *a == appeal => Some(*resolution_due_ms),
        _ => None,
    })
    .await
    .expect("a deadline");
    let later = moved - what_if.resolution_due_ms;
    assert!((0..10_000).contains(&later), "{later} ms after the what-if");
}

#[tokio::test]
async fn who_may_ask_for_an_appeals_sla() {
    let w = world().await;
    let s: &dyn Storage = w.storage.as_ref();
    let now = linedesk_server::app::now_ms();
    let ask = || Action::ClientMessage {
        text: "Вопрос".into(),
    };
    let on_a = opened(&done(s, Subject::client(w.client_a), "a", ask(), now));
    let on_b = opened(&done(s, Subject::client(w.client_b), "b", ask(), now));
    let path = |line: u64, appeal: u64| format!("/api/lines/{line}/appeals/{appeal}/sla");
    let anna = token(w.addr, "anna", "anna-pass").await;
    let boris = token(w.addr, "boris", "boris-pass").await;
    let ivanova = token(w.addr, "ivanova", "ivanova-pass").await;

    let status = |(s, _): (u16, serde_json::Value)| s;
    assert_eq!(
        status(http_get(w.addr, &path(w.line_a, on_a), None).await),
        401
    );
    let (code, body) = http_get(w.addr, &path(w.line_a, on_a), Some("not-a-token")).await;
    assert_eq!(
        (code, body["code"].as_str()),
        (401, Some("unauthenticated"))
    );
    // Boris serves line B only: line A's appeal is not his to see.
    let (code, body) = http_get(w.addr, &path(w.line_a, on_a), Some(&boris)).await;
    assert_eq!((code, body["code"].as_str()), (403, Some("forbidden")));
    // Nor may Anna see line B's, under either line.
    assert_eq!(
        status(http_get(w.addr, &path(w.line_b, on_b), Some(&anna)).await),
        403
    );
    let (code, body) = http_get(w.addr, &path(w.line_a, on_b), Some(&anna)).await;
    assert_eq!((code, body["code"].as_str()), (404, Some("invalid")));
    assert_eq!(
        status(http_get(w.addr, &path(w.line_a, 999_999), Some(&anna)).await),
        404
    );
    // A client is no specialist of the line.
    assert_eq!(
        status(http_get(w.addr, &path(w.line_a, on_a), Some(&ivanova)).await),
        403
    );
    // Each specialist sees their own line's.
    assert_eq!(sla(w.addr, w.line_a, on_a, &anna).await.appeal, on_a);
    assert_eq!(sla(w.addr, w.line_b, on_b, &boris).await.level, "Default");
}
