//! kill -9 the real `linedesk-server` binary during a burst of messages and restart it:
//! nothing acknowledged is lost, nothing is duplicated.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;

use common::Client;
use linedesk_protocol::{Action, ClientFrame, ErrorCode, Event, ServerFrame};
use tokio::io::{AsyncBufReadExt, BufReader};

const BIN: &str = env!("CARGO_BIN_EXE_linedesk-server");
const TOTAL: usize = 300;
const WINDOW: usize = 50;

fn admin(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new(BIN)
        .args(args)
        .args(["--data-dir", &dir.display().to_string()])
        .output()
        .expect("run linedesk-server");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

async fn start(dir: &Path) -> (tokio::process::Child, std::net::SocketAddr) {
    let mut child = tokio::process::Command::new(BIN)
        .args([
            "serve",
            "--data-dir",
            &dir.display().to_string(),
            "--bind",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start the server");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = tokio::time::timeout(common::WAIT, lines.next_line())
        .await
        .expect("in time")
        .expect("read");
    let addr = first
        .as_deref()
        .and_then(|l| l.strip_prefix("listening on "))
        .and_then(|a| a.parse().ok())
        .expect("`listening on ADDR`");
    (child, addr)
}

fn message(i: usize) -> ClientFrame {
    ClientFrame::Submit {
        key: format!("burst-{i:04}"),
        action: Action::SendMessage {
            line: 1,
            client: 1,
            text: format!("сообщение {i}"),
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_burst_loses_nothing_acknowledged_and_duplicates_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    assert_eq!(admin(dir.path(), &["add-line", "--name", "Линия"]), "1");
    assert_eq!(
        admin(
            dir.path(),
            &["add-client", "--line", "1", "--name", "Клиент"]
        ),
        "1"
    );
    admin(
        dir.path(),
        &[
            "add-specialist",
            "--login",
            "anna",
            "--password",
            "p4ss",
            "--name",
            "Анна",
            "--lines",
            "1",
        ],
    );

    // Pipelined burst, WINDOW frames in flight; SIGKILL once a third is acknowledged.
    let (mut server, addr) = start(dir.path()).await;
    let mut c = Client::signed_in(addr, "anna", "p4ss").await;
    let mut acked = BTreeSet::new();
    let mut sent = 0;
    'burst: while sent < TOTAL {
        let window_end = (sent + WINDOW).min(TOTAL);
        for i in sent..window_end {
            c.send(&message(i)).await;
        }
        sent = window_end;
        for _ in 0..WINDOW {
            match c.try_recv().await {
                Some(ServerFrame::Ack {
                    key,
                    duplicate: false,
                }) => {
                    acked.insert(key);
                }
                Some(other) => panic!("unexpected {other:?}"),
                None => break 'burst,
            }
            // Mid-window, with frames still in flight.
            if acked.len() == TOTAL / 3 + 7 {
                server.start_kill().expect("kill -9");
                server.wait().await.expect("reaped");
                break 'burst;
            }
        }
    }
    assert!(
        acked.len() >= TOTAL / 3 && acked.len() < TOTAL,
        "killed mid-burst: {} acked",
        acked.len()
    );

    // Restart on the same data dir and resend everything with the same keys.
    let (_server, addr) = start(dir.path()).await;
    let mut c = Client::signed_in(addr, "anna", "p4ss").await;
    let mut i = 0;
    while i < TOTAL {
        c.send(&message(i)).await;
        match c.recv().await {
            ServerFrame::Ack { key, duplicate } => {
                if acked.contains(&key) {
                    assert!(
                        duplicate,
                        "{key} was acknowledged before the kill, so it must be stored"
                    );
                }
                i += 1;
            }
            ServerFrame::Error {
                code: ErrorCode::RateLimited,
                key,
                ..
            } => {
                assert_eq!(
                    key,
                    Some(format!("burst-{i:04}")),
                    "the limited action is named"
                );
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            other => panic!("{other:?}"),
        }
    }

    // The line holds each message exactly once, in a gapless sequence.
    c.send(&ClientFrame::Subscribe { line: 1, after: 0 }).await;
    let mut texts = Vec::new();
    let mut last_seq = 0;
    loop {
        match c.recv().await {
            ServerFrame::Event { seq, event, .. } => {
                assert_eq!(seq, last_seq + 1, "no gap");
                last_seq = seq;
                if let Event::MessagePosted { text, .. } = event {
                    texts.push(text);
                }
            }
            ServerFrame::CaughtUp { .. } => break,
            other => panic!("{other:?}"),
        }
    }
    let unique: BTreeSet<&String> = texts.iter().collect();
    assert_eq!(texts.len(), TOTAL, "every message once");
    assert_eq!(unique.len(), TOTAL, "no duplicates");
}
