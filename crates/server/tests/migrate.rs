//! Issue 17: `linedesk-server migrate --from-data-dir DIR --database postgres://...` with the
//! real binary. The demo world seeded into a data dir, more traffic (a client's message, a file
//! of the chat, a recorded call), migrated into a throwaway PostgreSQL database; then a server
//! on the data dir and one on the database: a client's and a specialist's replays, from cursor
//! 0 and from the middle of the log, are the same on both (same numbers, same events), signed
//! in with the same passwords. A second migrate into the database is refused; a path that is
//! no data dir too.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;

use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, CallEndReason, ClientFrame, Event, ServerFrame};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Applied, Storage};
use tokio::io::{AsyncBufReadExt, BufReader};

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_linedesk-server");
const SPECIALIST: &str = "smirnova";
const PASSWORD: &str = "demo-pass";

fn run(args: &[&str]) -> std::process::Output {
    std::process::Command::new(BIN)
        .args(args)
        .output()
        .expect("run linedesk-server")
}

fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

async fn serve(args: &[&str]) -> (tokio::process::Child, SocketAddr) {
    let mut child = tokio::process::Command::new(BIN)
        .arg("serve")
        .args(args)
        .args(["--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start the server");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = tokio::time::timeout(common::WAIT, lines.next_line())
        .await
        .expect("the server said where it listens in time")
        .expect("read");
    let addr = first
        .as_deref()
        .and_then(|l| l.strip_prefix("listening on "))
        .and_then(|a| a.parse().ok())
        .expect("`listening on ADDR`");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, addr)
}

fn applied(outcome: Result<Applied, linedesk_server::storage::StorageError>) -> Vec<Event> {
    match outcome {
        Ok(Applied::Done(events)) => events.into_iter().map(|e| e.event).collect(),
        other => panic!("{other:?}"),
    }
}

/// After the demo: client-1 writes, Смирнова sends a file, client-1 calls, she answers and
/// uploads the recording. The line and client-1's id.
fn traffic(dir: &Path) -> (u64, u64) {
    let s = SqliteStorage::open(&dir.join("server.db")).expect("the data dir");
    let now = linedesk_server::app::now_ms();
    let specialist = s
        .account_by_login(SPECIALIST)
        .expect("account")
        .expect("the demo specialist")
        .subject;
    let client = s
        .account_by_login("client-1")
        .expect("account")
        .expect("a demo client")
        .subject;
    let line = s.lines_of(client).expect("lines")[0];
    let available = Action::SetPresence {
        status: PresenceStatus::Available,
    };
    applied(s.apply(specialist, "mig-p", &available, now));
    let message = Action::ClientMessage {
        text: "Перед переездом: не печатает чек".into(),
    };
    applied(s.apply(client, "mig-m", &message, now));
    s.share_file(
        specialist,
        Some((line, client.id)),
        "инструкция.pdf",
        b"%PDF-1.4 instructions",
        None,
        now,
    )
    .expect("a file of the chat");
    let place = Action::PlaceCall { line, client: None };
    let call = applied(s.apply(client, "mig-c", &place, now))
        .into_iter()
        .find_map(|e| match e {
            Event::CallRinging { call, .. } => Some(call),
            _ => None,
        })
        .expect("the call rings");
    applied(s.apply(
        specialist,
        "mig-a",
        &Action::AnswerCall { call },
        now + 1_000,
    ));
    let hang = Action::HangUp {
        call,
        reason: CallEndReason::HungUp,
    };
    applied(s.apply(specialist, "mig-h", &hang, now + 31_000));
    s.save_recording(
        specialist,
        call,
        b"OggS recording",
        30_000,
        &[],
        now + 32_000,
    )
    .expect("the recording");
    (line, client.id)
}

/// (seq, event) of `line` after `after` up to `head`, as `login` replays it.
async fn replay(
    addr: SocketAddr,
    login: &str,
    password: &str,
    line: u64,
    after: u64,
    head: u64,
) -> Vec<(u64, Event)> {
    let mut c = common::Client::signed_in(addr, login, password).await;
    c.send(&ClientFrame::Subscribe { line, after }).await;
    let mut out = Vec::new();
    loop {
        match c.recv().await {
            ServerFrame::Event {
                line: l,
                seq,
                event,
                ..
            } if l == line => {
                if seq <= head {
                    out.push((seq, event));
                }
            }
            ServerFrame::CaughtUp { line: l, .. } if l == line => return out,
            ServerFrame::Event { .. } | ServerFrame::CaughtUp { .. } => {}
            other => panic!("{login}'s replay: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_server_migrated_to_postgres_replays_the_same() {
    let cluster = linedesk_pgtest::Cluster::start().expect("a throwaway PostgreSQL cluster");
    let url = cluster.database("migrated").expect("database");
    let data = tempfile::tempdir().expect("dir");
    let dir = data.path().display().to_string();
    ok(&["seed-demo", "--data-dir", &dir, "--password", PASSWORD]);
    let (line, _client) = traffic(data.path());
    // What both servers must replay: the log as it was migrated (a session may add presence
    // events later, on each server its own).
    let head = {
        let s = SqliteStorage::open(&data.path().join("server.db")).expect("the data dir");
        s.line_heads()
            .expect("heads")
            .into_iter()
            .find(|(l, _)| *l == line)
            .map(|(_, seq)| seq)
            .expect("the line's head")
    };

    let said = ok(&["migrate", "--from-data-dir", &dir, "--database", &url]);
    assert!(said.contains("events: "), "{said}");
    assert!(said.contains("call_recordings: 1"), "{said}");
    assert!(said.contains("files: 1"), "{said}");
    assert!(
        said.lines()
            .last()
            .is_some_and(|l| l.starts_with("copied ")),
        "{said}"
    );
    let again = run(&["migrate", "--from-data-dir", &dir, "--database", &url]);
    assert!(!again.status.success());
    let refusal = String::from_utf8_lossy(&again.stderr);
    assert!(refusal.contains("not empty"), "{refusal}");
    let nowhere = run(&[
        "migrate",
        "--from-data-dir",
        "/nonexistent",
        "--database",
        &url,
    ]);
    assert!(!nowhere.status.success());
    assert!(
        String::from_utf8_lossy(&nowhere.stderr).contains("not a line server's data dir"),
        "{}",
        String::from_utf8_lossy(&nowhere.stderr)
    );

    let (_sqlite, on_sqlite) = serve(&["--data-dir", &dir]).await;
    let (_postgres, on_postgres) = serve(&["--database", &url]).await;
    let middle = head / 2;
    for (login, password) in [(SPECIALIST, PASSWORD), ("client-1", "demo-client")] {
        for after in [0, middle] {
            let before = replay(on_sqlite, login, password, line, after, head).await;
            let migrated = replay(on_postgres, login, password, line, after, head).await;
            assert!(
                !before.is_empty(),
                "{login} replays something after {after}"
            );
            assert_eq!(
                migrated, before,
                "{login}'s replay after {after} is the same on PostgreSQL"
            );
        }
    }
    // The file and the recording came along: the last events of the specialist's replay name
    // them, and they are the same on both.
    let whole = replay(on_postgres, SPECIALIST, PASSWORD, line, 0, head).await;
    assert!(
        whole
            .iter()
            .any(|(_, e)| matches!(e, Event::CallRecorded { .. })),
        "the recording's event"
    );
    assert!(
        whole
            .iter()
            .any(|(_, e)| matches!(e, Event::FileShared { .. })),
        "the file's event"
    );
}
