//! Issue 17, presence and calls across servers: two real `linedesk-server serve` processes on
//! one throwaway PostgreSQL cluster, real WebSocket sessions spread over them. Анна (on A) goes
//! available and Вера (on B) sees it; Анна calls Иванова (on B): the ringing and the answer
//! cross through the log, the offer, the answer and the candidates through PostgreSQL's
//! notifications, a 12 KB offer (over NOTIFY's 8000 bytes) through a row. Анна's presence
//! follows her sessions on both servers: her session on A ends while one on B lives, and A
//! keeps her status (it says so); her last one ends, and she goes Offline once.

mod common;

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use common::signalling::{SDP, offer};
use common::{Client, ack, events, next_event};
use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{
    Action, CallEndReason, ClientFrame, Event, Role, ServerFrame, SignalPayload,
};
use linedesk_server::presence::KEPT_ELSEWHERE;
use tokio::io::{AsyncBufReadExt, BufReader};

const BIN: &str = env!("CARGO_BIN_EXE_linedesk-server");
/// How long a wait for a state may take on a loaded machine before the test fails.
const PATIENCE: Duration = Duration::from_secs(60);

fn ok(args: &[&str]) -> String {
    let out = std::process::Command::new(BIN)
        .args(args)
        .output()
        .expect("run linedesk-server");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A running server: its address, and whether it said it kept a presence for another server.
struct Node {
    _child: tokio::process::Child,
    addr: SocketAddr,
    kept: tokio::sync::watch::Receiver<bool>,
}

/// `serve --config` with the database (no data dir: PostgreSQL holds everything) and a grace
/// of one second.
async fn serve(url: &str, dir: &std::path::Path, name: &'static str) -> Node {
    let config = dir.join(format!("{name}.toml"));
    std::fs::write(
        &config,
        format!("bind = \"127.0.0.1:0\"\ndatabase = \"{url}\"\noffline_grace_seconds = 1\n"),
    )
    .expect("config");
    let mut child = tokio::process::Command::new(BIN)
        .args(["serve", "--config", &config.display().to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start the server");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = tokio::time::timeout(PATIENCE, stdout.next_line())
        .await
        .expect("the server starts in time")
        .expect("read");
    let addr = first
        .as_deref()
        .and_then(|l| l.strip_prefix("listening on "))
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("`listening on ADDR`, got {first:?}"));
    tokio::spawn(async move { while let Ok(Some(_)) = stdout.next_line().await {} });
    let stderr = child.stderr.take().expect("stderr");
    let (tell, kept) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let mut lines = BufReader::new(stderr).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            eprintln!("server {name}: {line}");
            if line.contains(KEPT_ELSEWHERE) {
                let _ = tell.send(true);
            }
        }
    });
    Node {
        _child: child,
        addr,
        kept,
    }
}

/// The next relayed signal of `call`, skipping events.
async fn next_signal(c: &mut Client, call: u64) -> (Role, SignalPayload) {
    loop {
        match c.recv().await {
            ServerFrame::Signal {
                call: c,
                from,
                payload,
            } if c == call => return (from, payload),
            ServerFrame::Event { .. } | ServerFrame::CaughtUp { .. } => continue,
            other => panic!("expected a signal of call {call}, got {other:?}"),
        }
    }
}

fn candidate(port: u16) -> SignalPayload {
    SignalPayload::Candidate {
        candidate: format!("candidate:1 1 udp 2130706431 127.0.0.1 {port} typ host"),
        sdp_mid: Some("0".into()),
        sdp_mline_index: Some(0),
    }
}

/// An offer of about 12 KB: more than a notification carries.
fn large_offer() -> SignalPayload {
    let mut sdp = SDP.to_string();
    let mut port = 50_000;
    while sdp.len() < 12_000 {
        sdp.push_str(&format!(
            "a=candidate:1 1 udp 2130706431 127.0.0.1 {port} typ host\r\n"
        ));
        port += 1;
    }
    SignalPayload::Offer { sdp }
}

async fn signal(c: &mut Client, call: u64, payload: SignalPayload) {
    c.send(&ClientFrame::Signal { call, payload }).await;
}

fn presence_of(specialist: u64, wanted: PresenceStatus) -> impl FnMut(&Event) -> Option<()> {
    move |e| match e {
        Event::PresenceChanged {
            specialist: s,
            status,
        } if *s == specialist && *status == wanted => Some(()),
        _ => None,
    }
}

/// Wait until `n` servers hold `specialist`'s presence (their shared advisory locks).
async fn until_holders(url: &str, specialist: u64, n: i64) {
    let (db, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("the test's connection");
    tokio::spawn(connection);
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let held: i64 = db
            .query_one(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
                 AND objsubid = 1 AND classid::bigint = $1 AND objid::bigint = $2
                 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                &[
                    &linedesk_server::postgres::PRESENCE_CLASS,
                    &(specialist as i64),
                ],
            )
            .await
            .expect("pg_locks")
            .get(0);
        if held == n {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{n} servers did not hold specialist {specialist}'s presence in {PATIENCE:?}: {held}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_and_a_call_cross_between_two_servers() {
    let cluster = linedesk_pgtest::Cluster::start().expect("a throwaway PostgreSQL cluster");
    let url = cluster.database("across").expect("database");
    let dir = tempfile::tempdir().expect("dir");
    let line = ok(&["add-line", "--database", &url, "--name", "Линия"]);
    let client: u64 = ok(&[
        "add-client",
        "--database",
        &url,
        "--line",
        &line,
        "--name",
        "Иванова",
        "--login",
        "ivanova",
        "--password",
        "client-pass",
    ])
    .parse()
    .expect("client id");
    let mut specialists = Vec::new();
    for (login, name) in [("anna", "Анна"), ("vera", "Вера")] {
        let id: u64 = ok(&[
            "add-specialist",
            "--database",
            &url,
            "--login",
            login,
            "--password",
            "pass",
            "--name",
            name,
            "--lines",
            &line,
        ])
        .parse()
        .expect("specialist id");
        specialists.push(id);
    }
    let (anna_id, _vera_id) = (specialists[0], specialists[1]);
    let line: u64 = line.parse().expect("line id");

    let mut a = serve(&url, dir.path(), "A").await;
    let b = serve(&url, dir.path(), "B").await;
    let mut anna = Client::signed_in(a.addr, "anna", "pass").await;
    events(&mut anna, line, 0).await;
    let mut vera = Client::signed_in(b.addr, "vera", "pass").await;
    events(&mut vera, line, 0).await;
    let mut ivanova = Client::signed_in(b.addr, "ivanova", "client-pass").await;
    events(&mut ivanova, line, 0).await;

    // Presence: Анна on A, Вера on B sees it.
    ack(
        &mut anna,
        "available",
        Action::SetPresence {
            status: PresenceStatus::Available,
        },
    )
    .await;
    next_event(&mut vera, presence_of(anna_id, PresenceStatus::Available)).await;

    // Анна (A) calls Иванова (B).
    ack(
        &mut anna,
        "call",
        Action::PlaceCall {
            line,
            client: Some(client),
        },
    )
    .await;
    let call = next_event(&mut ivanova, |e| match e {
        Event::CallRinging {
            call,
            key: Some(key),
            ..
        } if key == "call" => Some(*call),
        _ => None,
    })
    .await;
    signal(&mut anna, call, offer()).await;
    assert_eq!(
        next_signal(&mut ivanova, call).await,
        (Role::Specialist, offer())
    );
    ack(&mut ivanova, "answer", Action::AnswerCall { call }).await;
    next_event(&mut anna, |e| {
        matches!(e, Event::CallConnected { call: c, .. } if *c == call).then_some(())
    })
    .await;
    let answer = SignalPayload::Answer { sdp: SDP.into() };
    signal(&mut ivanova, call, answer.clone()).await;
    assert_eq!(next_signal(&mut anna, call).await, (Role::Client, answer));
    // Candidates both ways, in the order sent.
    for port in [1000, 1001, 1002] {
        signal(&mut anna, call, candidate(port)).await;
    }
    for port in [1000, 1001, 1002] {
        assert_eq!(
            next_signal(&mut ivanova, call).await,
            (Role::Specialist, candidate(port))
        );
    }
    signal(&mut ivanova, call, candidate(2000)).await;
    assert_eq!(
        next_signal(&mut anna, call).await,
        (Role::Client, candidate(2000))
    );
    // A renegotiation with an offer larger than a notification: by a row, still in order
    // with the candidate sent after it.
    signal(&mut anna, call, large_offer()).await;
    signal(&mut anna, call, candidate(1003)).await;
    assert_eq!(
        next_signal(&mut ivanova, call).await,
        (Role::Specialist, large_offer())
    );
    assert_eq!(
        next_signal(&mut ivanova, call).await,
        (Role::Specialist, candidate(1003))
    );
    ack(
        &mut anna,
        "hang-up",
        Action::HangUp {
            call,
            reason: CallEndReason::HungUp,
        },
    )
    .await;

    // Анна also on B; her session on A ends: A keeps her status, B holds her presence.
    let mut anna_on_b = Client::signed_in(b.addr, "anna", "pass").await;
    events(&mut anna_on_b, line, 0).await;
    until_holders(&url, anna_id, 2).await;
    drop(anna);
    tokio::time::timeout(PATIENCE, a.kept.wait_for(|k| *k))
        .await
        .unwrap_or_else(|_| {
            panic!("server A did not keep Анна's presence for server B in {PATIENCE:?}")
        })
        .expect("A's stderr");
    // Her last session ends: Offline, once, whoever did it.
    drop(anna_on_b);
    next_event(&mut vera, presence_of(anna_id, PresenceStatus::Offline)).await;
    let mut reader = Client::signed_in(b.addr, "vera", "pass").await;
    let log = events(&mut reader, line, 0).await;
    let offline = log
        .iter()
        .filter(|e| {
            matches!(e, Event::PresenceChanged { specialist, status: PresenceStatus::Offline }
                if *specialist == anna_id)
        })
        .count();
    assert_eq!(offline, 1, "Анна went Offline once: {log:?}");
}
