//! Line administration from the app (issue 15, item 4) over the real server: the line-admin
//! role granted by the admin API, S1/S5 levels edited over HTTP with the calendar notation's
//! mistakes named (field, rule, item) and nothing stored, the preview of an appeal opened now
//! (S3, the domain's deadline), new levels applying to the next appeal at once while an open
//! one keeps its deadlines, and a line's admin refused on a line that is not theirs.

mod common;

use chrono::DateTime;
use common::{Client, WAIT, http, http_get, next_event, subscribed, token, world};
use linedesk_domain::sla::{SlaClock, parse_calendar, parse_duration};
use linedesk_protocol::line_admin::{AdminAccess, LevelCheck, LevelField, SlaLevels};
use linedesk_protocol::{Action, Event};
use linedesk_server::app::now_ms;

const MINUTE: i64 = 60_000;

fn id_of(w: &common::World, login: &str) -> u64 {
    w.storage
        .account_by_login(login)
        .expect("account")
        .expect(login)
        .subject
        .id
}

async fn grant(w: &common::World, line: u64, specialist: u64, on: bool) -> u16 {
    let root = token(w.addr, "root", "root-pass").await;
    let path = format!("/api/admin/lines/{line}/specialists/{specialist}/line-admin");
    let body = format!("{{\"line_admin\":{on}}}");
    http(w.addr, "PUT", &path, Some(&root), body.as_bytes())
        .await
        .0
}

fn draft(name: &str, calendar: &str, reaction: &str, resolution: &str) -> serde_json::Value {
    serde_json::json!({
        "name": name, "calendar": calendar, "reaction": reaction, "resolution": resolution
    })
}

/// The level of the `SlaStarted` of the next appeal `client` opens, and its reaction due.
async fn next_sla(anna: &mut Client, client: &mut Client, key: &str) -> (String, i64, i64) {
    let asked_at = now_ms();
    common::ack(
        client,
        key,
        Action::ClientMessage {
            text: "Не проходит обмен".into(),
        },
    )
    .await;
    let (level, due) = next_event(anna, |e| match e {
        Event::SlaStarted {
            level,
            reaction_due_ms,
            ..
        } => Some((level.clone(), *reaction_due_ms)),
        _ => None,
    })
    .await;
    (level, due, asked_at)
}

#[tokio::test]
async fn s1_s3_s5_a_line_admin_edits_the_levels_sees_notation_mistakes_and_the_preview() {
    let w = world().await;
    common::add_root(w.storage.as_ref());
    let anna = id_of(&w, "anna");
    assert_eq!(grant(&w, w.line_a, anna, true).await, 200);
    let tok = token(w.addr, "anna", "anna-pass").await;

    let (status, body) = http_get(w.addr, "/api/line-admin/lines", Some(&tok)).await;
    assert_eq!(status, 200, "{body}");
    let access: AdminAccess = serde_json::from_value(body).expect("access");
    assert_eq!(access.specialist, anna);
    assert_eq!(
        access.lines.iter().map(|l| l.line).collect::<Vec<_>>(),
        vec![w.line_a]
    );

    // The built-in "Default" reads back in the notation.
    let sla = format!("/api/lines/{}/admin/sla", w.line_a);
    let (status, body) = http_get(w.addr, &sla, Some(&tok)).await;
    assert_eq!(status, 200, "{body}");
    let stored: SlaLevels = serde_json::from_value(body).expect("levels");
    assert_eq!(stored.levels.len(), 1);
    assert_eq!(stored.levels[0].name, "Default");
    assert_eq!(stored.levels[0].calendar, "tz Europe/Moscow; Mon-Fri 09-18");

    // A mistake in the calendar is named by the domain's parser: field, rule and item.
    let check = format!("{sla}/check");
    let bad = draft("VIP", "tz Europe/Moscow; Mon-Fr 09-18", "30m", "4h");
    let (status, body) = http(
        w.addr,
        "POST",
        &check,
        Some(&tok),
        bad.to_string().as_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let checked: LevelCheck = serde_json::from_value(body).expect("check");
    let problem = checked.problem.expect("a problem");
    assert_eq!(problem.field, LevelField::Calendar);
    assert_eq!(problem.rule, "sla.notation");
    assert_eq!(problem.item.as_deref(), Some("Mon-Fr 09-18"));
    assert!(checked.preview.is_none());

    // Fixed: the preview is the domain's deadline for an appeal registered at the server's now.
    let calendar = "tz UTC; Mon-Sun 00-24";
    let good = draft("Default", calendar, "10m", "2h");
    let (status, body) = http(
        w.addr,
        "POST",
        &check,
        Some(&tok),
        good.to_string().as_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let checked: LevelCheck = serde_json::from_value(body).expect("check");
    assert!(checked.problem.is_none(), "{checked:?}");
    let preview = checked.preview.expect("a preview");
    assert!((preview.now_ms - now_ms()).abs() < 60_000);
    let level = linedesk_domain::sla::SupportLevel {
        name: "Default".into(),
        calendar: parse_calendar(calendar).expect("calendar"),
        reaction: parse_duration("10m").expect("10m"),
        resolution: parse_duration("2h").expect("2h"),
        conditions: Default::default(),
    };
    let at = DateTime::from_timestamp_millis(preview.now_ms).expect("instant");
    let clock = SlaClock::start(&level, at).expect("clock");
    assert_eq!(
        preview.reaction_due_ms,
        clock.deadlines().reaction_due().timestamp_millis()
    );
    assert_eq!(preview.resolution_due_ms, preview.now_ms + 120 * MINUTE);

    // An appeal opened under the old levels.
    let mut anna_ws = subscribed(&w, "anna", "anna-pass").await;
    let mut ivanova = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    let (old_level, old_due, _) = next_sla(&mut anna_ws, &mut ivanova, "old-1").await;
    assert_eq!(old_level, "Default");

    // A list with a mistake is refused whole, naming the level's place and field.
    let wrong =
        serde_json::json!({"levels": [draft("Default", "tz UTC; Mon-Sun 00-25", "10m", "2h")]});
    let (status, body) = http(
        w.addr,
        "PUT",
        &sla,
        Some(&tok),
        wrong.to_string().as_bytes(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "invalid");
    assert_eq!(body["field"], "levels.0.calendar");
    assert_eq!(body["rule"], "sla.notation");
    let no_default = serde_json::json!({"levels": [draft("VIP", calendar, "10m", "2h")]});
    let (status, body) = http(
        w.addr,
        "PUT",
        &sla,
        Some(&tok),
        no_default.to_string().as_bytes(),
    )
    .await;
    assert_eq!(
        (status, body["rule"].as_str()),
        (400, Some("sla.no_default_level"))
    );
    let (_, body) = http_get(w.addr, &sla, Some(&tok)).await;
    let unchanged: SlaLevels = serde_json::from_value(body).expect("levels");
    assert_eq!(unchanged, stored, "nothing stored");

    // Stored: the next appeal gets the new level at once; the open one keeps its deadlines.
    let mut vip = draft("VIP", "tz UTC; Mon-Sun 00-24", "5m", "1h");
    vip["conditions"] = serde_json::json!({"vip": true});
    let levels = serde_json::json!({"levels": [vip, draft("Default", calendar, "10m", "2h")]});
    let (status, body) = http(
        w.addr,
        "PUT",
        &sla,
        Some(&tok),
        levels.to_string().as_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let saved: SlaLevels = serde_json::from_value(body).expect("levels");
    assert_eq!(saved.levels.len(), 2);
    assert_eq!(saved.levels[1].reaction, "10m");
    assert_eq!(
        saved.levels[0].conditions.vip,
        Some(true),
        "conditions kept"
    );
    let mut sidorov = Client::signed_in(w.addr, "sidorov", "sidorov-pass").await;
    let (level, due, asked_at) = next_sla(&mut anna_ws, &mut sidorov, "new-1").await;
    assert_eq!(level, "Default", "the client is not a VIP");
    assert!(
        due >= asked_at + 10 * MINUTE && due <= now_ms() + 10 * MINUTE,
        "the new level's 10 minutes: {due}"
    );
    assert!(old_due > due, "the open appeal keeps its slower deadline");
    // The timer: the new appeal's deadline passes at +11 minutes, the old one's does not.
    let alerts = w
        .storage
        .due_alerts(now_ms() + 11 * MINUTE)
        .expect("alerts");
    let breached: Vec<u64> = alerts
        .iter()
        .filter_map(|e| match e.event {
            Event::SlaBreached { client, .. } => Some(client),
            _ => None,
        })
        .collect();
    assert!(breached.contains(&w.client_a2), "{alerts:?}");
    assert!(!breached.contains(&w.client_a), "{alerts:?}");
    let _ = WAIT;
}

#[tokio::test]
async fn a_line_admin_of_one_line_cannot_administer_another() {
    let w = world().await;
    common::add_root(w.storage.as_ref());
    let (anna, boris, vera) = (id_of(&w, "anna"), id_of(&w, "boris"), id_of(&w, "vera"));
    assert_eq!(grant(&w, w.line_a, anna, true).await, 200);
    assert_eq!(grant(&w, w.line_b, boris, true).await, 200);
    assert_eq!(
        grant(&w, w.line_a, boris, true).await,
        404,
        "boris does not serve A"
    );
    let boris_tok = token(w.addr, "boris", "boris-pass").await;
    let vera_tok = token(w.addr, "vera", "vera-pass").await;
    let sla_a = format!("/api/lines/{}/admin/sla", w.line_a);
    let levels = serde_json::json!({"levels": [draft("Default", "Mon-Sun 00-24", "1m", "2m")]});

    // Boris administers line B, not line A: forbidden both to read and to write.
    let (status, body) = http_get(w.addr, &sla_a, Some(&boris_tok)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
    let (status, _) = http(
        w.addr,
        "PUT",
        &sla_a,
        Some(&boris_tok),
        levels.to_string().as_bytes(),
    )
    .await;
    assert_eq!(status, 403);
    let check = format!("{sla_a}/check");
    let one = draft("Default", "Mon-Sun 00-24", "1m", "2m").to_string();
    let (status, _) = http(w.addr, "POST", &check, Some(&boris_tok), one.as_bytes()).await;
    assert_eq!(status, 403);
    // Vera serves line A without the role: the rule says why.
    let (status, body) = http_get(w.addr, &sla_a, Some(&vera_tok)).await;
    assert_eq!(status, 403);
    assert_eq!(body["rule"], "admin.not_line_admin");
    let (_, body) = http_get(w.addr, "/api/line-admin/lines", Some(&vera_tok)).await;
    let access: AdminAccess = serde_json::from_value(body).expect("access");
    assert!(access.lines.is_empty());
    assert_eq!(access.specialist, vera);
    // A client, and nobody: refused.
    let client = token(w.addr, "ivanova", "ivanova-pass").await;
    assert_eq!(http_get(w.addr, &sla_a, Some(&client)).await.0, 403);
    assert_eq!(http_get(w.addr, &sla_a, None).await.0, 401);
    // Nothing changed on line A; taken back, Anna is refused too.
    let (_, body) = http_get(
        w.addr,
        &sla_a,
        Some(&token(w.addr, "anna", "anna-pass").await),
    )
    .await;
    assert_eq!(body["levels"][0]["reaction"], "1h");
    assert_eq!(grant(&w, w.line_a, anna, false).await, 200);
    let anna_tok = token(w.addr, "anna", "anna-pass").await;
    assert_eq!(http_get(w.addr, &sla_a, Some(&anna_tok)).await.0, 403);
}
