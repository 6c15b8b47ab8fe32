//! Issue 17: limits that hold across the servers of one PostgreSQL database (a throwaway
//! cluster). The remote-session password limit (V2): a specialist guesses a client's session
//! password in parallel on two servers' storages while the test holds the pair's advisory lock,
//! so both servers' first guesses are seen waiting for it (a backend that did not take it would
//! answer them at once: the test fails); once it is let go, of all the guesses exactly the limit
//! are verified (each a `wrong`), every other is refused `rate_limited`, and afterwards the
//! right password is refused on either server as well. The login throttle: two real
//! `linedesk-server serve --database` processes; failed logins spread over both lock the login
//! on both, the right password too, though neither server saw five failures itself.

use std::process::Stdio;
use std::sync::Arc;

use linedesk_protocol::{Action, RemoteMode};
use linedesk_server::auth::hash_password;
use linedesk_server::postgres::{PgStorage, REMOTE_PASSWORD_LOCK, pair_key};
use linedesk_server::remote_password::Policy;
use linedesk_server::storage::{Applied, Storage, StorageError, Subject};
use tokio::io::{AsyncBufReadExt, BufReader};

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_linedesk-server");

/// Monday 2026-11-23 10:00 UTC.
const NOW: i64 = 1_795_428_000_000;
const GUESSES_PER_THREAD: usize = 4;
const THREADS_PER_SERVER: usize = 2;

fn guess(line: u64, client: u64, password: &str) -> Action {
    Action::RequestRemoteSession {
        line,
        client,
        mode: RemoteMode::ByPassword,
        password: Some(password.into()),
    }
}

#[test]
fn the_session_password_limit_holds_across_two_servers() {
    let cluster = linedesk_pgtest::Cluster::start().expect("a throwaway PostgreSQL cluster");
    let url = cluster.database("limits").expect("database");
    let a = Arc::new(PgStorage::open(&url).expect("server A"));
    let b = Arc::new(PgStorage::open(&url).expect("server B"));
    let line = a.add_line("Линия").expect("line");
    let client = a.add_client(line, "Иванова").expect("client");
    let anna = a
        .add_specialist("anna", &hash_password("x").expect("hash"), "Анна")
        .expect("anna");
    a.serve_line(anna, line, 0, 5).expect("serve");
    let set = Action::SetRemotePassword {
        password: Some("секрет-42".into()),
    };
    match a.apply(Subject::client(client), "pw", &set, NOW) {
        Ok(Applied::Done(_)) => {}
        other => panic!("{other:?}"),
    }

    // The test holds the pair's lock: every reservation must wait for it.
    let rt = tokio::runtime::Runtime::new().expect("the test's runtime");
    let held = rt.block_on(async {
        let (db, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .expect("the test's connection");
        tokio::spawn(connection);
        db.batch_execute("BEGIN").await.expect("begin");
        db.execute(
            "SELECT pg_advisory_xact_lock($1, $2)",
            &[&REMOTE_PASSWORD_LOCK, &pair_key(anna, client)],
        )
        .await
        .expect("the pair's lock");
        db
    });

    let mut threads = Vec::new();
    for (name, server) in [("A", &a), ("B", &b)] {
        for t in 0..THREADS_PER_SERVER {
            let server = Arc::clone(server);
            threads.push(std::thread::spawn(move || {
                (0..GUESSES_PER_THREAD)
                    .map(|i| {
                        let key = format!("{name}{t}-{i}");
                        server.apply(
                            Subject::specialist(anna),
                            &key,
                            &guess(line, client, "не-тот"),
                            NOW + 1_000,
                        )
                    })
                    .collect::<Vec<_>>()
            }));
        }
    }
    // One guess per server waits in PostgreSQL (a server's others wait for its connection).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let waiting: i64 = rt
            .block_on(held.query_one(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                 AND objsubid = 2 AND classid::bigint = $1 AND objid::bigint = $2::int::oid::bigint",
                &[&i64::from(REMOTE_PASSWORD_LOCK), &pair_key(anna, client)],
            ))
            .expect("pg_locks")
            .get(0);
        let done = threads.iter().filter(|t| t.is_finished()).count();
        assert_eq!(
            done, 0,
            "{done} guessing threads finished while the test held the pair's lock: the guesses \
             do not take it"
        );
        if waiting == 2 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the two servers' guesses did not wait for the pair's lock in 60 s ({waiting} wait)"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    rt.block_on(held.batch_execute("COMMIT"))
        .expect("let the lock go");

    let (mut wrong, mut limited) = (0, 0);
    for thread in threads {
        for outcome in thread.join().expect("a guessing thread") {
            match outcome {
                Err(StorageError::WrongPassword) => wrong += 1,
                Err(StorageError::RateLimited { .. }) => limited += 1,
                other => panic!("a guess: {other:?}"),
            }
        }
    }
    let limit = Policy::default().max_failures;
    let guesses = 2 * THREADS_PER_SERVER * GUESSES_PER_THREAD;
    assert_eq!(
        (wrong, limited),
        (limit, guesses - limit),
        "of {guesses} parallel guesses on two servers, exactly {limit} were verified"
    );
    for (name, server) in [("A", &a), ("B", &b)] {
        let right = server.apply(
            Subject::specialist(anna),
            &format!("right-{name}"),
            &guess(line, client, "секрет-42"),
            NOW + 2_000,
        );
        assert!(
            matches!(right, Err(StorageError::RateLimited { .. })),
            "server {name} refuses the right password too while the limit holds: {right:?}"
        );
    }
    let audit = b.remote_password_attempts(client).expect("the audit");
    let count = |code: &str| audit.iter().filter(|(_, _, o)| o == code).count();
    assert_eq!(count("wrong"), limit, "{audit:?}");
    assert_eq!(count("throttled"), guesses - limit + 2, "{audit:?}");
    assert_eq!(
        count("pending"),
        0,
        "every verified attempt settled: {audit:?}"
    );
}

async fn serve(url: &str) -> (tokio::process::Child, std::net::SocketAddr) {
    let mut child = tokio::process::Command::new(BIN)
        .args(["serve", "--database", url, "--bind", "127.0.0.1:0"])
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_spread_over_two_servers_lock_the_login_on_both() {
    let cluster = linedesk_pgtest::Cluster::start().expect("a throwaway PostgreSQL cluster");
    let url = cluster.database("logins").expect("database");
    {
        let s = PgStorage::open(&url).expect("storage");
        let line = s.add_line("Линия").expect("line");
        let anna = s
            .add_specialist("anna", &hash_password("anna-pass").expect("hash"), "Анна")
            .expect("anna");
        s.serve_line(anna, line, 0, 5).expect("serve");
    }
    let (_a, on_a) = serve(&url).await;
    let (_b, on_b) = serve(&url).await;
    let wrong = r#"{"login":"anna","password":"не-тот"}"#;
    let right = r#"{"login":"anna","password":"anna-pass"}"#;
    // The right password works, and resets nothing it should not.
    assert_eq!(common::http_login(on_b, right).await.0, 200);
    let limit = linedesk_server::throttle::Policy::default().max_failures;
    for i in 0..limit {
        let server = if i % 2 == 0 { on_a } else { on_b };
        let (status, body) = common::http_login(server, wrong).await;
        assert_eq!(status, 401, "failure {i}: {body}");
    }
    for (name, server) in [("A", on_a), ("B", on_b)] {
        let (status, body) = common::http_login(server, right).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (429, Some("rate_limited")),
            "server {name}: {limit} failures over both servers lock the login: {body}"
        );
    }
}
