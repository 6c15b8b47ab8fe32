//! K1 over real sockets: a web widget's guest signs in (`POST /api/widget/guest`), uses the
//! token on the WebSocket like any client, is limited per address, and is revoked by logout;
//! C8: a client's (a guest's) KB hints, one article, and "this article helped".

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Client, World, events, http, http_get, next_event, raw_http, submit, world_served};
use linedesk_protocol::{Action, ErrorCode, Event, MAX_GUEST_BODY_BYTES, Role, ServerFrame};
use linedesk_server::app::Server;
use linedesk_server::config::{GuestPolicy, HttpPolicy};
use linedesk_server::ip_buckets::BucketPolicy;
use linedesk_server::session_limits::SessionLimits;
use linedesk_server::storage::KbArticle;
use linedesk_server::widget_policy::{WidgetLine, WidgetPolicy};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The world of `common` where line A takes guests (line B has no widget), with `guests`
/// and `http`.
async fn widget_world(guests: GuestPolicy, http: HttpPolicy) -> (World, Arc<Server>) {
    world_served(move |storage| {
        // Line ids of `world`: A is the first line made.
        let widget = WidgetPolicy::new([(
            1,
            WidgetLine {
                origins: vec!["https://shop.example.com".into()],
                guests: true,
            },
        )])
        .expect("policy");
        Server::with_widget(
            storage,
            linedesk_server::presence::OFFLINE_GRACE,
            http,
            SessionLimits::default(),
            widget,
            guests,
        )
    })
    .await
}

async fn default_world() -> World {
    let (w, _) = widget_world(GuestPolicy::default(), HttpPolicy::default()).await;
    assert_eq!(w.line_a, 1, "the widget's line is line A");
    w
}

async fn post_guest(w: &World, body: Value) -> (u16, Value) {
    http(
        w.addr,
        "POST",
        "/api/widget/guest",
        None,
        body.to_string().as_bytes(),
    )
    .await
}

/// A guest of line A: the login answer.
async fn guest(w: &World, name: &str) -> Value {
    let (status, body) = post_guest(
        w,
        json!({"line": w.line_a, "name": name, "email": "m@example.ru"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn hello(w: &World, token: &str) -> (Client, ServerFrame) {
    let mut c = Client::connect(w.addr).await;
    let answer = c.hello(token).await;
    (c, answer)
}

#[tokio::test]
async fn a_guest_signs_in_writes_and_sees_only_their_own_conversation() {
    let w = default_world().await;
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    events(&mut anna, w.line_a, 0).await;
    // Another client of the line wrote before.
    let mut ivanova = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    let other = Action::ClientMessage {
        text: "Чужой вопрос".into(),
    };
    assert!(matches!(
        submit(&mut ivanova, "i1", other).await,
        ServerFrame::Ack { .. }
    ));

    let login = guest(&w, " Мария <script>alert(1)</script> ").await;
    assert_eq!(login["role"], "client");
    let id = login["id"].as_u64().expect("id");
    let token = login["token"].as_str().expect("token").to_string();
    let expires = login["expires_ms"].as_i64().expect("expires");
    let days = (expires - linedesk_server::app::now_ms()) as f64 / 86_400_000.0;
    assert!(
        (29.9..=30.0).contains(&days),
        "a guest's token lives 30 days: {days}"
    );
    // The line's specialists learn of the guest like of any client: a card marked guest.
    let card = next_event(&mut anna, |e| match e {
        Event::ClientUpserted { client, profile } if *client == id => Some(profile.clone()),
        _ => None,
    })
    .await;
    assert!(card.guest);
    assert_eq!(card.name, "Мария <script>alert(1)</script>", "kept as text");
    assert_eq!(card.email.as_deref(), Some("m@example.ru"));

    let (mut me, welcome) = hello(&w, &token).await;
    match welcome {
        ServerFrame::Welcome {
            role,
            id: who,
            lines,
            ..
        } => assert_eq!((role, who, lines), (Role::Client, id, vec![w.line_a])),
        other => panic!("{other:?}"),
    }
    let mine = Action::ClientMessage {
        text: "Здравствуйте, не печатается счёт".into(),
    };
    assert!(matches!(
        submit(&mut me, "g1", mine).await,
        ServerFrame::Ack { .. }
    ));
    let (from, text) = next_event(&mut anna, |e| match e {
        Event::MessagePosted { client, text, .. } if *client == id => Some((*client, text.clone())),
        _ => None,
    })
    .await;
    assert_eq!(
        (from, text.as_str()),
        (id, "Здравствуйте, не печатается счёт")
    );
    // The guest's replay holds their own conversation only.
    let seen = events(&mut me, w.line_a, 0).await;
    assert!(!seen.is_empty());
    for event in &seen {
        assert_eq!(event.client(), Some(id), "{event:?}");
    }
    // A renewed guest token lives as long as a new one (not a login's 12 hours).
    let (status, renewed) = http(w.addr, "POST", "/api/token/renew", Some(&token), b"").await;
    assert_eq!(status, 200, "{renewed}");
    let expires = renewed["expires_ms"].as_i64().expect("expires");
    let days = (expires - linedesk_server::app::now_ms()) as f64 / 86_400_000.0;
    assert!((29.9..=30.0).contains(&days), "renewed for 30 days: {days}");
    // No password opens a guest's account.
    let (status, _) = common::http_login(
        w.addr,
        &json!({"login": format!("guest-{id}"), "password": ""}).to_string(),
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_line_without_guests_refuses_them_and_bad_fields_are_named() {
    let w = default_world().await;
    let before = w
        .storage
        .events_after(w.line_b, 0, 1000)
        .expect("log")
        .len();
    for line in [w.line_b, 999] {
        let (status, body) = post_guest(
            &w,
            json!({"line": line, "name": "Мария", "email": "m@example.ru"}),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (403, Some("forbidden")),
            "{body}"
        );
    }
    assert_eq!(
        w.storage
            .events_after(w.line_b, 0, 1000)
            .expect("log")
            .len(),
        before
    );
    let long_name = "я".repeat(linedesk_protocol::card::NAME + 1);
    let cases = [
        (
            json!({"line": 1, "name": "  ", "email": "m@example.ru"}),
            400,
            "invalid",
            Some("name"),
        ),
        (
            json!({"line": 1, "name": "Мария"}),
            400,
            "invalid",
            Some("email"),
        ),
        (
            json!({"line": 1, "name": "Мария", "email": "nope"}),
            400,
            "invalid",
            Some("email"),
        ),
        (
            json!({"line": 1, "name": "Мария", "phone": "12"}),
            400,
            "invalid",
            Some("phone"),
        ),
        (
            json!({"line": 1, "name": long_name, "phone": "+7 912 345 67 89"}),
            400,
            "too_long",
            Some("name"),
        ),
        (
            json!({"line": 1, "name": "Мария", "email": "m@example.ru", "admin": true}),
            400,
            "bad_frame",
            None,
        ),
    ];
    for (body, status, code, field) in cases {
        let (got, answer) = post_guest(&w, body.clone()).await;
        assert_eq!(
            (got, answer["code"].as_str(), answer["field"].as_str()),
            (status, Some(code), field),
            "{body}: {answer}"
        );
    }
    // Not JSON: 415. A body announced over the cap: 413 before a byte of it is read.
    let (status, _, _) = raw_http(
        w.addr,
        "POST",
        "/api/widget/guest",
        None,
        Some("text/plain"),
        b"{}",
    )
    .await;
    assert_eq!(status, 415);
    let mut tcp = tokio::net::TcpStream::connect(w.addr)
        .await
        .expect("connect");
    let head = format!(
        "POST /api/widget/guest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        40 * 1024 * 1024
    );
    tcp.write_all(head.as_bytes()).await.expect("head");
    let mut answer = vec![0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut answer))
        .await
        .expect("answered without the body")
        .expect("read");
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    // Just over the cap, sent whole: refused as well.
    let padded = format!(
        "{{\"line\":1,\"name\":\"Мария\",\"email\":\"m@example.ru\",\"pad\":\"{}\"}}",
        " ".repeat(MAX_GUEST_BODY_BYTES)
    );
    let (status, _) = http(w.addr, "POST", "/api/widget/guest", None, padded.as_bytes()).await;
    assert_eq!(status, 413);
}

/// `POST /api/widget/guest` from `forwarded` (an `X-Forwarded-For` header): the status.
async fn guest_from(w: &World, forwarded: &str, n: usize) -> (u16, String) {
    let body = json!({"line": w.line_a, "name": format!("Гость {n}"), "phone": "+7 912 345 67 89"})
        .to_string();
    let mut tcp = tokio::net::TcpStream::connect(w.addr)
        .await
        .expect("connect");
    let head = format!(
        "POST /api/widget/guest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Forwarded-For: {forwarded}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(head.as_bytes()).await.expect("write");
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).await.expect("read");
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    (status, answer)
}

fn few_guests() -> GuestPolicy {
    GuestPolicy {
        per_ip: BucketPolicy {
            burst: 3,
            per_minute: 1,
        },
        ..GuestPolicy::default()
    }
}

#[tokio::test]
async fn one_address_cannot_make_many_guests_and_does_not_lock_out_another() {
    let behind_proxy = HttpPolicy {
        trusted_proxies: vec!["127.0.0.1".parse().expect("ip")],
        ..HttpPolicy::default()
    };
    let (w, _) = widget_world(few_guests(), behind_proxy).await;
    for n in 0..3 {
        assert_eq!(guest_from(&w, "203.0.113.5", n).await.0, 200, "the burst");
    }
    let (status, answer) = guest_from(&w, "203.0.113.5", 3).await;
    assert_eq!(status, 429, "{answer}");
    assert!(answer.contains("\"code\":\"rate_limited\""), "{answer}");
    let retry: u64 = answer
        .to_ascii_lowercase()
        .lines()
        .find_map(|l| {
            l.strip_prefix("retry-after: ")
                .map(str::trim)
                .and_then(|v| v.parse().ok())
        })
        .expect("Retry-After");
    assert!((1..=60).contains(&retry), "one a minute: {retry} s");
    // A forged address before the proxy's own entry does not help: the proxy appends the
    // client's real address last.
    let forged = guest_from(&w, "198.51.100.77, 203.0.113.5", 4).await.0;
    assert_eq!(forged, 429);
    // Another address is not touched.
    assert_eq!(guest_from(&w, "203.0.113.6", 5).await.0, 200);
    let clients = w.storage.clients_of(w.line_a).expect("clients");
    assert_eq!(clients.iter().filter(|(_, c)| c.guest).count(), 4);
}

#[tokio::test]
async fn without_a_trusted_proxy_the_forwarded_header_is_ignored() {
    let (w, _) = widget_world(few_guests(), HttpPolicy::default()).await;
    for n in 0..3 {
        let forwarded = format!("203.0.113.{n}");
        assert_eq!(guest_from(&w, &forwarded, n).await.0, 200);
    }
    assert_eq!(
        guest_from(&w, "203.0.113.99", 9).await.0,
        429,
        "the socket's address counts"
    );
}

#[tokio::test]
async fn a_guests_token_is_revoked_by_logout_and_by_the_admins_disable() {
    let w = default_world().await;
    let login = guest(&w, "Мария").await;
    let token = login["token"].as_str().expect("token").to_string();
    let (mut live, welcome) = hello(&w, &token).await;
    assert!(matches!(welcome, ServerFrame::Welcome { .. }));
    let (status, _) = http(w.addr, "POST", "/api/logout", Some(&token), b"").await;
    assert_eq!(status, 204);
    let closed = live.until_closed().await;
    assert!(
        closed.iter().any(|f| matches!(
            f,
            ServerFrame::Error {
                code: ErrorCode::Unauthenticated,
                ..
            }
        )),
        "{closed:?}"
    );
    let (_, again) = hello(&w, &token).await;
    assert!(
        matches!(
            again,
            ServerFrame::Error {
                code: ErrorCode::Unauthenticated,
                ..
            }
        ),
        "{again:?}"
    );
    // The admin disables the account `guest-<id>`: its other tokens go too.
    common::add_root(w.storage.as_ref());
    let root = common::token(w.addr, "root", "root-pass").await;
    let second = guest(&w, "Пётр").await;
    let id = second["id"].as_u64().expect("id");
    let token = second["token"].as_str().expect("token");
    let path = format!("/api/admin/accounts/guest-{id}/disable");
    let (status, body) = http(w.addr, "POST", &path, Some(&root), b"").await;
    assert_eq!(status, 200, "{body}");
    let (_, refused) = hello(&w, token).await;
    assert!(
        matches!(
            refused,
            ServerFrame::Error {
                code: ErrorCode::Unauthenticated,
                ..
            }
        ),
        "{refused:?}"
    );
}

fn article(title: &str, body: &str) -> KbArticle {
    KbArticle {
        id: 0,
        title: title.into(),
        body: body.into(),
    }
}

#[tokio::test]
async fn a_clients_kb_hints_come_from_their_line_only_and_an_article_that_helped_is_recorded() {
    let w = default_world().await;
    let mut ours: Vec<KbArticle> = (0..15)
        .map(|i| {
            article(
                &format!("Печать счёта {i}"),
                &"Откройте счёт и нажмите Печать. ".repeat(20),
            )
        })
        .collect();
    ours.push(article("Обмен с банком", "Загрузите выписку"));
    w.storage.import_kb(w.line_a, &ours).expect("kb");
    w.storage
        .import_kb(
            w.line_b,
            &[article("Печать счёта на линии Б", "секрет линии Б")],
        )
        .expect("kb");
    let login = guest(&w, "Мария").await;
    let token = login["token"].as_str().expect("token").to_string();
    let id = login["id"].as_u64().expect("id");

    let (status, hints) =
        http_get(w.addr, "/api/lines/1/kb?q=%D0%BF%D0%B5%D1%87", Some(&token)).await;
    assert_eq!(status, 200, "{hints}");
    let hints = hints.as_array().expect("hints");
    assert_eq!(
        hints.len(),
        linedesk_protocol::MAX_KB_HITS_FOR_CLIENTS as usize
    );
    for hint in hints {
        let title = hint["title"].as_str().expect("title");
        assert!(title.starts_with("Печать счёта "), "{title}");
        let excerpt = hint["excerpt"].as_str().expect("excerpt");
        assert!(excerpt.chars().count() <= 201, "an excerpt, not the body");
        assert!(hint.get("body").is_none());
    }
    let path = format!("/api/lines/{}/kb?q=x", w.line_b);
    let (status, _) = http_get(w.addr, &path, Some(&token)).await;
    assert_eq!(status, 403, "another line's KB");
    // One article, whole; another line's article is not there through this line.
    let first = hints[0]["id"].as_u64().expect("id");
    let (status, whole) = http_get(w.addr, &format!("/api/lines/1/kb/{first}"), Some(&token)).await;
    assert_eq!(status, 200, "{whole}");
    assert_eq!(
        whole["body"].as_str().map(str::len),
        Some(ours[0].body.len())
    );
    let theirs = w.storage.search_kb(w.line_b, "", 10).expect("kb")[0].id;
    let (status, _) = http_get(w.addr, &format!("/api/lines/1/kb/{theirs}"), Some(&token)).await;
    assert_eq!(status, 404);
    let (status, _) = http_get(w.addr, &format!("/api/lines/2/kb/{theirs}"), Some(&token)).await;
    assert_eq!(status, 403);
    // The specialist still gets whole articles.
    let anna = common::token(w.addr, "anna", "anna-pass").await;
    let (_, full) = http_get(w.addr, "/api/lines/1/kb?q=%D0%BF%D0%B5%D1%87", Some(&anna)).await;
    assert!(full[0]["body"].is_string(), "{full}");

    // The article answered the question: the specialists see it in the client's timeline.
    let mut specialist = Client::signed_in(w.addr, "anna", "anna-pass").await;
    events(&mut specialist, w.line_a, 0).await;
    let (mut me, _) = hello(&w, &token).await;
    let helped = Action::ArticleHelped {
        line: w.line_a,
        article: first,
    };
    assert!(matches!(
        submit(&mut me, "h1", helped).await,
        ServerFrame::Ack { .. }
    ));
    let (client, title) = next_event(&mut specialist, |e| match e {
        Event::ArticleHelped { client, title, .. } => Some((*client, title.clone())),
        _ => None,
    })
    .await;
    assert_eq!(
        (client, title.as_str()),
        (id, hints[0]["title"].as_str().unwrap_or_default())
    );
    let foreign = Action::ArticleHelped {
        line: w.line_a,
        article: theirs,
    };
    match submit(&mut me, "h2", foreign).await {
        ServerFrame::Error { code, .. } => assert_eq!(code, ErrorCode::Invalid),
        other => panic!("{other:?}"),
    }
}

/// `POST /api/login` from `forwarded` (an `X-Forwarded-For` header): the status.
async fn login_from(w: &World, forwarded: &str, password: &str) -> u16 {
    let body = json!({"login": "anna", "password": password}).to_string();
    let mut tcp = tokio::net::TcpStream::connect(w.addr)
        .await
        .expect("connect");
    let head = format!(
        "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Forwarded-For: {forwarded}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(head.as_bytes()).await.expect("write");
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).await.expect("read");
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status")
}

#[tokio::test]
async fn behind_a_trusted_proxy_login_failures_count_per_client_address() {
    let behind_proxy = HttpPolicy {
        trusted_proxies: vec!["127.0.0.1".parse().expect("ip")],
        ..HttpPolicy::default()
    };
    let (w, _) = widget_world(GuestPolicy::default(), behind_proxy).await;
    for _ in 0..5 {
        assert_eq!(login_from(&w, "203.0.113.5", "wrong").await, 401);
    }
    assert_eq!(
        login_from(&w, "203.0.113.5", "anna-pass").await,
        429,
        "that address is locked out"
    );
    assert_eq!(
        login_from(&w, "203.0.113.6", "anna-pass").await,
        200,
        "the owner behind the same proxy is not"
    );
}
