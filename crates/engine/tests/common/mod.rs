//! What the engine's upload tests share: a line server's storage with connected calls and a
//! specialist's token, a short recording, and the real server on 127.0.0.1, plain or TLS.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use linedesk_endpoint::test_pki::TestPki;
use linedesk_protocol::{Action, Event};
use linedesk_server::app::{Server, now_ms, serve};
use linedesk_server::auth::{new_token, token_hash};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Storage, Subject};
use linedesk_server::tls::{serve_tls, server_config};
use linedesk_voice::recording::Recorder;

/// A line with Анна and a client, `calls` calls between them placed and answered, and a
/// token of Анна's.
pub struct Calls {
    pub storage: Arc<SqliteStorage>,
    pub line: u64,
    pub token: String,
}

pub fn calls(dir: &Path, calls: u64) -> Calls {
    let storage = Arc::new(SqliteStorage::open(&dir.join("server.db")).expect("storage"));
    let line = storage.add_line("Линия").expect("line");
    let client = storage.add_client(line, "Иванова").expect("client");
    let anna = storage.add_specialist("anna", "x", "Анна").expect("anna");
    storage.serve_line(anna, line, 0, 5).expect("serve");
    for call in 1..=calls {
        let place = Action::PlaceCall {
            line,
            client: Some(client),
        };
        storage
            .apply(
                Subject::specialist(anna),
                &format!("p{call}"),
                &place,
                now_ms(),
            )
            .expect("placed");
        storage
            .apply(
                Subject::client(client),
                &format!("a{call}"),
                &Action::AnswerCall { call },
                now_ms(),
            )
            .expect("answered");
        storage
            .apply(
                Subject::specialist(anna),
                &format!("h{call}"),
                &Action::HangUp {
                    call,
                    reason: linedesk_protocol::CallEndReason::HungUp,
                },
                now_ms(),
            )
            .expect("hung up");
    }
    let (token, hash) = new_token().expect("token");
    assert_eq!(hash, token_hash(&token));
    storage
        .save_token(&hash, Subject::specialist(anna), now_ms() + 3_600_000)
        .expect("token saved");
    Calls {
        storage,
        line,
        token,
    }
}

/// A one-second two-channel recording at `path`.
pub fn recording(path: &Path) -> PathBuf {
    let mut recorder = Recorder::create(path).expect("recorder");
    for _ in 0..50 {
        recorder.write(Some(&[0.1; 960]), None).expect("write");
    }
    recorder.finish().expect("finish");
    path.to_path_buf()
}

/// The real server over TLS on 127.0.0.1 with `pki`'s certificate.
pub async fn tls_server(storage: Arc<SqliteStorage>, pki: &TestPki) -> SocketAddr {
    let tls = server_config(&pki.cert, &pki.key).expect("tls");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { serve_tls(listener, Server::new(storage), tls).await });
    addr
}

/// The real server, plain, on 127.0.0.1.
pub async fn plain_server(storage: Arc<SqliteStorage>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(serve(listener, Server::new(storage)));
    addr
}

/// The calls whose recording the server has.
pub fn recorded(storage: &SqliteStorage, line: u64) -> Vec<u64> {
    storage
        .events_after(line, 0, 1000)
        .expect("log")
        .into_iter()
        .filter_map(|e| match e.event {
            Event::CallRecorded { call, .. } => Some(call),
            _ => None,
        })
        .collect()
}
