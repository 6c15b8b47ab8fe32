//! A5 with the real `linedesk-server` binary: the line's settings loaded with
//! `line-settings` (a bad file changes nothing), an overdue auto-finish fired by the running
//! timer, then kill -9 with another one armed; it falls due while the server is down and the
//! restarted server finishes it, once, and never the first one again.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use common::Client;
use linedesk_protocol::{Action, ClientFrame, Event, NO_CLIENT_REPLY, ServerFrame};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Applied, Storage, Subject};
use tokio::io::{AsyncBufReadExt, BufReader};

const BIN: &str = env!("CARGO_BIN_EXE_linedesk-server");
const MINUTE: i64 = 60_000;

fn admin(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = std::process::Command::new(BIN)
        .args(args)
        .args(["--data-dir", &dir.display().to_string()])
        .output()
        .expect("run linedesk-server");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
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
    let first = tokio::time::timeout(common::WAIT, BufReader::new(stdout).lines().next_line())
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

/// (appeal, result) of every appeal finished in line 1's log, after `settle`.
async fn finished(addr: std::net::SocketAddr, settle: Duration) -> Vec<(u64, String)> {
    tokio::time::sleep(settle).await;
    let mut anna = Client::signed_in(addr, "anna", "anna-pass").await;
    anna.send(&ClientFrame::Subscribe { line: 1, after: 0 })
        .await;
    let mut out = Vec::new();
    loop {
        match anna.recv().await {
            ServerFrame::Event {
                event: Event::AppealFinished { appeal, result, .. },
                ..
            } => out.push((appeal, result)),
            ServerFrame::Event { .. } => {}
            ServerFrame::CaughtUp { .. } => return out,
            other => panic!("{other:?}"),
        }
    }
}

fn applied(s: &SqliteStorage, who: Subject, key: &str, action: Action, now: i64) {
    match s.apply(who, key, &action, now) {
        Ok(Applied::Done(_)) => {}
        other => panic!("{key}: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a5_auto_finish_fires_once_across_kill_9_and_a_due_one_fires_after_the_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    admin(d, &["add-line", "--name", "Линия"]).expect("line");
    for (name, login) in [("Иванова", "ivanova"), ("Петров", "petrov")] {
        let args = [
            "add-client",
            "--line",
            "1",
            "--name",
            name,
            "--login",
            login,
            "--password",
            "pw",
        ];
        admin(d, &args).expect("client");
    }
    let anna = [
        "add-specialist",
        "--login",
        "anna",
        "--password",
        "anna-pass",
        "--name",
        "Анна",
        "--lines",
        "1",
    ];
    admin(d, &anna).expect("anna");
    let settings = d.join("settings.toml");
    std::fs::write(
        &settings,
        "auto_finish_minutes = 5\nclosing_phrases = [\"Всего доброго\"]\n",
    )
    .expect("write");
    let path = settings.display().to_string();
    let said = admin(d, &["line-settings", "--line", "1", "--file", &path]);
    assert_eq!(
        said.as_deref(),
        Ok("auto-finish minutes: 5; closing phrases: 1")
    );
    let broken = d.join("broken.toml");
    std::fs::write(&broken, "auto_finish_minutes = 2\n").expect("write");
    let path = broken.display().to_string();
    let refused =
        admin(d, &["line-settings", "--line", "1", "--file", &path]).expect_err("bad file");
    assert!(
        refused.contains("broken.toml: auto_finish_minutes"),
        "{refused}"
    );

    // Ivanova's appeal: Anna answered 10 minutes ago (due 5 minutes ago). Petrov's: Anna
    // answered so that it falls due 12 seconds from now, after the first run is killed.
    let now = linedesk_server::app::now_ms();
    {
        let s = SqliteStorage::open(&d.join("server.db")).expect("storage");
        let online = Action::SetPresence {
            status: linedesk_domain::presence::PresenceStatus::Available,
        };
        applied(&s, Subject::specialist(1), "on", online, now - 20 * MINUTE);
        for (client, wrote) in [(1, now - 10 * MINUTE), (2, now - 5 * MINUTE + 12_000)] {
            let text = "Здравствуйте".to_string();
            let key = format!("c{client}");
            applied(
                &s,
                Subject::client(client),
                &key,
                Action::ClientMessage { text },
                wrote - 1,
            );
            let send = Action::SendMessage {
                line: 1,
                client,
                text: "Проверьте, пожалуйста".into(),
            };
            applied(
                &s,
                Subject::specialist(1),
                &format!("a{client}"),
                send,
                wrote,
            );
        }
    }
    let first = vec![(1, NO_CLIENT_REPLY.to_string())];
    let (mut server, addr) = start(d).await;
    let seen = finished(addr, Duration::from_millis(1500)).await;
    assert_eq!(
        seen, first,
        "the first run finishes what is due, nothing else"
    );

    server.start_kill().expect("kill -9");
    server.wait().await.expect("dead");
    // Petrov's falls due while the server is down.
    let due = now + 12_000;
    let wait = u64::try_from(due - linedesk_server::app::now_ms()).unwrap_or(0);
    tokio::time::sleep(Duration::from_millis(wait + 200)).await;
    let (_server, addr) = start(d).await;
    let seen = finished(addr, Duration::from_millis(2500)).await;
    assert_eq!(
        seen,
        vec![
            (1, NO_CLIENT_REPLY.to_string()),
            (2, NO_CLIENT_REPLY.to_string())
        ],
        "after the restart: the overdue one once, nothing repeated"
    );
}
