//! The client's web widget over real sockets (no browser; `widget_browser.rs` drives Chromium):
//! the public line route, which web pages may call (the server's own origin, a line's sites
//! on the widget's public routes only, nobody else), the page's CSP per line, `embed.js` and the
//! hashed assets with their caching.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use linedesk_server::app::{Server, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::config::HttpPolicy;
use linedesk_server::session_limits::SessionLimits;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::Storage;
use linedesk_server::widget_policy::{WidgetLine, WidgetPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use common::WAIT;

const SHOP: &str = "https://shop.example.com";

struct Site {
    addr: SocketAddr,
    line: u64,
    other_line: u64,
    _dir: tempfile::TempDir,
}

/// Line 1 with a widget embeddable by [`SHOP`] and taking guests, line 2 without one, a client
/// of line 1 who signs in as `client-1`.
async fn site(widget: bool) -> Site {
    let dir = tempfile::tempdir().expect("dir");
    let storage = Arc::new(SqliteStorage::open(&dir.path().join("server.db")).expect("storage"));
    let line = storage.add_line("Линия <b>1</b>").expect("line");
    let other_line = storage.add_line("Линия 2").expect("line");
    let client = storage.add_client(line, "Иванова").expect("client");
    storage
        .set_client_login(
            client,
            "client-1",
            &hash_password("client-pass").expect("hash"),
        )
        .expect("login");
    let policy = if widget {
        WidgetPolicy::new([(
            line,
            WidgetLine {
                origins: vec![SHOP.into()],
                guests: true,
            },
        )])
        .expect("policy")
    } else {
        WidgetPolicy::default()
    };
    let server = Server::with_widget(
        storage,
        Duration::from_secs(60),
        HttpPolicy::default(),
        SessionLimits::default(),
        policy,
        linedesk_server::config::GuestPolicy::default(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(serve(listener, server));
    Site {
        addr,
        line,
        other_line,
        _dir: dir,
    }
}

/// One request with extra header lines: (status, head, body).
async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &str,
    body: &str,
) -> (u16, String, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut bytes = Vec::new();
    let _ = tokio::time::timeout(WAIT, stream.read_to_end(&mut bytes))
        .await
        .expect("in time");
    let text = String::from_utf8_lossy(&bytes).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    (status, head.to_ascii_lowercase(), body.to_string())
}

fn origin(o: &str) -> String {
    format!("Origin: {o}\r\n")
}

async fn login_from(addr: SocketAddr, headers: &str) -> u16 {
    let body = r#"{"login":"client-1","password":"client-pass"}"#;
    let headers = format!("Content-Type: application/json\r\n{headers}");
    request(addr, "POST", "/api/login", &headers, body).await.0
}

async fn upgrade_from(addr: SocketAddr, o: &str) -> u16 {
    let headers = format!(
        "{}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
        origin(o)
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!("GET /api/ws HTTP/1.1\r\nHost: {addr}\r\n{headers}\r\n");
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut bytes = vec![0u8; 1024];
    let n = tokio::time::timeout(WAIT, stream.read(&mut bytes))
        .await
        .expect("in time")
        .expect("read");
    String::from_utf8_lossy(&bytes[..n])
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status")
}

#[tokio::test]
async fn a_line_with_a_widget_describes_itself_publicly_and_others_are_404() {
    let s = site(true).await;
    let (status, _, body) = request(
        s.addr,
        "GET",
        &format!("/api/widget/lines/{}", s.line),
        "",
        "",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let info: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(
        info,
        serde_json::json!({"line": s.line, "name": "Линия <b>1</b>", "guests": true})
    );
    for line in [s.other_line, 999] {
        let (status, _, body) =
            request(s.addr, "GET", &format!("/api/widget/lines/{line}"), "", "").await;
        assert_eq!(status, 404, "{body}");
        assert!(body.contains("\"code\":\"invalid\""), "{body}");
    }
}

#[tokio::test]
async fn pages_reach_the_api_only_from_the_server_itself_or_a_line_site() {
    let s = site(true).await;
    let own = format!("http://{}", s.addr);
    // The widget's own page (served by this server): the whole API.
    assert_eq!(login_from(s.addr, &origin(&own)).await, 200);
    assert_eq!(upgrade_from(s.addr, &own).await, 101);
    // A line's site: the widget's public routes only.
    let info = format!("/api/widget/lines/{}", s.line);
    assert_eq!(
        request(s.addr, "GET", &info, &origin(SHOP), "").await.0,
        200
    );
    assert_eq!(login_from(s.addr, &origin(SHOP)).await, 403);
    assert_eq!(upgrade_from(s.addr, SHOP).await, 403);
    // Anybody else: nothing.
    let evil = "https://evil.example.com";
    assert_eq!(
        request(s.addr, "GET", &info, &origin(evil), "").await.0,
        403
    );
    assert_eq!(login_from(s.addr, &origin(evil)).await, 403);
    assert_eq!(upgrade_from(s.addr, evil).await, 403);
    // The same host on another port is another origin.
    let port = s.addr.port().wrapping_add(1);
    assert_eq!(
        login_from(s.addr, &origin(&format!("http://127.0.0.1:{port}"))).await,
        403
    );
    // Without Origin (the app, scripts): as before.
    assert_eq!(login_from(s.addr, "").await, 200);
}

#[tokio::test]
async fn without_a_widget_the_server_s_own_origin_is_a_page_like_any_other() {
    // The app's embedded server: a DNS-rebinding page has the server's host as its origin.
    let s = site(false).await;
    let own = format!("http://{}", s.addr);
    assert_eq!(login_from(s.addr, &origin(&own)).await, 403);
    assert_eq!(upgrade_from(s.addr, &own).await, 403);
}

/// The widget's build is embedded (`./dev.sh test` builds it first and sets this variable);
/// elsewhere a server compiled without it answers 503.
fn build_required() -> bool {
    std::env::var_os("LINEDESK_REQUIRE_WIDGET").is_some()
}

#[tokio::test]
async fn the_page_has_a_strict_policy_framed_only_by_the_line_s_sites() {
    let s = site(true).await;
    let built = linedesk_server::http::widget::widget_built();
    assert!(
        built || !build_required(),
        "LINEDESK_REQUIRE_WIDGET is set but the widget is not embedded: build ui/dist-widget"
    );
    let (status, head, body) =
        request(s.addr, "GET", &format!("/widget/?line={}", s.line), "", "").await;
    if !built {
        assert_eq!(status, 503);
        assert!(body.starts_with("widget_not_built"), "{body}");
        let (status, _, _) = request(s.addr, "GET", "/widget/embed.js", "", "").await;
        assert_eq!(status, 503);
        return;
    }
    assert_eq!(status, 200);
    assert!(
        head.contains("content-type: text/html; charset=utf-8"),
        "{head}"
    );
    let csp = head
        .lines()
        .find_map(|l| l.strip_prefix("content-security-policy: "))
        .expect("a CSP")
        .to_string();
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(csp.contains("connect-src 'self';"), "{csp}");
    assert!(!csp.contains("unsafe"), "{csp}");
    assert!(
        csp.ends_with(&format!("frame-ancestors 'self' {SHOP}")),
        "{csp}"
    );
    for query in [
        format!("line={}", s.other_line),
        "line=x".into(),
        String::new(),
    ] {
        let (status, head, _) = request(s.addr, "GET", &format!("/widget/?{query}"), "", "").await;
        assert_eq!(status, 200);
        assert!(head.contains("frame-ancestors 'none'"), "{query}: {head}");
    }

    let (status, head, body) = request(s.addr, "GET", "/widget/embed.js", "", "").await;
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/javascript"), "{head}");
    assert!(body.contains("data-line"));

    // The page names its hashed assets; each comes with its type, cached for good.
    let (_, _, page) = request(s.addr, "GET", "/widget/?line=1", "", "").await;
    let assets: Vec<&str> = page
        .split('"')
        .filter(|p| p.starts_with("/widget/assets/"))
        .collect();
    assert!(assets.iter().any(|a| a.ends_with(".js")), "{page}");
    assert!(assets.iter().any(|a| a.ends_with(".css")), "{page}");
    for asset in assets {
        let (status, head, _) = request(s.addr, "GET", asset, "", "").await;
        assert_eq!(status, 200, "{asset}");
        assert!(head.contains("immutable"), "{asset}: {head}");
        let kind = if asset.ends_with(".js") {
            "text/javascript"
        } else {
            "text/css"
        };
        assert!(head.contains(&format!("content-type: {kind}")), "{head}");
    }
    // Only the assets folder: never the page under another name, nothing outside.
    for path in [
        "/widget/widget.html",
        "/widget/assets/../widget.html",
        "/widget/assets/nope.js",
    ] {
        let (status, _, _) = request(s.addr, "GET", path, "", "").await;
        assert_eq!(status, 404, "{path}");
    }
}
