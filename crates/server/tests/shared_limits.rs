//! Issue 17: the remote-session password limit (V2) holds across the servers of one
//! PostgreSQL database. Two servers' storages on a throwaway cluster; a specialist guesses a
//! client's session password in parallel on both: of all the guesses, exactly the limit are
//! verified (each a `wrong`), every other is refused `rate_limited`, and afterwards the right
//! password is refused on either server as well.

use std::sync::Arc;

use linedesk_protocol::{Action, RemoteMode};
use linedesk_server::auth::hash_password;
use linedesk_server::postgres::PgStorage;
use linedesk_server::remote_password::Policy;
use linedesk_server::storage::{Applied, Storage, StorageError, Subject};

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
