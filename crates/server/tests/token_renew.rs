//! `POST /api/token/renew` (issue 12): a token is traded for a new one before it expires; the
//! new one works over the WebSocket and HTTP after the old one's expiry, the old one is
//! revoked at once, and a token renews only once.

mod common;

use std::time::Duration;

use common::{Client, http, http_get, token, world};
use linedesk_protocol::{ErrorCode, Role, ServerFrame};
use linedesk_server::app::now_ms;
use linedesk_server::auth::new_token;
use linedesk_server::session_limits::SessionLimits;

/// The default lifetime of a token from `POST /api/login` or a renewal.
fn token_lifetime_ms() -> i64 {
    SessionLimits::default().token_lifetime_ms()
}
use linedesk_server::storage::Subject;

async fn renew(addr: std::net::SocketAddr, bearer: &str) -> (u16, serde_json::Value) {
    http(addr, "POST", "/api/token/renew", Some(bearer), b"").await
}

async fn hello(addr: std::net::SocketAddr, bearer: &str) -> ServerFrame {
    Client::connect(addr).await.hello(bearer).await
}

#[tokio::test]
async fn a_short_lived_token_is_renewed_before_it_expires_and_the_old_one_stops_working() {
    let w = world().await;
    let anna = w
        .storage
        .account_by_login("anna")
        .expect("storage")
        .expect("anna")
        .subject;
    // A token that lives two seconds, as a short token lifetime gives.
    let (short, hash) = new_token().expect("token");
    w.storage
        .save_token(&hash, anna, now_ms() + 2_000)
        .expect("save");
    assert!(matches!(
        hello(w.addr, &short).await,
        ServerFrame::Welcome { .. }
    ));

    let (status, body) = renew(w.addr, &short).await;
    assert_eq!(status, 200, "{body}");
    let renewed = body["token"].as_str().expect("token").to_string();
    let expires = body["expires_ms"].as_i64().expect("expires_ms");
    assert!(expires > now_ms() + token_lifetime_ms() - 60_000, "{body}");

    // The old one is revoked at once, and renews no more.
    assert!(matches!(
        hello(w.addr, &short).await,
        ServerFrame::Error {
            code: ErrorCode::Unauthenticated,
            ..
        }
    ));
    assert_eq!(renew(w.addr, &short).await.0, 401);

    // Past the old token's expiry, the new one still opens sessions and HTTP reads.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    match hello(w.addr, &renewed).await {
        ServerFrame::Welcome { role, id, .. } => {
            assert_eq!(Subject { role, id }, anna);
            assert_eq!(role, Role::Specialist);
        }
        other => panic!("{other:?}"),
    }
    let path = format!("/api/lines/{}/quick-replies", w.line_a);
    assert_eq!(http_get(w.addr, &path, Some(&renewed)).await.0, 200);
}

#[tokio::test]
async fn renewal_needs_a_live_token_and_login_says_when_its_token_expires() {
    let w = world().await;
    assert_eq!(
        http(w.addr, "POST", "/api/token/renew", None, b"").await.0,
        401
    );
    assert_eq!(renew(w.addr, "not-a-token").await.0, 401);
    // An expired token cannot be renewed.
    let anna = w
        .storage
        .account_by_login("anna")
        .expect("storage")
        .expect("anna")
        .subject;
    let (expired, hash) = new_token().expect("token");
    w.storage
        .save_token(&hash, anna, now_ms() - 1)
        .expect("save");
    assert_eq!(renew(w.addr, &expired).await.0, 401);

    let (status, body) = common::http_login(
        w.addr,
        &serde_json::json!({"login": "anna", "password": "anna-pass"}).to_string(),
    )
    .await;
    assert_eq!(status, 200);
    let expires = body["expires_ms"].as_i64().expect("expires_ms");
    let now = now_ms();
    assert!(
        (now + token_lifetime_ms() - 60_000..=now + token_lifetime_ms()).contains(&expires),
        "{body}"
    );
    // The login's token renews too.
    let login_token = token(w.addr, "anna", "anna-pass").await;
    assert_eq!(renew(w.addr, &login_token).await.0, 200);
}
