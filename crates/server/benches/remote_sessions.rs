//! Remote sessions (V2) on the line server's storage: what asking costs by request and by
//! password (argon2 verification runs outside the storage lock, so this is the latency a
//! specialist sees, not time other sessions wait), and a wrong password refused.

use criterion::{Criterion, criterion_group, criterion_main};
use linedesk_protocol::{Action, RemoteMode};
use linedesk_server::auth::hash_password;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Storage, StorageError, Subject};

const PASSWORD: &str = "сеанс-2026";

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("dir");
    let s = SqliteStorage::open(&dir.path().join("bench.db")).expect("storage");
    let line = s.add_line("Линия").expect("line");
    let client = s.add_client(line, "Иванова").expect("client");
    let anna = s
        .add_specialist("anna", &hash_password("x").expect("hash"), "Анна")
        .expect("anna");
    s.serve_line(anna, line, 0, 5).expect("serve");
    let vera = s
        .add_specialist("vera", &hash_password("x").expect("hash"), "Вера")
        .expect("vera");
    s.serve_line(vera, line, 0, 5).expect("serve");
    let now = linedesk_server::app::now_ms();
    s.apply(
        Subject::client(client),
        "set",
        &Action::SetRemotePassword {
            password: Some(PASSWORD.into()),
        },
        now,
    )
    .expect("password");
    let mut n = 0u64;
    let mut cycle = |mode: RemoteMode, password: Option<&str>| {
        n += 1;
        let ask = Action::RequestRemoteSession {
            line,
            client,
            mode,
            password: password.map(str::to_string),
        };
        s.apply(Subject::specialist(anna), &format!("a{n}"), &ask, now)
            .expect("asked");
        // Ending it (as the client) frees the client for the next round.
        let session = n;
        s.apply(
            Subject::client(client),
            &format!("e{n}"),
            &Action::EndRemoteSession {
                session,
                reason: None,
            },
            now,
        )
        .expect("ended");
    };
    let mut group = c.benchmark_group("remote_session");
    group.sample_size(30);
    group.bench_function("ask_and_end_by_request", |b| {
        b.iter(|| cycle(RemoteMode::ByRequest, None))
    });
    group.bench_function("ask_and_end_by_password", |b| {
        b.iter(|| cycle(RemoteMode::ByPassword, Some(PASSWORD)))
    });
    // Wrong ones from a colleague, spread over time so the throttle never engages.
    let mut at = now;
    group.bench_function("wrong_password_refused", |b| {
        b.iter(|| {
            at += 16 * 60 * 1000;
            n += 1;
            let ask = Action::RequestRemoteSession {
                line,
                client,
                mode: RemoteMode::ByPassword,
                password: Some("wrong-one".into()),
            };
            let refused = s.apply(Subject::specialist(vera), &format!("w{n}"), &ask, at);
            assert!(matches!(refused, Err(StorageError::WrongPassword)));
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
