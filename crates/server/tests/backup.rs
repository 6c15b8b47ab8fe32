//! `linedesk-server backup` while the real server binary takes a burst of acknowledged
//! messages, then `restore` into a new data dir: a server on it holds every message
//! acknowledged before the backup began, in a gapless log; `restore` refuses a non-empty dir.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;

use common::Client;
use linedesk_protocol::{Action, ClientFrame, Event, ServerFrame};
use tokio::io::{AsyncBufReadExt, BufReader};

const BIN: &str = env!("CARGO_BIN_EXE_linedesk-server");
const WINDOW: usize = 20;
/// Messages acknowledged before the backup starts.
const BEFORE: usize = 150;
/// More messages sent while the backup runs, and after it finished.
const AFTER: usize = 150;

fn cli(args: &[&str]) -> std::process::Output {
    std::process::Command::new(BIN)
        .args(args)
        .output()
        .expect("run linedesk-server")
}

fn ok(args: &[&str]) -> String {
    let out = cli(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

async fn start(dir: &Path) -> (tokio::process::Child, std::net::SocketAddr) {
    let mut child = tokio::process::Command::new(BIN)
        .args(["serve", "--data-dir", &dir.display().to_string()])
        .args(["--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start the server");
    let stdout = child.stdout.take().expect("stdout");
    let first = tokio::time::timeout(common::WAIT, BufReader::new(stdout).lines().next_line())
        .await
        .expect("`listening on` in time")
        .expect("read");
    let addr = first
        .as_deref()
        .and_then(|l| l.strip_prefix("listening on "))
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("expected `listening on ADDR`, got {first:?}"));
    (child, addr)
}

fn text(i: usize) -> String {
    format!("сообщение {i}")
}

/// Send messages `from..to`, WINDOW in flight; returns the texts acknowledged.
async fn burst(c: &mut Client, from: usize, to: usize) -> BTreeSet<String> {
    let mut acked = BTreeSet::new();
    let mut sent = from;
    while sent < to {
        let end = (sent + WINDOW).min(to);
        for i in sent..end {
            let frame = ClientFrame::Submit {
                key: format!("m-{i:04}"),
                action: Action::SendMessage {
                    line: 1,
                    client: 1,
                    text: text(i),
                },
            };
            c.send(&frame).await;
        }
        for _ in sent..end {
            match c.reply().await {
                ServerFrame::Ack {
                    key,
                    duplicate: false,
                } => {
                    let i: usize = key[2..].parse().expect("key");
                    acked.insert(text(i));
                }
                other => panic!("expected an ack, got {other:?}"),
            }
        }
        sent = end;
    }
    acked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_a_burst_restores_every_action_acknowledged_before_it() {
    let tmp = tempfile::tempdir().expect("dir");
    let data = tmp.path().join("data");
    let d = data.display().to_string();
    assert_eq!(ok(&["add-line", "--data-dir", &d, "--name", "Линия"]), "1");
    assert_eq!(
        ok(&[
            "add-client",
            "--data-dir",
            &d,
            "--line",
            "1",
            "--name",
            "Клиент"
        ]),
        "1"
    );
    ok(&[
        "add-specialist",
        "--data-dir",
        &d,
        "--login",
        "anna",
        "--password",
        "p4ss",
        "--name",
        "Анна",
        "--lines",
        "1",
    ]);
    let (_server, addr) = start(&data).await;
    let mut c = Client::signed_in(addr, "anna", "p4ss").await;

    let before = burst(&mut c, 0, BEFORE).await;
    assert_eq!(before.len(), BEFORE);
    // The backup runs as its own process while the burst goes on.
    let file = tmp.path().join("linedesk.backup");
    let backup = tokio::process::Command::new(BIN)
        .args([
            "backup",
            "--data-dir",
            &d,
            "--to",
            &file.display().to_string(),
        ])
        .output();
    let (taken, during) = tokio::join!(backup, burst(&mut c, BEFORE, BEFORE + AFTER));
    let taken = taken.expect("run backup");
    assert!(
        taken.status.success(),
        "backup: {}",
        String::from_utf8_lossy(&taken.stderr)
    );
    assert_eq!(during.len(), AFTER);

    // A non-empty data dir is refused, and left as it was.
    let refused = cli(&[
        "restore",
        "--from",
        &file.display().to_string(),
        "--data-dir",
        &d,
    ]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("not empty"), "{said}");

    let restored = tmp.path().join("restored");
    let r = restored.display().to_string();
    ok(&[
        "restore",
        "--from",
        &file.display().to_string(),
        "--data-dir",
        &r,
    ]);
    let (_restored_server, addr) = start(&restored).await;
    let mut c = Client::signed_in(addr, "anna", "p4ss").await;
    c.send(&ClientFrame::Subscribe { line: 1, after: 0 }).await;
    let mut texts = BTreeSet::new();
    let mut last_seq = 0;
    loop {
        match c.recv().await {
            ServerFrame::Event { seq, event, .. } => {
                assert_eq!(seq, last_seq + 1, "a gapless log");
                last_seq = seq;
                if let Event::MessagePosted { text, .. } = event {
                    assert!(texts.insert(text.clone()), "{text} twice");
                }
            }
            ServerFrame::CaughtUp { .. } => break,
            other => panic!("{other:?}"),
        }
    }
    let missing: Vec<&String> = before.difference(&texts).collect();
    assert!(
        missing.is_empty(),
        "acknowledged before the backup but not restored: {missing:?}"
    );
    // A consistent cut: one session's actions commit in order, so the backup holds the
    // first n messages for some n (those before it, and a prefix of those during it).
    let n = texts.len();
    let prefix: BTreeSet<String> = (0..n).map(text).collect();
    assert_eq!(
        texts, prefix,
        "the restored messages are the first {n} sent"
    );
}
