//! The commit ceiling of the SQLite backend: N threads each apply `ClientMessage` actions (a
//! client of its own, on one line) for a few seconds against a database file with
//! `synchronous = FULL`; prints acknowledged actions per second. Every acknowledged action
//! is durable (its transaction committed with an fsync) before `apply` returns.
//!
//! `cargo bench -p linedesk-server --bench commits` (release); `COMMITS_SECONDS` sets the
//! duration of each run (default 3).

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use linedesk_protocol::Action;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Applied, Storage, Subject};

fn run(threads: usize, seconds: u64) -> (u64, f64) {
    let dir = tempfile::tempdir().expect("dir");
    let storage = Arc::new(SqliteStorage::open(&dir.path().join("bench.db")).expect("storage"));
    let line = storage.add_line("Линия").expect("line");
    let clients: Vec<u64> = (0..threads)
        .map(|i| {
            storage
                .add_client(line, &format!("client {i}"))
                .expect("client")
        })
        .collect();
    let start = Arc::new(Barrier::new(threads + 1));
    let handles: Vec<_> = clients
        .into_iter()
        .map(|client| {
            let storage = storage.clone();
            let start = start.clone();
            std::thread::spawn(move || {
                start.wait();
                let until = Instant::now() + Duration::from_secs(seconds);
                let mut done = 0u64;
                while Instant::now() < until {
                    let action = Action::ClientMessage {
                        text: format!("message {done}"),
                    };
                    let applied = storage
                        .apply(
                            Subject::client(client),
                            &format!("k{done}"),
                            &action,
                            linedesk_server::app::now_ms(),
                        )
                        .expect("apply");
                    assert!(matches!(applied, Applied::Done(_)));
                    done += 1;
                }
                done
            })
        })
        .collect();
    start.wait();
    let began = Instant::now();
    let total: u64 = handles.into_iter().map(|h| h.join().expect("thread")).sum();
    let elapsed = began.elapsed().as_secs_f64();
    (total, total as f64 / elapsed)
}

fn main() {
    let seconds = std::env::var("COMMITS_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    println!("threads  acknowledged  per_second");
    for threads in [1, 4, 16, 64] {
        let (total, rate) = run(threads, seconds);
        println!("{threads:>7}  {total:>12}  {rate:>10.0}");
    }
}
