//! Issue 17, failover: two line servers, each a process of its own, on one throwaway
//! PostgreSQL database. The app's sync is given both addresses, and so are simulated clients
//! (`linedesk-client-sim`), spread over the two (half list A first, half B first). A burst of
//! the specialist's messages is being sent through server A when A is killed (SIGKILL, no
//! goodbye):
//! - the sync moves to server B; every message is in the line's log exactly once, in the order
//!   written, and every one is marked sent;
//! - the clients that were on A resume on B after the last event they saw: the answer each is
//!   given right after the kill reaches it exactly once, then its appeal's end; the clients on
//!   B never move;
//! - what a client writes afterwards reaches the app through B.
//!
//! The figure printed (`failover: ...`) is from the kill to the sync in sync on B and to every
//! client of A resumed on B (debug build; the bench figure is in BENCHMARKS.md).
//!
//! The servers are this test binary run again (`serve_for_the_failover_test`, which serves only
//! when [`SERVE_VAR`] names a database: otherwise it is not a child and returns at once): the
//! server library's `serve`, as `linedesk-server serve --database` runs it, in a process of its
//! own, so killing one kills a real process with live sessions (the server's binary is not
//! built for another crate's tests).

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use linedesk_client_sim::{Bare, Connector, Seen, SimClient, SimError};
use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, Event};
use linedesk_server::app::{Server, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::postgres::PgStorage;
use linedesk_server::storage::{Applied, Storage, Subject};
use linedesk_store::{MessageStatus, Store, demo};
use linedesk_sync::{SyncConfig, SyncStatus, spawn};
use tokio::io::{AsyncBufReadExt, BufReader};

const NOW: i64 = 1_764_000_000_000;
/// Set in a child: the database it serves.
const SERVE_VAR: &str = "LINEDESK_FAILOVER_SERVE";
/// How long a wait for a state may take on a loaded machine before the test fails.
const PATIENCE: Duration = Duration::from_secs(90);
const BURST: usize = 40;
/// Simulated clients besides the demo's (half of them on each server).
const CLIENTS: usize = 8;

/// In a child process only: serve the database of [`SERVE_VAR`] on a free port, say where;
/// the storage opened, then the runtime, as `linedesk-server serve` does.
#[test]
fn serve_for_the_failover_test() {
    let Ok(url) = std::env::var(SERVE_VAR) else {
        return;
    };
    let storage = Arc::new(PgStorage::open(&url).expect("storage"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        println!("\nlistening on {}", listener.local_addr().expect("addr"));
        serve(listener, Server::new(storage))
            .await
            .expect("serving");
    });
}

async fn child(url: &str, name: &'static str) -> (tokio::process::Child, SocketAddr) {
    let exe = std::env::current_exe().expect("the test binary");
    let mut child = tokio::process::Command::new(exe)
        .args([
            "--exact",
            "serve_for_the_failover_test",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(SERVE_VAR, url)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start a server");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let addr = tokio::time::timeout(PATIENCE, async {
        loop {
            let line = lines
                .next_line()
                .await
                .expect("read")
                .unwrap_or_else(|| panic!("server {name} ended before listening"));
            // The test harness's own words may come first on the line.
            if let Some((_, addr)) = line.split_once("listening on ") {
                return addr.trim().parse::<SocketAddr>().expect("an address");
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("server {name} did not listen in {PATIENCE:?}"));
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, addr)
}

async fn wait_until(what: &str, mut ready: impl FnMut() -> Result<(), String>) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let seen = match ready() {
            Ok(()) => return,
            Err(seen) => seen,
        };
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; seen: {seen}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The specialist's messages in the line's log, in order.
fn posted(storage: &PgStorage, line: u64, to: u64) -> Vec<String> {
    storage
        .events_after(line, 0, 100_000)
        .expect("the log")
        .into_iter()
        .filter_map(|e| match e.event {
            Event::MessagePosted {
                text,
                client,
                from_specialist: Some(_),
                ..
            } if client == to => Some(text),
            _ => None,
        })
        .collect()
}

/// The appeal assigned to `client`, once routed.
fn appeal_of(storage: &PgStorage, line: u64, client: u64) -> Option<u64> {
    storage
        .events_after(line, 0, 100_000)
        .expect("the log")
        .into_iter()
        .find_map(|e| match e.event {
            Event::AppealAssigned {
                appeal, client: c, ..
            } if c == client => Some(appeal),
            _ => None,
        })
}

fn done(outcome: Result<Applied, linedesk_server::storage::StorageError>, what: &str) {
    match outcome {
        Ok(Applied::Done(_)) => {}
        other => panic!("{what}: {other:?}"),
    }
}

/// What a client saw after the kill: the answers' texts up to its appeal's end, how many times
/// it moved, and when it had caught up on the next server.
struct Heard {
    answers: Vec<String>,
    failovers: u32,
    resumed_at: Option<Instant>,
}

async fn listen_to_the_end(mut client: SimClient) -> Result<Heard, SimError> {
    let mut answers = Vec::new();
    loop {
        match client.next_seen(PATIENCE).await? {
            Seen::Answer { text, .. } => answers.push(text),
            Seen::Finished { .. } => break,
            Seen::Other(_) => {}
        }
    }
    Ok(Heard {
        answers,
        failovers: client.failovers(),
        resumed_at: client.resumed_at(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_a_server_moves_the_sync_and_the_clients_to_the_other_and_loses_nothing() {
    if std::env::var(SERVE_VAR).is_ok() {
        return;
    }
    let cluster = linedesk_pgtest::Cluster::start().expect("a throwaway PostgreSQL cluster");
    let url = cluster.database("failover").expect("database");
    let storage = PgStorage::open(&url).expect("the test's storage");
    let line = storage.add_line(demo::DEMO_LINE_NAME).expect("line");
    let client = storage
        .add_client(line, demo::DEMO_SEARCH_CLIENT_NAME)
        .expect("client");
    let anna = storage
        .add_specialist("anna", &hash_password("anna-pass").expect("hash"), "Анна")
        .expect("anna");
    let limit = u32::try_from(CLIENTS + 2).expect("small");
    storage.serve_line(anna, line, 0, limit).expect("serve");
    assert_eq!((line, client), (1, 1), "the local demo's ids");
    // The same line and client in the app's store.
    let (local_line, local_client) = (1_i64, 1_i64);
    let client_hash = hash_password("client-pass").expect("hash");
    let mut clients = Vec::new();
    for n in 0..CLIENTS {
        let id = storage
            .add_client(line, &format!("Клиент {n}"))
            .expect("client");
        storage
            .set_client_login(id, &format!("client-{n}"), &client_hash)
            .expect("login");
        clients.push(id);
    }
    done(
        storage.apply(
            Subject::specialist(anna),
            "available",
            &Action::SetPresence {
                status: PresenceStatus::Available,
            },
            NOW,
        ),
        "anna available",
    );

    let (mut a, on_a) = child(&url, "A").await;
    let (_b, on_b) = child(&url, "B").await;
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(&dir.path().join("linedesk.db")).expect("store");
    demo::seed_if_empty(&store, NOW).expect("seed");
    let store = Arc::new(Mutex::new(store));
    let handle = spawn(
        store.clone(),
        SyncConfig {
            server: format!("{on_a}, {on_b}"),
            login: "anna".into(),
            password: "anna-pass".into(),
            ca_file: None,
        },
    );
    let status = handle.status();
    wait_until("in sync with A", || match &*status.borrow() {
        SyncStatus::InSync => Ok(()),
        other => Err(format!("{other:?}")),
    })
    .await;
    assert_eq!(handle.server(), format!("http://{on_a}"));

    // The clients: even ones list A first, odd ones B first; each writes, and is routed.
    let connector = |addr: SocketAddr| Connector::parse(&addr.to_string(), Bare::Plain, None);
    let (a_first, b_first) = (
        [connector(on_a).expect("A"), connector(on_b).expect("B")],
        [connector(on_b).expect("B"), connector(on_a).expect("A")],
    );
    let mut signed_in = Vec::new();
    for n in 0..CLIENTS {
        let servers = if n % 2 == 0 { &a_first } else { &b_first };
        let mut sim = SimClient::sign_in_any(servers, &format!("client-{n}"), "client-pass")
            .await
            .expect("a client signs in");
        sim.write(&format!("вопрос {n}")).await.expect("write");
        signed_in.push(sim);
    }
    let mut appeals = Vec::new();
    for &id in &clients {
        let mut found = None;
        wait_until("each client's appeal routed to Анна", || {
            found = appeal_of(&storage, line, id);
            found.map(|_| ()).ok_or_else(|| format!("client {id}"))
        })
        .await;
        appeals.push(found.expect("found"));
    }
    let listening: Vec<_> = signed_in
        .into_iter()
        .map(|sim| tokio::spawn(listen_to_the_end(sim)))
        .collect();

    let texts: Vec<String> = (0..BURST).map(|i| format!("сообщение {i}")).collect();
    {
        let s = store.lock().expect("lock");
        for text in &texts[..BURST / 2] {
            s.send_message(local_line, local_client, text, NOW)
                .expect("send");
        }
    }
    handle.nudge();
    // A few are acknowledged, the rest on their way: A dies.
    wait_until("the first acknowledgements", || {
        let n = posted(&storage, line, client).len();
        if n >= 3 {
            Ok(())
        } else {
            Err(format!("{n} posted"))
        }
    })
    .await;
    let killed = Instant::now();
    a.start_kill().expect("kill -9 of server A");
    a.wait().await.expect("server A ended");
    // Each client's answer and its appeal's end, written at once (through the database, as any
    // server would): A's clients hear them from B, live or replayed after their cursors.
    for (n, (&id, &appeal)) in clients.iter().zip(&appeals).enumerate() {
        done(
            storage.apply(
                Subject::specialist(anna),
                &format!("answer-{n}"),
                &Action::SendMessage {
                    line,
                    client: id,
                    text: format!("ответ {n}"),
                },
                NOW + 1,
            ),
            "the answer",
        );
        done(
            storage.apply(
                Subject::specialist(anna),
                &format!("finish-{n}"),
                &Action::FinishAppeal {
                    appeal,
                    result: "Решено".into(),
                },
                NOW + 2,
            ),
            "the end",
        );
    }
    {
        let s = store.lock().expect("lock");
        for text in &texts[BURST / 2..] {
            s.send_message(local_line, local_client, text, NOW)
                .expect("send");
        }
    }
    handle.nudge();
    let mut sync_back = None;
    wait_until("the sync in sync with B", || {
        let on = handle.server();
        match &*status.borrow() {
            SyncStatus::InSync if on == format!("http://{on_b}") => {
                sync_back.get_or_insert_with(Instant::now);
                Ok(())
            }
            other => Err(format!("{other:?} on {on}")),
        }
    })
    .await;
    wait_until("every message once, in order, through B", || {
        let seen = posted(&storage, line, client);
        if seen == texts {
            Ok(())
        } else {
            Err(format!("{} posted: {seen:?}", seen.len()))
        }
    })
    .await;
    wait_until("every message marked sent", || {
        let s = store.lock().expect("lock");
        let pending = s.outbox_pending_count().expect("count");
        let page = s
            .messages(local_line, local_client, None, 500)
            .expect("messages");
        let unsent = page
            .iter()
            .filter(|m| texts.contains(&m.text) && m.status != MessageStatus::Sent)
            .count();
        if pending == 0 && unsent == 0 {
            Ok(())
        } else {
            Err(format!("{pending} in the outbox, {unsent} not sent"))
        }
    })
    .await;

    let mut last_resumed = killed;
    for (n, task) in listening.into_iter().enumerate() {
        let heard = tokio::time::timeout(PATIENCE, task)
            .await
            .unwrap_or_else(|_| panic!("client-{n} heard its appeal's end in {PATIENCE:?}"))
            .expect("the client's task")
            .unwrap_or_else(|e| panic!("client-{n}: {e}"));
        assert_eq!(
            heard.answers,
            [format!("ответ {n}")],
            "client-{n}: its answer once"
        );
        let was_on_a = n % 2 == 0;
        assert_eq!(
            heard.failovers,
            u32::from(was_on_a),
            "client-{n} moved only if it was on A"
        );
        if let Some(at) = heard.resumed_at {
            last_resumed = last_resumed.max(at);
        }
    }
    println!(
        "failover: kill -9 of A → the app's sync in sync on B in {} ms; → every one of {} \
         clients of A resumed on B (subscribed after its cursor, caught up) in {} ms (debug)",
        sync_back.map_or(0, |at| at.duration_since(killed).as_millis()),
        CLIENTS.div_ceil(2),
        last_resumed.duration_since(killed).as_millis()
    );

    // The demo's client writes (the line's log through any server): the app hears it through B.
    let reply = Action::ClientMessage {
        text: "Спасибо, дошло".into(),
    };
    done(
        storage.apply(Subject::client(client), "thanks", &reply, NOW + 1_000),
        "the client's message",
    );
    wait_until("the client's message in the app", || {
        let s = store.lock().expect("lock");
        let page = s
            .messages(local_line, local_client, None, 500)
            .expect("messages");
        if page.iter().any(|m| m.text == "Спасибо, дошло") {
            Ok(())
        } else {
            Err(format!("{} messages", page.len()))
        }
    })
    .await;
    handle.stop();
}
