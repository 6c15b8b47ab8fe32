//! Client search over the demo line, and chat-history search over 100,000 messages.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use linedesk_store::Store;
use linedesk_store::demo::{self, DEMO_SEARCH_INN, DEMO_SEARCH_NAME_PART};

const NOW: i64 = 1_764_000_000_000;

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("bench.db")).expect("open");
    demo::seed_if_empty(&store, NOW).expect("seed");
    let line = store.lines().expect("lines")[0].id;

    c.bench_function("client_search_name_prefix_150_clients", |b| {
        b.iter(|| {
            store
                .search_clients(line, black_box(DEMO_SEARCH_NAME_PART), 50)
                .expect("search")
        })
    });
    c.bench_function("client_search_inn_150_clients", |b| {
        b.iter(|| {
            store
                .search_clients(line, black_box(DEMO_SEARCH_INN), 50)
                .expect("search")
        })
    });
    c.bench_function("client_list_stream_mode_150_clients", |b| {
        b.iter(|| store.client_list(line, black_box(NOW)).expect("list"))
    });

    // Grow the history to 100,000 messages over the line's clients.
    let clients: Vec<i64> = store
        .client_list(line, NOW)
        .expect("list")
        .clients
        .iter()
        .map(|c| c.id)
        .collect();
    let all: Vec<i64> = store
        .search_clients(line, "1c", 200)
        .expect("all")
        .iter()
        .map(|c| c.id)
        .collect();
    let ids = if all.is_empty() { clients } else { all };
    let words = [
        "отчёт",
        "выписка",
        "НДС",
        "обновление",
        "документ",
        "остатки",
        "договор",
        "печать",
    ];
    store
        .bulk_insert_client_messages_for_bench(line, &ids, 100_000, &words, NOW)
        .expect("fill");
    c.bench_function("history_search_100k_messages", |b| {
        b.iter(|| {
            store
                .search_history(line, None, black_box("выпис"), 50)
                .expect("search")
        })
    });
    c.bench_function("send_message_with_outbox", |b| {
        b.iter(|| {
            store
                .send_message(line, ids[0], black_box("Проверка скорости записи"), NOW)
                .expect("send")
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
