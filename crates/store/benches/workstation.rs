//! The workstation's lists over a grown store: the specialist's appeals (A6) among 50,000
//! appeals of which 10,000 are theirs, and the ticket folder and search by number (T3, T4)
//! among 20,000 tickets with their history.

use std::hint::black_box;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use linedesk_domain::ids::{QueueId, SpecialistId};
use linedesk_domain::ticket::{TicketAction, TicketHistoryEntry, TicketNumber};
use linedesk_store::replica::{ClientRecord, RemoteChange};
use linedesk_store::{AppealListFilter, AppealListStatus, Store};

const NOW: i64 = 1_764_000_000_000;
const LINE: i64 = 1;
const ME: i64 = 5;

fn entry(by: i64, action: TicketAction, at: i64) -> TicketHistoryEntry {
    TicketHistoryEntry {
        at: Utc.timestamp_millis_opt(at).single().expect("time"),
        by: SpecialistId(by as u64),
        action,
    }
}

/// 200 clients, 50,000 appeals (every fifth mine; channels and ends mixed), 20,000 tickets
/// (every tenth mine, half of them dispatched).
fn grown() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("bench.db")).expect("open");
    let mut log = vec![
        RemoteChange::Line {
            name: "Линия".into(),
        },
        RemoteChange::TicketQueue {
            id: 1,
            name: "Первая линия".into(),
        },
    ];
    for c in 0..200 {
        log.push(RemoteChange::Client(Box::new(ClientRecord {
            id: 1000 + c,
            name: format!("Клиент {c}"),
            ..ClientRecord::default()
        })));
    }
    let channels = ["chat", "call", "file", "manual", "remote"];
    for a in 0..50_000i64 {
        let client = 1000 + a % 200;
        let at = NOW + a * 60_000;
        let holder = if a % 5 == 0 { ME } else { 6 + a % 7 };
        log.push(RemoteChange::AppealOpened {
            client,
            appeal: a + 1,
            channel: channels[(a % 5) as usize].into(),
            at,
        });
        log.push(RemoteChange::AppealHeld {
            client,
            appeal: a + 1,
            specialist: holder,
            mine: holder == ME,
        });
        if a < 49_000 {
            log.push(RemoteChange::AppealEnded {
                client,
                appeal: a + 1,
                result: (a % 13 != 0).then(|| "Помогли".into()),
                spam_by: (a % 13 == 0).then_some(holder),
                at: at + 30_000,
            });
        }
    }
    for t in 0..20_000i64 {
        let creator = if t % 10 == 0 { ME } else { 6 + t % 7 };
        let at = NOW + t * 60_000;
        log.push(RemoteChange::TicketCreated {
            id: t + 1,
            client: 1000 + t % 200,
            number: TicketNumber {
                year: 2026,
                seq: (t + 1) as u32,
            }
            .to_string(),
            subject: "Ошибка печати".into(),
            text: "Не печатается".into(),
            state: "open".into(),
            at,
            appeal: None,
            entry: entry(creator, TicketAction::Created, at),
        });
        if t % 2 == 0 {
            log.push(RemoteChange::TicketChanged {
                id: t + 1,
                state: "open_dispatch".into(),
                repeat: false,
                at: at + 1,
                queue: Some(1),
                entry: entry(
                    creator,
                    TicketAction::Dispatched { queue: QueueId(1) },
                    at + 1,
                ),
            });
        }
    }
    let changes: Vec<(i64, RemoteChange)> = log
        .into_iter()
        .enumerate()
        .map(|(i, c)| (i as i64 + 1, c))
        .collect();
    for chunk in changes.chunks(10_000) {
        store.apply_remote(LINE, chunk).expect("apply");
    }
    (dir, store)
}

fn bench(c: &mut Criterion) {
    let (_dir, store) = grown();
    let mut group = c.benchmark_group("workstation");
    group.sample_size(30);
    group.bench_function("my_appeals_all_10000_of_50000", |b| {
        b.iter(|| {
            store
                .my_appeals(ME, black_box(&AppealListFilter::default()))
                .expect("list")
        })
    });
    let narrow = AppealListFilter {
        status: Some(AppealListStatus::Spam),
        from: Some(NOW),
        to: Some(NOW + 30 * 24 * 3_600_000),
        channel: Some("chat".into()),
        limit: None,
    };
    let page = AppealListFilter {
        limit: Some(100),
        ..AppealListFilter::default()
    };
    group.bench_function("my_appeals_newest_100_of_50000", |b| {
        b.iter(|| store.my_appeals(ME, black_box(&page)).expect("list"))
    });
    group.bench_function("my_appeals_spam_chat_month_of_50000", |b| {
        b.iter(|| store.my_appeals(ME, black_box(&narrow)).expect("list"))
    });
    group.bench_function("ticket_folder_2000_of_20000", |b| {
        b.iter(|| store.ticket_folder(black_box(ME)).expect("folder"))
    });
    group.bench_function("find_ticket_by_number_of_20000", |b| {
        b.iter(|| store.find_ticket(black_box("26-012345")).expect("find"))
    });
    group.bench_function("tickets_in_queue_10000_of_20000", |b| {
        b.iter(|| store.tickets_in_queue(black_box(1)).expect("queue"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
