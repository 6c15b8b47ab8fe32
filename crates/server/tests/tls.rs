//! HTTPS and WSS on one port, with a certificate made in the test by a test CA.

mod common;

use common::{Client, Pki, exchange, pki, tls_connector, tls_stream};
use linedesk_protocol::{ClientFrame, ServerFrame};
use linedesk_server::app::Server;
use linedesk_server::config::ServerConfig;
use linedesk_server::tls::serve_tls;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The world's server, but over TLS, configured through a config file as an operator would.
async fn tls_world() -> (common::World, std::net::SocketAddr, Pki, tempfile::TempDir) {
    let w = common::world().await;
    let dir = tempfile::tempdir().expect("dir");
    let files = pki(dir.path());
    let file = dir.path().join("linedesk-server.toml");
    let text = "data_dir = \"data\"\nbind = \"127.0.0.1:0\"\n[tls]\ncert = \"cert.pem\"\nkey = \"key.pem\"\n";
    let config = ServerConfig::parse(&file, text).expect("config");
    let tls = config.tls.expect("tls");
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = Server::new(w.storage.clone());
    tokio::spawn(async move { serve_tls(listener, server, tls).await });
    (w, addr, files, dir)
}

async fn https_login(
    connector: &tokio_rustls::TlsConnector,
    addr: std::net::SocketAddr,
    login: &str,
    password: &str,
) -> (u16, serde_json::Value) {
    let stream = tls_stream(connector, addr).await;
    let body = serde_json::json!({"login": login, "password": password}).to_string();
    exchange(
        stream,
        &addr.to_string(),
        "POST",
        "/api/login",
        None,
        body.as_bytes(),
    )
    .await
}

#[tokio::test]
async fn https_login_and_a_wss_session_on_one_port() {
    let (w, addr, files, _dir) = tls_world().await;
    let connector = tls_connector(&files.ca_der);
    let (status, body) = https_login(&connector, addr, "anna", "anna-pass").await;
    assert_eq!(status, 200, "{body}");
    let token = body["token"].as_str().expect("token");
    let mut c = Client::connect_tls(addr, &connector).await;
    match c.hello(token).await {
        ServerFrame::Welcome { lines, .. } => assert_eq!(lines, vec![w.line_a]),
        other => panic!("{other:?}"),
    }
    c.send(&ClientFrame::Ping { id: 1 }).await;
    assert_eq!(c.reply().await, ServerFrame::Pong { id: 1 });
    let (status, _) = https_login(&connector, addr, "anna", "wrong").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_plain_http_client_to_the_tls_port_fails_cleanly_and_the_server_goes_on() {
    let (_w, addr, files, _dir) = tls_world().await;
    let connector = tls_connector(&files.ca_der);
    let mut c = Client::connect_tls(addr, &connector).await;
    for _ in 0..3 {
        let mut plain = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let request = format!(
            "POST /api/login HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
        );
        let _ = plain.write_all(request.as_bytes()).await;
        let mut answer = Vec::new();
        let read = tokio::time::timeout(common::WAIT, plain.read_to_end(&mut answer))
            .await
            .expect("the server hangs up, it does not hang");
        // Closed or reset, possibly after a TLS alert: never an HTTP answer.
        assert!(
            read.is_err() || !String::from_utf8_lossy(&answer).starts_with("HTTP/"),
            "{answer:?}"
        );
    }
    let refused = tokio_tungstenite::connect_async(format!("ws://{addr}/api/ws")).await;
    assert!(refused.is_err(), "ws:// to the TLS port");
    // A client that does not trust the server's CA is refused by its own TLS check.
    let stranger = tls_connector(&pki(tempfile::tempdir().expect("dir").path()).ca_der);
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let name = rustls::pki_types::ServerName::IpAddress(addr.ip().into());
    assert!(stranger.connect(name, tcp).await.is_err());
    // The server goes on: the open session and new logins work.
    c.send(&ClientFrame::Ping { id: 2 }).await;
    assert_eq!(c.recv().await, ServerFrame::Pong { id: 2 });
    assert_eq!(
        https_login(&connector, addr, "anna", "anna-pass").await.0,
        200
    );
}
