//! A real client for the server tests: HTTP login over TCP and a WebSocket session.
#![allow(dead_code)]

pub mod signalling;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use linedesk_protocol::{ClientFrame, PROTOCOL_VERSION, ServerFrame};
use linedesk_server::app::{Server, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::config::HttpPolicy;
use linedesk_server::session_limits::SessionLimits;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::Storage;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
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
    pub storage: Arc<dyn Storage>,
    pub dir: tempfile::TempDir,
    /// The PostgreSQL cluster the storage is on, when the tests run on PostgreSQL (dropped
    /// last: it stops the cluster).
    pub cluster: Option<linedesk_pgtest::Cluster>,
}

/// The environment variable that runs the wire tests on PostgreSQL: `postgres` (a throwaway
/// cluster per world); anything else, or nothing, is SQLite in a temporary folder.
pub const BACKEND_VAR: &str = "LINEDESK_TEST_BACKEND";

/// Whether the wire tests run on PostgreSQL ([`BACKEND_VAR`]).
pub fn on_postgres() -> bool {
    std::env::var(BACKEND_VAR).is_ok_and(|b| b == "postgres")
}

/// A new, empty server storage of the backend the tests run on ([`BACKEND_VAR`]).
pub fn test_storage(dir: &Path) -> (Arc<dyn Storage>, Option<linedesk_pgtest::Cluster>) {
    if on_postgres() {
        let cluster = linedesk_pgtest::Cluster::start().expect("a throwaway PostgreSQL cluster");
        let url = cluster.database("wire").expect("database");
        let storage = linedesk_server::postgres::PgStorage::open(&url).expect("storage");
        (Arc::new(storage), Some(cluster))
    } else {
        let storage = SqliteStorage::open(&dir.join("server.db")).expect("storage");
        (Arc::new(storage), None)
    }
}

/// Two lines, a client on each, `anna` serving line A and `boris` serving line B, a real
/// server on 127.0.0.1.
pub async fn world() -> World {
    world_with_grace(linedesk_server::presence::OFFLINE_GRACE).await
}

/// [`world`] with a chosen grace before a disconnected specialist goes Offline.
pub async fn world_with_grace(grace: Duration) -> World {
    world_built(grace, HttpPolicy::default(), SessionLimits::default())
        .await
        .0
}

/// [`world`] with a chosen grace and HTTP policy (deadlines, caps, origins).
pub async fn world_with(grace: Duration, policy: HttpPolicy) -> World {
    world_built(grace, policy, SessionLimits::default()).await.0
}

/// [`world`] with a chosen grace and session limits, and the running server (for what only
/// the server itself announces, like `server.revoked`).
pub async fn world_with_limits(grace: Duration, limits: SessionLimits) -> (World, Arc<Server>) {
    world_built(grace, HttpPolicy::default(), limits).await
}

/// [`world`] with everything chosen, and the running server.
pub async fn world_built(
    grace: Duration,
    policy: HttpPolicy,
    limits: SessionLimits,
) -> (World, Arc<Server>) {
    world_served(move |storage| Server::built(storage, grace, policy, limits)).await
}

/// [`world`] served by the server `make` builds on its storage (widget lines, guests...).
pub async fn world_served(
    make: impl FnOnce(Arc<dyn Storage>) -> Arc<Server>,
) -> (World, Arc<Server>) {
    let dir = tempfile::tempdir().expect("dir");
    let (storage, cluster) = test_storage(dir.path());
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
    let server = make(storage.clone());
    let serving = server.clone();
    tokio::spawn(async move { serve(listener, serving).await });
    let world = World {
        addr,
        line_a,
        line_b,
        client_a,
        client_b,
        client_a2,
        storage,
        dir,
        cluster,
    };
    (world, server)
}

/// `POST /api/login` over a plain TCP connection: (status, JSON body).
pub async fn http_login(addr: SocketAddr, body: &str) -> (u16, serde_json::Value) {
    http(addr, "POST", "/api/login", None, body.as_bytes()).await
}

/// One HTTP/1.1 request over a plain TCP connection: (status, JSON body or null).
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: &[u8],
) -> (u16, serde_json::Value) {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    exchange(stream, &addr.to_string(), method, path, bearer, body).await
}

/// One HTTP/1.1 request over any stream (TCP or TLS): (status, JSON body or null).
pub async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    host: &str,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: &[u8],
) -> (u16, serde_json::Value) {
    let auth = bearer.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    stream.write_all(body).await.expect("write");
    let mut bytes = Vec::new();
    // A TLS peer may close without close_notify after `Connection: close`: keep what came.
    let _ = tokio::time::timeout(WAIT, stream.read_to_end(&mut bytes))
        .await
        .expect("in time");
    let response = String::from_utf8_lossy(&bytes);
    let status: u16 = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {response:?}"));
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("");
    (
        status,
        serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
    )
}

/// Add an admin account `root` / `root-pass`.
pub fn add_root(storage: &dyn Storage) -> u64 {
    storage
        .add_admin("root", &hash_password("root-pass").expect("hash"))
        .expect("admin")
}

/// A test CA, a server certificate it signed for 127.0.0.1 and localhost, the server's key and
/// an unrelated key, as PEM files in `dir`.
pub struct Pki {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    pub other_key: PathBuf,
    pub ca_der: rustls::pki_types::CertificateDer<'static>,
}

pub fn pki(dir: &Path) -> Pki {
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Linedesk test CA");
    let ca =
        rcgen::CertifiedIssuer::self_signed(ca_params, rcgen::KeyPair::generate().expect("key"))
            .expect("ca");
    let params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .expect("params");
    let key = rcgen::KeyPair::generate().expect("key");
    let cert = params.signed_by(&key, &ca).expect("cert");
    let other = rcgen::KeyPair::generate().expect("key");
    let files = Pki {
        ca: dir.join("ca.pem"),
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
        other_key: dir.join("other-key.pem"),
        ca_der: ca.der().clone(),
    };
    std::fs::write(&files.ca, ca.pem()).expect("write");
    std::fs::write(&files.cert, cert.pem()).expect("write");
    std::fs::write(&files.key, key.serialize_pem()).expect("write");
    std::fs::write(&files.other_key, other.serialize_pem()).expect("write");
    files
}

/// A TLS client that trusts only `ca`.
pub fn tls_connector(
    ca: &rustls::pki_types::CertificateDer<'static>,
) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.clone()).expect("ca");
    let config = rustls::ClientConfig::builder_with_provider(linedesk_server::tls::provider())
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

/// A TLS connection to `addr`, checked against the name 127.0.0.1.
pub async fn tls_stream(
    connector: &tokio_rustls::TlsConnector,
    addr: SocketAddr,
) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let name = rustls::pki_types::ServerName::IpAddress(addr.ip().into());
    tokio::time::timeout(WAIT, connector.connect(name, tcp))
        .await
        .expect("in time")
        .expect("tls handshake")
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

/// A plain or a TLS stream.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

pub struct Client {
    ws: tokio_tungstenite::WebSocketStream<Box<dyn Io>>,
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> Client {
        let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
        Client::over(format!("ws://{addr}/api/ws"), Box::new(tcp)).await
    }

    /// A WebSocket over TLS (wss) to `addr`.
    pub async fn connect_tls(addr: SocketAddr, connector: &tokio_rustls::TlsConnector) -> Client {
        let tls = tls_stream(connector, addr).await;
        Client::over(format!("wss://{addr}/api/ws"), Box::new(tls)).await
    }

    async fn over(url: String, stream: Box<dyn Io>) -> Client {
        let (ws, _) = tokio_tungstenite::client_async(url, stream)
            .await
            .expect("websocket");
        Client { ws }
    }

    /// Say hello with `token`: the answer (Welcome or an error).
    pub async fn hello(&mut self, token: &str) -> ServerFrame {
        self.send(&ClientFrame::Hello {
            version: PROTOCOL_VERSION,
            token: token.to_string(),
        })
        .await;
        self.recv().await
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

    /// The frames until the server closes the connection; panics when it stays open for [`WAIT`].
    pub async fn until_closed(&mut self) -> Vec<ServerFrame> {
        let mut frames = Vec::new();
        loop {
            let message = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("the server closes the connection in time");
            match message {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return frames,
                Some(Ok(Message::Text(text))) => {
                    frames.push(ServerFrame::decode(text.as_str()).expect("server frame"));
                }
                Some(Ok(_)) => {}
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

/// Submit `action` under `key`; it must be acknowledged.
pub async fn ack(c: &mut Client, key: &str, action: linedesk_protocol::Action) {
    match submit(c, key, action).await {
        ServerFrame::Ack { .. } => {}
        other => panic!("{key}: {other:?}"),
    }
}

/// Submit `action` under `key`; it must be refused: the error code.
pub async fn refused(
    c: &mut Client,
    key: &str,
    action: linedesk_protocol::Action,
) -> linedesk_protocol::ErrorCode {
    match submit(c, key, action).await {
        ServerFrame::Error { code, .. } => code,
        other => panic!("{key}: expected an error, got {other:?}"),
    }
}

/// The next live event matching `pick`, skipping the others.
pub async fn next_event<T>(
    c: &mut Client,
    mut pick: impl FnMut(&linedesk_protocol::Event) -> Option<T>,
) -> T {
    loop {
        if let ServerFrame::Event { event, .. } = c.recv().await
            && let Some(found) = pick(&event)
        {
            return found;
        }
    }
}

/// `login` signed in and caught up on line A of `w`.
pub async fn subscribed(w: &World, login: &str, password: &str) -> Client {
    let mut c = Client::signed_in(w.addr, login, password).await;
    events(&mut c, w.line_a, 0).await;
    c
}

/// One raw HTTP/1.1 exchange with a body of `content_type` (none: no such header):
/// (status, head, body bytes). For bodies that are not JSON, and answers that are not either.
pub async fn raw_http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let kind = content_type.map_or(String::new(), |t| format!("Content-Type: {t}\r\n"));
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}{kind}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    // The server may answer (a refusal, 413) and close before reading the whole body.
    let _ = stream.write_all(body).await;
    let mut bytes = Vec::new();
    let _ = tokio::time::timeout(WAIT, stream.read_to_end(&mut bytes))
        .await
        .expect("in time");
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("head");
    let head = String::from_utf8_lossy(&bytes[..split]).to_string();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    (status, head, bytes[split + 4..].to_vec())
}
