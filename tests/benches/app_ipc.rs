//! Issue 16, item 5, through the real app's own IPC: the embedded line server holds the demo
//! and 100,000 more clients of the demo's shape (`linedesk_demo::crowd`, imported as a CSV
//! import would); the app starts on an empty store, and this prints how long it took until
//! its client list held every client (the first sync, app start included), then p50/p99 of
//! `search_clients` as the UI calls it (`window.__TAURI_INTERNALS__.invoke`, timed in the
//! page: WebKit to Rust and back, JSON both ways) for each kind of query.
//!
//! `cargo build --release -p linedesk && cargo bench -p linedesk-e2e --bench app_ipc` (the
//! release app beside the bench; Xvfb, tauri-driver and WebKitWebDriver as for the WebDriver
//! tests). `LINEDESK_IPC_CLIENTS` makes the crowd smaller for a quick look.

use std::time::{Duration, Instant};

use linedesk_e2e::{App, Desktop};
use linedesk_server::storage::Storage;
use serde_json::{Value, json};

#[path = "../e2e/call_transfer_common.rs"]
mod common;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}

async fn invoke(app: &App, command: &str, args: Value) -> (f64, Value) {
    let answer = app
        .client
        .execute_async(
            "const [cmd, args, done] = arguments;
             const t0 = performance.now();
             window.__TAURI_INTERNALS__.invoke(cmd, args)
               .then(v => done({ms: performance.now() - t0, ok: v}),
                     e => done({ms: performance.now() - t0, err: e}));",
            vec![json!(command), args],
        )
        .await
        .unwrap_or_else(|e| panic!("{command}: the page did not answer: {e}"));
    if let Some(err) = answer.get("err") {
        panic!("{command} refused: {err}");
    }
    (
        answer["ms"].as_f64().unwrap_or(f64::NAN),
        answer["ok"].clone(),
    )
}

fn percentiles(mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() as f64 * q).ceil() as usize).clamp(1, ms.len()) - 1];
    (at(0.50), at(0.99))
}

async fn run() {
    let n: usize = std::env::var("LINEDESK_IPC_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let data = tempfile::tempdir().expect("data dir");
    common::prepare_server(data.path());
    let (companies, clients) = linedesk_demo::crowd(n);
    let line = {
        let storage = linedesk_server::sqlite::SqliteStorage::open(
            &data.path().join("server").join("server.db"),
        )
        .expect("the server's db");
        let world = linedesk_demo::World {
            companies: companies.clone(),
            lines: Vec::new(),
            specialist: linedesk_demo::world().specialist,
        };
        let line = storage.lines().expect("lines")[0].id;
        let started = Instant::now();
        for (chunk, part) in clients.chunks(10_000).enumerate() {
            let rows: Vec<_> = part
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let mut stored = linedesk_server::demo::client_profile(&world, c);
                    // The crowd's logins repeat the demo's pools: unique ones for the import.
                    stored.connect_id = Some(format!("crowd-{}", chunk * 10_000 + i));
                    (chunk * 10_000 + i + 1, stored)
                })
                .collect();
            let refused = storage.import_clients(line, &rows).expect("import");
            assert!(refused.is_empty(), "refused: {:?}", &refused[..1]);
        }
        println!(
            "imported {n} clients into the line server in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        line
    };

    let desktop = Desktop::start();
    let started = Instant::now();
    let app = desktop.launch(data.path()).await;
    app.testid("main-window").await;
    let total = loop {
        let (_, list) = invoke(&app, "list_clients", json!({ "lineId": line })).await;
        let total = list["totalClients"].as_u64().unwrap_or(0) as usize;
        let in_sync = app
            .attr_of(&linedesk_e2e::by_testid("sync-status"), "data-state")
            .await;
        if total >= n && in_sync.as_deref() == Some("in_sync") {
            break total;
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the first sync took over 10 minutes ({total} clients)"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    println!(
        "first sync through the app: {total} clients listed and in sync {:.1} s after the \
         app was launched (its start and sign-in included)",
        started.elapsed().as_secs_f64()
    );

    let count = clients.len();
    let pick = |step: usize| (0..200).map(move |i| (i * step + 7) % count);
    let kinds: Vec<(&str, Vec<String>)> = vec![
        (
            "surname prefix",
            pick(491)
                .map(|i| {
                    clients[i]
                        .name
                        .chars()
                        .take(5)
                        .collect::<String>()
                        .to_lowercase()
                })
                .collect(),
        ),
        (
            "one letter",
            ["п", "с", "к", "м", "а", "н", "о", "в"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        ),
        (
            "e-mail",
            pick(613).map(|i| clients[i].email.clone()).collect(),
        ),
        (
            "company",
            pick(379)
                .map(|i| {
                    let c = &companies[i / 4];
                    c.name.split('"').nth(1).unwrap_or(&c.name).to_string()
                })
                .collect(),
        ),
        (
            "INN with spaces and label",
            pick(263)
                .map(|i| {
                    let inn = &companies[i / 4].inn;
                    format!("ИНН {} {} {}", &inn[..4], &inn[4..7], &inn[7..])
                })
                .collect(),
        ),
        (
            "phone as 8 9xx",
            pick(331)
                .map(|i| {
                    clients[i]
                        .phone
                        .clone()
                        .unwrap_or_default()
                        .replacen("+7", "8", 1)
                })
                .collect(),
        ),
    ];
    for (kind, queries) in kinds {
        let mut times = Vec::new();
        let mut empty = 0;
        // Three rounds: the page's first calls warm the IPC path up like a day's use does.
        for _ in 0..3 {
            for query in &queries {
                let (ms, rows) = invoke(
                    &app,
                    "search_clients",
                    json!({ "lineId": line, "query": query }),
                )
                .await;
                times.push(ms);
                if rows.as_array().is_none_or(|r| r.is_empty()) {
                    empty += 1;
                }
            }
        }
        let (p50, p99) = percentiles(times);
        println!(
            "search_clients through IPC, {kind}: p50 {p50:.2} ms, p99 {p99:.2} ms \
             ({} calls, {empty} found nothing)",
            queries.len() * 3
        );
    }
    app.quit().await;
}
