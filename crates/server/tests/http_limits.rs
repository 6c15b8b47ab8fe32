//! The HTTP side's bounds, over the wire against the real server: tokens before bodies,
//! announced lengths before reading, deadlines for slow heads and bodies, and a cap on open
//! connections per address (plain and TLS).

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{Client, WAIT, pki, tls_connector, token};
use linedesk_protocol::{ClientFrame, MAX_FILE_BYTES, PROTOCOL_VERSION, ServerFrame};
use linedesk_server::app::Server;
use linedesk_server::config::HttpPolicy;
use linedesk_server::tls::{serve_tls, server_config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const FORTY_MIB: usize = 40 * 1024 * 1024;

/// Send only the head of a request announcing `length` body bytes; the answer's status and
/// head, which must come without the body being sent.
async fn head_only(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    length: usize,
) -> (u16, String) {
    head_only_typed(
        addr,
        method,
        path,
        token,
        "application/octet-stream",
        length,
    )
    .await
}

/// [`head_only`] with a chosen `Content-Type`.
async fn head_only_typed(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    length: usize,
) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: {content_type}\r\nContent-Length: {length}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    read_head(&mut stream).await
}

/// The status line's code and the head of the answer on `stream`.
async fn read_head(stream: &mut TcpStream) -> (u16, String) {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    let read = tokio::time::timeout(WAIT, async {
        while !bytes.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut chunk).await.expect("read");
            if n == 0 {
                break;
            }
            bytes.extend_from_slice(&chunk[..n]);
        }
    })
    .await;
    assert!(read.is_ok(), "no answer without the body");
    let head = String::from_utf8_lossy(&bytes).to_string();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    (status, head)
}

fn policy() -> HttpPolicy {
    HttpPolicy::default()
}

#[tokio::test]
async fn an_unauthenticated_upload_gets_its_401_from_the_head_alone() {
    let w = common::world_with(Duration::from_secs(60), policy()).await;
    let (a, c) = (w.line_a, w.client_a);
    for path in [
        "/api/calls/1/recording".to_string(),
        "/api/files?name=a.txt".to_string(),
        format!("/api/lines/{a}/clients/{c}/files?name=a.txt"),
        format!("/api/lines/{a}/kb/drafts"),
        format!("/api/admin/lines/{a}/clients/import"),
        "/api/admin/lines".to_string(),
        "/api/admin/specialists".to_string(),
        "/api/logout".to_string(),
    ] {
        let (status, head) = head_only(w.addr, "POST", &path, None, FORTY_MIB).await;
        assert_eq!(status, 401, "{path}: {head}");
        let (status, _) = head_only(w.addr, "POST", &path, Some("forged"), FORTY_MIB).await;
        assert_eq!(status, 401, "{path} with a forged token");
    }
}

#[tokio::test]
async fn an_announced_body_over_the_cap_gets_413_before_it_is_read() {
    let w = common::world_with(Duration::from_secs(60), policy()).await;
    common::add_root(w.storage.as_ref());
    let anna = token(w.addr, "anna", "anna-pass").await;
    let ivanova = token(w.addr, "ivanova", "ivanova-pass").await;
    let root = token(w.addr, "root", "root-pass").await;
    let (a, c) = (w.line_a, w.client_a);
    let cases = [
        (
            format!("/api/lines/{a}/clients/{c}/files?name=a.txt"),
            &anna,
            MAX_FILE_BYTES + 1,
        ),
        (
            "/api/files?name=a.txt".to_string(),
            &ivanova,
            MAX_FILE_BYTES + 1,
        ),
        ("/api/calls/1/recording".to_string(), &anna, FORTY_MIB * 2),
        (format!("/api/lines/{a}/kb/drafts"), &anna, 1024 * 1024),
        (
            format!("/api/admin/lines/{a}/clients/import"),
            &root,
            FORTY_MIB,
        ),
        ("/api/admin/lines".to_string(), &root, 1024 * 1024),
    ];
    for (path, token, length) in cases {
        let (status, head) = head_only(w.addr, "POST", &path, Some(token), length).await;
        assert_eq!(status, 413, "{path}: {head}");
    }
    let (status, head) = head_only_typed(
        w.addr,
        "POST",
        "/api/login",
        None,
        "application/json",
        FORTY_MIB,
    )
    .await;
    assert_eq!(status, 413, "a login: {head}");
}

#[tokio::test]
async fn a_slow_head_is_dropped() {
    let slow = HttpPolicy {
        header_timeout: Duration::from_secs(1),
        ..policy()
    };
    let w = common::world_with(Duration::from_secs(60), slow).await;
    let mut stream = TcpStream::connect(w.addr).await.expect("connect");
    stream
        .write_all(b"POST /api/login HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(WAIT, stream.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the server keeps a half-sent head open");
    assert!(
        !String::from_utf8_lossy(&rest).contains("200 OK"),
        "{rest:?}"
    );
}

#[tokio::test]
async fn a_slow_body_gets_408() {
    let slow = HttpPolicy {
        body_timeout: Duration::from_secs(1),
        ..policy()
    };
    let w = common::world_with(Duration::from_secs(60), slow).await;
    let anna = token(w.addr, "anna", "anna-pass").await;
    let mut stream = TcpStream::connect(w.addr).await.expect("connect");
    let path = format!(
        "/api/lines/{}/clients/{}/files?name=a.txt",
        w.line_a, w.client_a
    );
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {anna}\r\nContent-Length: 1000\r\n\r\nten bytes!"
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let (status, head) = read_head(&mut stream).await;
    assert_eq!(status, 408, "{head}");
}

/// Keep connecting until a request from this address is answered by the routes (not the
/// cap): the slots of closed connections are given back once the server sees them close.
async fn answered(addr: SocketAddr) -> u16 {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (status, _) = head_only(addr, "POST", "/api/logout", None, 0).await;
        if status != 429 || tokio::time::Instant::now() > deadline {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn session(addr: SocketAddr, token: &str) -> Client {
    let mut c = Client::connect(addr).await;
    c.send(&ClientFrame::Hello {
        version: PROTOCOL_VERSION,
        token: token.to_string(),
    })
    .await;
    assert!(matches!(c.recv().await, ServerFrame::Welcome { .. }));
    c
}

#[tokio::test]
async fn connections_per_address_are_capped_websockets_included() {
    let capped = HttpPolicy {
        max_connections_per_ip: 3,
        ..policy()
    };
    let w = common::world_with(Duration::from_secs(60), capped).await;
    let anna = token(w.addr, "anna", "anna-pass").await;
    let vera = token(w.addr, "vera", "vera-pass").await;
    // The logins' connections are closed; wait until their slots are free.
    assert_eq!(answered(w.addr).await, 401);
    let first = session(w.addr, &anna).await;
    let _second = session(w.addr, &vera).await;
    let _idle = TcpStream::connect(w.addr).await.expect("connect");
    let (status, head) = head_only(w.addr, "POST", "/api/logout", None, 0).await;
    assert_eq!(status, 429, "a fourth connection: {head}");
    assert!(head.contains("Retry-After"), "{head}");
    drop(first);
    assert_eq!(answered(w.addr).await, 401, "a slot is free again");
}

#[tokio::test]
async fn tls_connections_over_the_cap_are_closed_before_the_handshake() {
    let w = common::world().await;
    let dir = tempfile::tempdir().expect("dir");
    let files = pki(dir.path());
    let tls = server_config(&files.cert, &files.key).expect("tls");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let capped = HttpPolicy {
        max_connections_per_ip: 1,
        ..policy()
    };
    let server = Server::configured(w.storage.clone(), Duration::from_secs(60), capped);
    tokio::spawn(async move { serve_tls(listener, server, tls).await });
    let connector = tls_connector(&files.ca_der);
    let _first = common::tls_stream(&connector, addr).await;
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let name = rustls::pki_types::ServerName::IpAddress(addr.ip().into());
    let second = tokio::time::timeout(WAIT, connector.connect(name, tcp))
        .await
        .expect("in time");
    assert!(second.is_err(), "a second TLS connection from one address");
}
