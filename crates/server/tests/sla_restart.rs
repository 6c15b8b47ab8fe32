//! The real `linedesk-server` binary: SLA levels loaded with `sla-levels` (a bad file changes
//! nothing), alerts fired by the running timer, then kill -9 and a restart on the same data
//! dir: overdue alerts fire once, fired ones never repeat.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use common::Client;
use linedesk_protocol::{Action, ClientFrame, Event, ServerFrame, SlaDeadline};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Applied, Storage, Subject};
use tokio::io::{AsyncBufReadExt, BufReader};

const BIN: &str = env!("CARGO_BIN_EXE_linedesk-server");
const HOUR: i64 = 3_600_000;

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

/// (appeal, deadline, breached) of every SLA alert in line 1's log, after `settle`.
async fn alerts(addr: std::net::SocketAddr, settle: Duration) -> Vec<(u64, SlaDeadline, bool)> {
    tokio::time::sleep(settle).await;
    let mut anna = Client::signed_in(addr, "anna", "anna-pass").await;
    anna.send(&ClientFrame::Subscribe { line: 1, after: 0 })
        .await;
    let mut out = Vec::new();
    loop {
        match anna.recv().await {
            ServerFrame::Event {
                event: Event::SlaAtRisk {
                    appeal, deadline, ..
                },
                ..
            } => {
                out.push((appeal, deadline, false));
            }
            ServerFrame::Event {
                event:
                    Event::SlaBreached {
                        appeal, deadline, ..
                    },
                ..
            } => {
                out.push((appeal, deadline, true));
            }
            ServerFrame::Event { .. } => {}
            ServerFrame::CaughtUp { .. } => return out,
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overdue_alerts_fire_once_across_kill_9_and_fired_ones_never_repeat() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    admin(d, &["add-line", "--name", "Линия"]).expect("line");
    for (name, login) in [
        ("Иванова", "ivanova"),
        ("Петров", "petrov"),
        ("Сидоров", "sidorov"),
    ] {
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

    let levels = d.join("levels.toml");
    std::fs::write(
        &levels,
        "[[level]]\nname = \"Default\"\ncalendar = \"Mon-Sun 00-24\"\nreaction = \"10h\"\nresolution = \"100h\"\n",
    )
    .expect("write");
    let said = admin(
        d,
        &[
            "sla-levels",
            "--line",
            "1",
            "--file",
            &levels.display().to_string(),
        ],
    );
    assert_eq!(said.as_deref(), Ok("levels: Default"));
    let broken = d.join("broken.toml");
    std::fs::write(&broken, "[[level]]\nname = \"Default\"\ncalendar = \"Mnd-Fri 09-18\"\nreaction = \"1h\"\nresolution = \"8h\"\n").expect("write");
    let refused = admin(
        d,
        &[
            "sla-levels",
            "--line",
            "1",
            "--file",
            &broken.display().to_string(),
        ],
    )
    .expect_err("bad file");
    assert!(
        refused.contains("broken.toml: level 1 \"Default\": calendar: ") && refused.contains("Mnd"),
        "{refused}"
    );

    // Ivanova's appeal opened 9 hours ago: the reaction is at risk (90% used). Petrov's opened
    // 200 hours ago: both deadlines breached.
    let now = linedesk_server::app::now_ms();
    {
        let s = SqliteStorage::open(&d.join("server.db")).expect("storage");
        for (client, key, age) in [(1, "i1", 9 * HOUR), (2, "p1", 200 * HOUR)] {
            let action = Action::ClientMessage {
                text: "Здравствуйте".into(),
            };
            match s.apply(Subject::client(client), key, &action, now - age) {
                Ok(Applied::Done(_)) => {}
                other => panic!("{other:?}"),
            }
        }
    }
    let mut expected = vec![
        (1, SlaDeadline::Reaction, false),
        (2, SlaDeadline::Reaction, true),
        (2, SlaDeadline::Resolution, true),
    ];
    let (mut server, addr) = start(d).await;
    let mut seen = alerts(addr, Duration::from_millis(1500)).await;
    seen.sort();
    assert_eq!(seen, expected, "the first run fires what is due");

    server.start_kill().expect("kill -9");
    server.wait().await.expect("dead");
    // While the server is down, Sidorov's long-overdue appeal arrives .
    {
        let s = SqliteStorage::open(&d.join("server.db")).expect("storage");
        let action = Action::ClientMessage {
            text: "Алло".into(),
        };
        match s.apply(Subject::client(3), "s1", &action, now - 200 * HOUR) {
            Ok(Applied::Done(_)) => {}
            other => panic!("{other:?}"),
        }
    }
    expected.extend([
        (3, SlaDeadline::Reaction, true),
        (3, SlaDeadline::Resolution, true),
    ]);
    let (_server, addr) = start(d).await;
    let mut seen = alerts(addr, Duration::from_millis(2500)).await;
    seen.sort();
    assert_eq!(
        seen, expected,
        "after the restart: the overdue once, nothing repeated"
    );
}
