//! Issue 16, item 5: the local store at 100,000 clients and 1,000,000 messages, data of the
//! demo's shape (`linedesk_demo::crowd`). Printed first, from a few hundred different queries
//! of each kind: p50/p99 of client search (surname prefix, one letter, e-mail, company, INN as
//! written and with spaces, phone), history search, opening a chat (its newest 50 messages),
//! and the first sync's writing of 100,000 clients (one event per transaction, as events come
//! live, and a replay page per transaction with the client index built at its end). Then criterion's figures for each kind.
//!
//! `cargo bench -p linedesk-store --bench scale` (release). `LINEDESK_SCALE_CLIENTS` and
//! `LINEDESK_SCALE_MESSAGES` make it smaller for a quick look; `LINEDESK_SCALE_DIR` (an empty
//! directory) keeps the stores it builds; `LINEDESK_SCALE_PAGE` sets the replay page and
//! `LINEDESK_SCALE_PAGED_ONLY` leaves out the one-event-per-transaction run.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use linedesk_store::Store;
use linedesk_store::demo::client_record;
use linedesk_store::replica::RemoteChange;

const NOW: i64 = 1_764_000_000_000;
const LINE: i64 = 1;
/// Events per transaction when a line's replay is written a page at a time: the sync's.
const PAGE: usize = linedesk_store::replica::REPLAY_PAGE;

fn size(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct World {
    _dir: Option<tempfile::TempDir>,
    store: Store,
    clients: Vec<linedesk_demo::Client>,
    companies: Vec<linedesk_demo::Company>,
    /// The client with the longest chat.
    talker: i64,
}

fn client_changes(
    companies: &[linedesk_demo::Company],
    clients: &[linedesk_demo::Client],
) -> Vec<(i64, RemoteChange)> {
    let world = linedesk_demo::World {
        companies: companies.to_vec(),
        lines: Vec::new(),
        specialist: linedesk_demo::world().specialist,
    };
    clients
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let id = i as i64 + 1;
            (
                id + 1,
                RemoteChange::Client(Box::new(client_record(&world, c, id))),
            )
        })
        .collect()
}

fn fresh_store(dir: &std::path::Path, name: &str) -> Store {
    let store = Store::open(&dir.join(name)).expect("open");
    store
        .apply_remote(
            LINE,
            &[(
                1,
                RemoteChange::Line {
                    name: linedesk_demo::DEMO_LINE_NAME.into(),
                },
            )],
        )
        .expect("line");
    store
}

fn build() -> World {
    let n_clients = size("LINEDESK_SCALE_CLIENTS", 100_000);
    let n_messages = size("LINEDESK_SCALE_MESSAGES", 1_000_000);
    // `LINEDESK_SCALE_DIR` keeps the stores for a look with sqlite3 afterwards.
    let (dir, kept) = match std::env::var_os("LINEDESK_SCALE_DIR") {
        Some(path) => (None, std::path::PathBuf::from(path)),
        None => {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().to_path_buf();
            (Some(dir), path)
        }
    };
    let (companies, clients) = linedesk_demo::crowd(n_clients);
    let changes = client_changes(&companies, &clients);

    // The first sync's writing of the clients, both ways, each into a fresh store.
    let single = if std::env::var_os("LINEDESK_SCALE_PAGED_ONLY").is_some() {
        Duration::ZERO
    } else {
        let one_by_one = fresh_store(&kept, "one-by-one.db");
        let started = Instant::now();
        for change in &changes {
            one_by_one
                .apply_remote(LINE, std::slice::from_ref(change))
                .expect("apply");
        }
        started.elapsed()
    };
    // As the sync writes a first replay: the client index deferred, pages, then the index
    // built once.
    let store = fresh_store(&kept, "scale.db");
    let page_size = size("LINEDESK_SCALE_PAGE", PAGE);
    let started = Instant::now();
    assert!(store.defer_client_index_if_empty().expect("defer"));
    for page in changes.chunks(page_size) {
        store.apply_remote(LINE, page).expect("apply");
    }
    let paged = started.elapsed();
    store.catch_up_client_index().expect("the index");
    let total = started.elapsed();
    println!(
        "first sync of {n_clients} clients into the store: one event per transaction {:.2} s; \
         a page of {page_size} per transaction with the client index built at the end {:.2} s \
         (pages {:.2} s, the index {:.2} s)",
        single.as_secs_f64(),
        total.as_secs_f64(),
        paged.as_secs_f64(),
        (total - paged).as_secs_f64()
    );

    // The history: a tenth of it in one long chat, the rest spread over every client.
    let ids: Vec<i64> = (1..=n_clients as i64).collect();
    let talker = ids[ids.len() / 2];
    let phrases: Vec<&str> = (0..20).map(linedesk_demo::crowd_phrase).collect();
    let started = Instant::now();
    store
        .bulk_insert_client_messages_for_bench(LINE, &[talker], n_messages / 10, &phrases, NOW)
        .expect("the long chat");
    store
        .bulk_insert_client_messages_for_bench(
            LINE,
            &ids,
            n_messages - n_messages / 10,
            &phrases,
            NOW,
        )
        .expect("the history");
    println!(
        "wrote {n_messages} messages in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    World {
        _dir: dir,
        store,
        clients,
        companies,
        talker,
    }
}

/// Queries of each kind, varied over the crowd.
fn queries(w: &World) -> Vec<(&'static str, Vec<String>)> {
    let pick = |step: usize| (0..200).map(move |i| (i * step + 7) % w.clients.len());
    let surname = pick(491)
        .map(|i| {
            let s: String = w.clients[i].name.chars().take(5).collect();
            s.to_lowercase()
        })
        .collect();
    let letter = ["п", "с", "к", "м", "а", "н", "о", "в"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let email = pick(613).map(|i| w.clients[i].email.clone()).collect();
    let company = pick(379)
        .map(|i| {
            let c = &w.companies[i / 4];
            // «Вектор 123»: the name's words without the form and quotes.
            c.name.split('"').nth(1).unwrap_or(&c.name).to_string()
        })
        .collect();
    let inn = pick(257).map(|i| w.companies[i / 4].inn.clone()).collect();
    let inn_spaced = pick(263)
        .map(|i| {
            let inn = &w.companies[i / 4].inn;
            format!("ИНН {} {} {}", &inn[..4], &inn[4..7], &inn[7..])
        })
        .collect();
    let phone = pick(331)
        .map(|i| {
            w.clients[i]
                .phone
                .clone()
                .unwrap_or_default()
                .replacen("+7", "8", 1)
        })
        .collect();
    vec![
        ("surname prefix", surname),
        ("one letter", letter),
        ("e-mail", email),
        ("company", company),
        ("INN", inn),
        ("INN with spaces and label", inn_spaced),
        ("phone as 8 9xx", phone),
    ]
}

fn percentiles(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let at = |q: f64| {
        let i = ((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1;
        times[i].as_secs_f64() * 1000.0
    };
    (at(0.50), at(0.99))
}

/// Each query `rounds` times, every answer timed.
fn timed(
    queries: &[String],
    rounds: usize,
    mut run: impl FnMut(&str) -> usize,
) -> (f64, f64, usize) {
    let mut times = Vec::new();
    let mut found = 0;
    for _ in 0..rounds {
        for q in queries {
            let started = Instant::now();
            found += run(q);
            times.push(started.elapsed());
        }
    }
    let (p50, p99) = percentiles(times);
    (p50, p99, found / rounds.max(1) / queries.len().max(1))
}

fn bench(c: &mut Criterion) {
    let w = build();
    let kinds = queries(&w);
    for (kind, qs) in &kinds {
        let (p50, p99, found) = timed(qs, 3, |q| {
            w.store.search_clients(LINE, q, 50).expect("search").len()
        });
        println!(
            "client search, {kind}: p50 {p50:.2} ms, p99 {p99:.2} ms ({found} found per query)"
        );
    }
    let history: Vec<String> = [
        "выписк",
        "отчёт",
        "подключ",
        "релиз",
        "перезаполн",
        "коллег",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let (p50, p99, found) = timed(&history, 20, |q| {
        w.store
            .search_history(LINE, None, q, 50)
            .expect("history")
            .len()
    });
    println!("history search, line-wide: p50 {p50:.2} ms, p99 {p99:.2} ms ({found} hits)");
    let chats: Vec<String> = (0..200)
        .map(|i| {
            if i % 2 == 0 {
                w.talker
            } else {
                (i * 499 % w.clients.len()) as i64 + 1
            }
            .to_string()
        })
        .collect();
    let (p50, p99, found) = timed(&chats, 3, |q| {
        let client: i64 = q.parse().expect("id");
        w.store
            .messages(LINE, client, None, 50)
            .expect("page")
            .len()
    });
    println!(
        "opening a chat (newest 50 messages): p50 {p50:.3} ms, p99 {p99:.3} ms ({found} shown)"
    );

    for (kind, qs) in &kinds {
        let mut i = 0;
        c.bench_function(
            &format!("scale_client_search_{}", kind.replace(' ', "_")),
            |b| {
                b.iter(|| {
                    i = (i + 1) % qs.len();
                    w.store
                        .search_clients(LINE, black_box(&qs[i]), 50)
                        .expect("search")
                })
            },
        );
    }
    c.bench_function("scale_history_search_1m_messages", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % history.len();
            w.store
                .search_history(LINE, None, black_box(&history[i]), 50)
                .expect("history")
        })
    });
    c.bench_function("scale_open_the_long_chat", |b| {
        b.iter(|| {
            w.store
                .messages(LINE, black_box(w.talker), None, 50)
                .expect("page")
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    targets = bench
}
criterion_main!(benches);
