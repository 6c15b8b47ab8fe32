//! Issue 17, the timers' leader: two real `linedesk-server serve --database` processes on one
//! throwaway PostgreSQL cluster. One leads (it says so on stderr) and fires the SLA alerts, the
//! other does not; each alert is in the line's log once. kill -9 of the leader before an alert
//! falls due: the other server takes the lead and fires it, once, and what the dead leader
//! fired is not fired again.

use std::process::Stdio;
use std::time::{Duration, Instant};

use linedesk_protocol::{Action, Event, SlaDeadline};
use linedesk_server::postgres::PgStorage;
use linedesk_server::sla_timer::LEADS;
use linedesk_server::storage::{Applied, Storage, Subject};
use tokio::io::{AsyncBufReadExt, BufReader};

const BIN: &str = env!("CARGO_BIN_EXE_linedesk-server");
const SECOND: i64 = 1000;
const HOUR: i64 = 3_600 * SECOND;
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

/// A line with three clients and Анна; its level: a reaction of one minute (at risk after
/// 48 s, breached at 60 s), every hour a working one.
fn set_up(url: &str, dir: &std::path::Path) -> u64 {
    let line = ok(&["add-line", "--database", url, "--name", "Линия"]);
    for (name, login) in [("Иванова", "ivanova"), ("Петров", "petrov")] {
        ok(&[
            "add-client",
            "--database",
            url,
            "--line",
            &line,
            "--name",
            name,
            "--login",
            login,
            "--password",
            "pw",
        ]);
    }
    ok(&[
        "add-specialist",
        "--database",
        url,
        "--login",
        "anna",
        "--password",
        "anna-pass",
        "--name",
        "Анна",
        "--lines",
        &line,
    ]);
    let levels = dir.join("levels.toml");
    std::fs::write(
        &levels,
        "[[level]]\nname = \"Default\"\ncalendar = \"Mon-Sun 00-24\"\nreaction = \"1m\"\nresolution = \"100h\"\n",
    )
    .expect("write levels");
    let file = levels.display().to_string();
    ok(&[
        "sla-levels",
        "--database",
        url,
        "--line",
        &line,
        "--file",
        &file,
    ]);
    line.parse().expect("line id")
}

/// A running server and whether it says it leads the timers (from its stderr).
struct Node {
    child: tokio::process::Child,
    leads: tokio::sync::watch::Receiver<bool>,
}

async fn serve(url: &str, name: &'static str) -> Node {
    let mut child = tokio::process::Command::new(BIN)
        .args(["serve", "--database", url, "--bind", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start the server");
    let stderr = child.stderr.take().expect("stderr");
    let (tell, leads) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let mut lines = BufReader::new(stderr).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            eprintln!("server {name}: {line}");
            if line.contains(LEADS) {
                let _ = tell.send(true);
            } else if line.contains("no longer leads") {
                let _ = tell.send(false);
            }
        }
    });
    Node { child, leads }
}

async fn until_leads(node: &mut Node, who: &str) {
    tokio::time::timeout(PATIENCE, node.leads.wait_for(|l| *l))
        .await
        .unwrap_or_else(|_| panic!("server {who} did not take the timers' lead in {PATIENCE:?}"))
        .expect("the server's stderr");
}

/// A client's first message `age` ago: an appeal with its SLA timer from then.
fn open_appeal(s: &PgStorage, client: u64, key: &str, age: i64) {
    let action = Action::ClientMessage {
        text: "Здравствуйте".into(),
    };
    let now = linedesk_server::app::now_ms();
    match s.apply(Subject::client(client), key, &action, now - age) {
        Ok(Applied::Done(_)) => {}
        other => panic!("{other:?}"),
    }
}

/// Every SLA alert of the line's log as (client, deadline, breached), in log order.
fn alerts(s: &PgStorage, line: u64) -> Vec<(u64, SlaDeadline, bool)> {
    s.events_after(line, 0, 10_000)
        .expect("the log")
        .into_iter()
        .filter_map(|e| match e.event {
            Event::SlaAtRisk {
                client, deadline, ..
            } => Some((client, deadline, false)),
            Event::SlaBreached {
                client, deadline, ..
            } => Some((client, deadline, true)),
            _ => None,
        })
        .collect()
}

/// Wait until the log holds `alert`; the alerts then.
async fn until_fired(
    s: &PgStorage,
    line: u64,
    alert: (u64, SlaDeadline, bool),
) -> Vec<(u64, SlaDeadline, bool)> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let seen = alerts(s, line);
        if seen.contains(&alert) {
            return seen;
        }
        assert!(
            Instant::now() < deadline,
            "{alert:?} not fired in {PATIENCE:?}; the log's alerts: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn sorted(mut v: Vec<(u64, SlaDeadline, bool)>) -> Vec<(u64, SlaDeadline, bool)> {
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_alive_fire_each_alert_once_from_one_leader() {
    let cluster = linedesk_pgtest::Cluster::start().expect("a throwaway PostgreSQL cluster");
    let url = cluster.database("leader_two").expect("database");
    let dir = tempfile::tempdir().expect("dir");
    let line = set_up(&url, dir.path());
    let s = PgStorage::open(&url).expect("the test's own connection");

    let mut a = serve(&url, "A").await;
    until_leads(&mut a, "A").await;
    let b = serve(&url, "B").await;
    // Петров's appeal opened 200 hours ago (both deadlines breached at once); Иванова's 40 s
    // ago (at risk in 8 s, breached in 20 s).
    open_appeal(&s, 2, "p1", 200 * HOUR);
    open_appeal(&s, 1, "i1", 40 * SECOND);
    let seen = until_fired(&s, line, (1, SlaDeadline::Reaction, true)).await;
    assert_eq!(
        sorted(seen),
        vec![
            (1, SlaDeadline::Reaction, false),
            (1, SlaDeadline::Reaction, true),
            (2, SlaDeadline::Reaction, true),
            (2, SlaDeadline::Resolution, true),
        ],
        "each alert once"
    );
    assert!(*a.leads.borrow(), "A still leads");
    assert!(!*b.leads.borrow(), "B never led while A did");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_the_leader_hands_the_timers_over_and_alerts_still_fire_once() {
    let cluster = linedesk_pgtest::Cluster::start().expect("a throwaway PostgreSQL cluster");
    let url = cluster.database("leader_kill").expect("database");
    let dir = tempfile::tempdir().expect("dir");
    let line = set_up(&url, dir.path());
    let s = PgStorage::open(&url).expect("the test's own connection");

    let mut a = serve(&url, "A").await;
    until_leads(&mut a, "A").await;
    let mut b = serve(&url, "B").await;
    // The leader fires what is due: Петров's two breaches.
    open_appeal(&s, 2, "p1", 200 * HOUR);
    until_fired(&s, line, (2, SlaDeadline::Resolution, true)).await;
    assert!(!*b.leads.borrow(), "B does not lead while A does");

    // Иванова's appeal opened 42 s ago: at risk in 6 s, breached in 18 s; the leader dies now.
    open_appeal(&s, 1, "i1", 42 * SECOND);
    a.child.start_kill().expect("kill -9 A");
    a.child.wait().await.expect("A is gone");
    assert!(
        !alerts(&s, line).contains(&(1, SlaDeadline::Reaction, false)),
        "A was killed before Иванова's alert fell due"
    );
    until_leads(&mut b, "B").await;
    let seen = until_fired(&s, line, (1, SlaDeadline::Reaction, true)).await;
    assert_eq!(
        sorted(seen),
        vec![
            (1, SlaDeadline::Reaction, false),
            (1, SlaDeadline::Reaction, true),
            (2, SlaDeadline::Reaction, true),
            (2, SlaDeadline::Resolution, true),
        ],
        "B fired Иванова's alerts once and did not fire A's again"
    );
}
