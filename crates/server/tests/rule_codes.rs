//! Refusals say which rule refused them, over the wire: an action the line's rules refuse gets
//! an `Error` frame with the domain's rule code (`rule`), which the app translates; names the
//! admin gives (API) are held to the same limits as every other field (`too_long`).

mod common;

use common::{add_root, http, next_event, submit, subscribed, token, world};
use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, Event, MAX_NAME_CHARS, ServerFrame};

#[tokio::test]
async fn finishing_a_colleagues_appeal_is_refused_with_the_domains_rule_code() {
    let w = world().await;
    let mut anna = subscribed(&w, "anna", "anna-pass").await;
    let mut vera = subscribed(&w, "vera", "vera-pass").await;
    for (c, key) in [(&mut anna, "anna-on"), (&mut vera, "vera-on")] {
        common::ack(
            c,
            key,
            Action::SetPresence {
                status: PresenceStatus::Available,
            },
        )
        .await;
    }
    let mut ivanova = common::Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    common::ack(
        &mut ivanova,
        "hello-1",
        Action::ClientMessage {
            text: "Не проходит обмен".into(),
        },
    )
    .await;
    // Anna (the higher priority) holds it.
    let appeal = next_event(&mut anna, |e| match e {
        Event::AppealAssigned { appeal, .. } => Some(*appeal),
        _ => None,
    })
    .await;
    let frame = submit(
        &mut vera,
        "finish-1",
        Action::FinishAppeal {
            appeal,
            result: "Готово".into(),
        },
    )
    .await;
    match frame {
        ServerFrame::Error { key, rule, .. } => {
            assert_eq!(key.as_deref(), Some("finish-1"));
            assert_eq!(rule.as_deref(), Some("appeal.not_holder"));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // The holder finishes it; no rule is named on an acknowledgement.
    common::ack(
        &mut anna,
        "finish-2",
        Action::FinishAppeal {
            appeal,
            result: "Готово".into(),
        },
    )
    .await;
}

#[tokio::test]
async fn admin_names_over_their_limit_are_refused_as_too_long() {
    let w = world().await;
    add_root(w.storage.as_ref());
    let root = token(w.addr, "root", "root-pass").await;
    let long = "Л".repeat(MAX_NAME_CHARS + 1);
    let line = format!(r#"{{"name":"{long}"}}"#);
    let (status, body) = http(
        w.addr,
        "POST",
        "/api/admin/lines",
        Some(&root),
        line.as_bytes(),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("too_long")),
        "{body}"
    );
    let specialist =
        format!(r#"{{"login":"nina","password":"nina-pass","name":"{long}","lines":[]}}"#);
    let (status, body) = http(
        w.addr,
        "POST",
        "/api/admin/specialists",
        Some(&root),
        specialist.as_bytes(),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("too_long")),
        "{body}"
    );
    // At the limit, the line is made.
    let fits = format!(r#"{{"name":"{}"}}"#, "Л".repeat(MAX_NAME_CHARS));
    let (status, body) = http(
        w.addr,
        "POST",
        "/api/admin/lines",
        Some(&root),
        fits.as_bytes(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}
