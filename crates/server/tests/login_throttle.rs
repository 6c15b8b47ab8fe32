//! Login throttling over real sockets: five failures lock a login from the address they came
//! from (and that address) with HTTP 429 `rate_limited`, even for the right password; a success
//! resets the count. `login_hardening.rs` shows that other addresses are not locked.

mod common;

use common::{http_login, world};

fn login(name: &str, password: &str) -> String {
    serde_json::json!({"login": name, "password": password}).to_string()
}

#[tokio::test]
async fn five_failed_logins_lock_the_login_even_for_the_right_password() {
    let w = world().await;
    for _ in 0..5 {
        let (status, body) = http_login(w.addr, &login("anna", "guess")).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("unauthenticated"))
        );
    }
    let (status, body) = http_login(w.addr, &login("anna", "anna-pass")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("rate_limited")),
        "{body}"
    );
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("try again in")),
        "{body}"
    );
    // The five failures all came from 127.0.0.1: the address is locked too.
    let (status, _) = http_login(w.addr, &login("vera", "vera-pass")).await;
    assert_eq!(status, 429);
    // The server goes on serving what needs no login.
    let (status, _) = common::http(w.addr, "GET", "/api/admin/lines", None, b"").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_success_resets_the_failure_count() {
    let w = world().await;
    for _ in 0..4 {
        assert_eq!(http_login(w.addr, &login("anna", "guess")).await.0, 401);
    }
    assert_eq!(http_login(w.addr, &login("anna", "anna-pass")).await.0, 200);
    for _ in 0..4 {
        assert_eq!(http_login(w.addr, &login("anna", "guess")).await.0, 401);
    }
    assert_eq!(http_login(w.addr, &login("anna", "anna-pass")).await.0, 200);
}
