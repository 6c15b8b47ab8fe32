//! A real line server on 127.0.0.1 and real WebSocket sessions of its parties: the frames a
//! test waits for, and the call signals relayed straight into a [`Call`].
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use linedesk_call::Call;
use linedesk_protocol::{Action, ClientFrame, Event, PROTOCOL_VERSION, ServerFrame, SignalPayload};
use linedesk_server::app::{Server, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::Storage;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

pub const WAIT: Duration = Duration::from_secs(10);

pub struct World {
    pub addr: SocketAddr,
    pub line: u64,
    pub client: u64,
    pub anna: u64,
    _dir: tempfile::TempDir,
}

/// A line with Anna serving it and two clients who can sign in: `ivanova` and `sidorov`.
pub async fn world() -> World {
    let dir = tempfile::tempdir().expect("dir");
    let storage = Arc::new(SqliteStorage::open(&dir.path().join("server.db")).expect("storage"));
    let line = storage.add_line("Линия").expect("line");
    let client = storage.add_client(line, "Иванова").expect("client");
    let other = storage.add_client(line, "Сидоров").expect("client");
    let hash = |p: &str| hash_password(p).expect("hash");
    let anna = storage
        .add_specialist("anna", &hash("anna-pass"), "Анна")
        .expect("anna");
    storage.serve_line(anna, line, 0, 5).expect("serve");
    storage
        .set_client_login(client, "ivanova", &hash("ivanova-pass"))
        .expect("login");
    storage
        .set_client_login(other, "sidorov", &hash("sidorov-pass"))
        .expect("login");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { serve(listener, Server::new(storage)).await });
    World {
        addr,
        line,
        client,
        anna,
        _dir: dir,
    }
}

async fn token(addr: SocketAddr, login: &str, password: &str) -> String {
    let body = serde_json::json!({"login": login, "password": password}).to_string();
    let mut tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST /api/login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(head.as_bytes()).await.expect("write");
    let mut response = String::new();
    tcp.read_to_string(&mut response).await.expect("read");
    let json = response.split("\r\n\r\n").nth(1).unwrap_or("");
    let value: serde_json::Value = serde_json::from_str(json).expect("login answer");
    value["token"].as_str().expect("token").to_string()
}

/// One signed-in session: frames out, frames in, and the call signals kept apart.
pub struct Party {
    out: mpsc::UnboundedSender<ClientFrame>,
    frames: mpsc::UnboundedReceiver<ServerFrame>,
    pub signals: mpsc::UnboundedReceiver<(u64, SignalPayload)>,
    next_key: u64,
}

impl Party {
    /// Sign in and subscribe to `line` (its history is skipped).
    pub async fn join(addr: SocketAddr, login: &str, password: &str, line: u64) -> Party {
        let token = token(addr, login, password).await;
        let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/api/ws"))
            .await
            .expect("websocket");
        let (mut sink, mut stream) = ws.split();
        let (out, mut out_rx) = mpsc::unbounded_channel::<ClientFrame>();
        let (frames_tx, frames) = mpsc::unbounded_channel();
        let (signals_tx, signals) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(frame) = out_rx.recv().await {
                if sink
                    .send(Message::Text(frame.encode().into()))
                    .await
                    .is_err()
                {
                    return;
                }
            }
        });
        tokio::spawn(async move {
            while let Some(Ok(Message::Text(text))) = stream.next().await {
                match ServerFrame::decode(text.as_str()).expect("server frame") {
                    ServerFrame::Signal { call, payload, .. } => {
                        let _ = signals_tx.send((call, payload));
                    }
                    other => {
                        let _ = frames_tx.send(other);
                    }
                }
            }
        });
        let mut party = Party {
            out,
            frames,
            signals,
            next_key: 0,
        };
        party.send(ClientFrame::Hello {
            version: PROTOCOL_VERSION,
            token,
        });
        assert!(matches!(party.frame().await, ServerFrame::Welcome { .. }));
        party.send(ClientFrame::Subscribe { line, after: 0 });
        while !matches!(party.frame().await, ServerFrame::CaughtUp { .. }) {}
        party
    }

    pub fn send(&self, frame: ClientFrame) {
        self.out.send(frame).expect("session open");
    }

    pub async fn frame(&mut self) -> ServerFrame {
        tokio::time::timeout(WAIT, self.frames.recv())
            .await
            .expect("a frame in time")
            .expect("session open")
    }

    /// Submit `action` and wait for its answer (events in between are skipped): the key.
    pub async fn submit(&mut self, action: Action) -> (String, ServerFrame) {
        self.next_key += 1;
        let key = format!("k{}", self.next_key);
        self.send(ClientFrame::Submit {
            key: key.clone(),
            action,
        });
        loop {
            match self.frame().await {
                ServerFrame::Event { .. } | ServerFrame::CaughtUp { .. } => continue,
                answer => return (key, answer),
            }
        }
    }

    /// Submit `action`, which must be acknowledged: its key.
    pub async fn ack(&mut self, action: Action) -> String {
        match self.submit(action.clone()).await {
            (key, ServerFrame::Ack { .. }) => key,
            (_, other) => panic!("{action:?}: {other:?}"),
        }
    }

    /// The next event matching `pick`, skipping others.
    pub async fn event<T>(&mut self, mut pick: impl FnMut(&Event) -> Option<T>) -> T {
        loop {
            if let ServerFrame::Event { event, .. } = self.frame().await
                && let Some(found) = pick(&event)
            {
                return found;
            }
        }
    }

    /// The next relayed signal of `call`.
    pub async fn signal(&mut self, call: u64) -> SignalPayload {
        loop {
            let (c, payload) = tokio::time::timeout(WAIT, self.signals.recv())
                .await
                .expect("a signal in time")
                .expect("session open");
            if c == call {
                return payload;
            }
        }
    }

    /// Wire `peer` to this session for `call`: its signals go out through the server, and the
    /// ones relayed to this session go into it.
    pub fn attach(
        &mut self,
        call: u64,
        peer: &Arc<Call>,
        mut outgoing: mpsc::UnboundedReceiver<SignalPayload>,
    ) {
        let out = self.out.clone();
        tokio::spawn(async move {
            while let Some(payload) = outgoing.recv().await {
                if out.send(ClientFrame::Signal { call, payload }).is_err() {
                    return;
                }
            }
        });
        // From now on this session's signals belong to the peer.
        let mut incoming = std::mem::replace(&mut self.signals, mpsc::unbounded_channel().1);
        let peer = peer.clone();
        tokio::spawn(async move {
            while let Some((c, payload)) = incoming.recv().await {
                if c == call {
                    // A bad relayed signal is the peer's typed error; the test checks states.
                    let _ = peer.signal(payload).await;
                }
            }
        });
    }
}
