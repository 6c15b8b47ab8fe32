//! A real client for the server tests: HTTP login over TCP and a WebSocket session.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use linedesk_protocol::{ClientFrame, PROTOCOL_VERSION, ServerFrame};
use linedesk_server::app::{Server, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::Storage;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

pub const WAIT: Duration = Duration::from_secs(10);

pub struct World {
    pub addr: SocketAddr,
    pub line_a: u64,
    pub line_b: u64,
    pub client_a: u64,
    pub client_b: u64,
    /// A second client of line A.
    pub client_a2: u64,
    pub storage: Arc<SqliteStorage>,
    _dir: tempfile::TempDir,
}

/// Two lines, a client on each, `anna` serving line A and `boris` serving line B, a real
/// server on 127.0.0.1.
pub async fn world() -> World {
    world_with_grace(linedesk_server::presence::OFFLINE_GRACE).await
}

/// [`world`] with a chosen grace before a disconnected specialist goes Offline.
pub async fn world_with_grace(grace: Duration) -> World {
    let dir = tempfile::tempdir().expect("dir");
    let storage = Arc::new(SqliteStorage::open(&dir.path().join("server.db")).expect("storage"));
    let line_a = storage.add_line("Линия А").expect("line");
    let line_b = storage.add_line("Линия Б").expect("line");
    let client_a = storage.add_client(line_a, "Иванова").expect("client");
    let client_b = storage.add_client(line_b, "Петров").expect("client");
    let anna = storage
        .add_specialist("anna", &hash_password("anna-pass").expect("hash"), "Анна")
        .expect("anna");
    storage.serve_line(anna, line_a, 0, 5).expect("serve");
    let boris = storage
        .add_specialist(
            "boris",
            &hash_password("boris-pass").expect("hash"),
            "Борис",
        )
        .expect("boris");
    storage.serve_line(boris, line_b, 0, 5).expect("serve");
    // Vera also serves line A, with a lower priority than Anna and room for one appeal.
    let vera = storage
        .add_specialist("vera", &hash_password("vera-pass").expect("hash"), "Вера")
        .expect("vera");
    storage.serve_line(vera, line_a, 0, 1).expect("serve");
    storage.serve_line(anna, line_a, 5, 5).expect("priority");
    let client_a2 = storage.add_client(line_a, "Сидоров").expect("client");
    storage
        .set_client_login(
            client_a,
            "ivanova",
            &hash_password("ivanova-pass").expect("hash"),
        )
        .expect("login");
    storage
        .set_client_login(
            client_a2,
            "sidorov",
            &hash_password("sidorov-pass").expect("hash"),
        )
        .expect("login");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = Server::with_offline_grace(storage.clone(), grace);
    tokio::spawn(async move { serve(listener, server).await });
    World {
        addr,
        line_a,
        line_b,
        client_a,
        client_b,
        client_a2,
        storage,
        _dir: dir,
    }
}

/// `POST /api/login` over a plain TCP connection: (status, JSON body).
pub async fn http_login(addr: SocketAddr, body: &str) -> (u16, serde_json::Value) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "POST /api/login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    tokio::time::timeout(WAIT, stream.read_to_string(&mut response))
        .await
        .expect("in time")
        .expect("read");
    let status: u16 = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("");
    (
        status,
        serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
    )
}

pub async fn token(addr: SocketAddr, login: &str, password: &str) -> String {
    let (status, body) = http_login(
        addr,
        &serde_json::json!({"login": login, "password": password}).to_string(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().expect("token").to_string()
}

pub struct Client {
    ws: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> Client {
        let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/api/ws"))
            .await
            .expect("websocket");
        Client { ws }
    }

    /// Connect, log in and say hello: the Welcome frame is consumed.
    pub async fn signed_in(addr: SocketAddr, login: &str, password: &str) -> Client {
        let token = token(addr, login, password).await;
        let mut c = Client::connect(addr).await;
        c.send(&ClientFrame::Hello {
            version: PROTOCOL_VERSION,
            token,
        })
        .await;
        match c.recv().await {
            ServerFrame::Welcome { .. } => c,
            other => panic!("expected welcome, got {other:?}"),
        }
    }

    pub async fn send(&mut self, frame: &ClientFrame) {
        self.raw(Message::Text(frame.encode().into())).await;
    }

    pub async fn raw(&mut self, message: Message) {
        self.ws.send(message).await.expect("send");
    }

    /// The next frame, or `None` when the connection is gone (e.g. the server was killed).
    pub async fn try_recv(&mut self) -> Option<ServerFrame> {
        loop {
            let message = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .ok()??
                .ok()?;
            match message {
                Message::Text(text) => return ServerFrame::decode(text.as_str()).ok(),
                Message::Ping(_) | Message::Pong(_) => continue,
                _ => return None,
            }
        }
    }

    /// The next answer to a request, skipping live events of subscribed lines.
    pub async fn reply(&mut self) -> ServerFrame {
        loop {
            match self.recv().await {
                ServerFrame::Event { .. } | ServerFrame::CaughtUp { .. } => continue,
                other => return other,
            }
        }
    }

    pub async fn recv(&mut self) -> ServerFrame {
        loop {
            let message = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("a frame in time");
            match message.expect("open").expect("frame") {
                Message::Text(text) => {
                    return ServerFrame::decode(text.as_str()).expect("server frame");
                }
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("unexpected {other:?}"),
            }
        }
    }
}

/// `GET path` with an optional bearer token over a plain TCP connection: (status, JSON body).
pub async fn http_get(
    addr: SocketAddr,
    path: &str,
    token: Option<&str>,
) -> (u16, serde_json::Value) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    tokio::time::timeout(WAIT, stream.read_to_string(&mut response))
        .await
        .expect("in time")
        .expect("read");
    let status: u16 = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("");
    (
        status,
        serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
    )
}

/// Percent-encode a query value (UTF-8 bytes outside unreserved characters).
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Submit `action` under `key` and return the answer (skipping live events).
pub async fn submit(c: &mut Client, key: &str, action: linedesk_protocol::Action) -> ServerFrame {
    c.send(&ClientFrame::Submit {
        key: key.to_string(),
        action,
    })
    .await;
    c.reply().await
}

/// The events of `line` after `after`, through a fresh subscription.
pub async fn events(c: &mut Client, line: u64, after: u64) -> Vec<linedesk_protocol::Event> {
    c.send(&ClientFrame::Subscribe { line, after }).await;
    let mut out = Vec::new();
    loop {
        match c.recv().await {
            ServerFrame::Event { event, .. } => out.push(event),
            ServerFrame::CaughtUp { .. } => return out,
            other => panic!("{other:?}"),
        }
    }
}
