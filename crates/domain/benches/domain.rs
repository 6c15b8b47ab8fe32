//! Issue 3 benchmarks: an SLA deadline over a year of holidays, and routing at scale.

use std::hint::black_box;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use linedesk_domain::appeal::SupportTier;
use linedesk_domain::ids::{AppealId, SpecialistId};
use linedesk_domain::presence::PresenceStatus;
use linedesk_domain::routing::{Dispatcher, Specialist, route};
use linedesk_domain::sla::parse_calendar;

/// Mon-Fri with a lunch break, the Russian New Year holidays and a holiday every week of 2027.
fn year_of_holidays() -> String {
    let mut text = String::from(
        "tz Europe/Moscow; Mon-Fri 09-13,14-18; 2026-12-31 09-14; 2027-01-01..2027-01-08 off",
    );
    let mut day = NaiveDate::from_ymd_opt(2027, 1, 13).expect("date");
    while day.year_ce().1 == 2027 {
        text.push_str(&format!("; {day} off"));
        day += TimeDelta::days(7);
    }
    text
}

fn bench_sla(c: &mut Criterion) {
    let calendar = parse_calendar(&year_of_holidays()).expect("calendar");
    let five_days = TimeDelta::hours(8 * 5);
    let registered: DateTime<Utc> = "2026-12-29T12:00:00Z".parse().expect("time");
    c.bench_function(
        "sla_resolution_deadline_5_working_days_year_of_holidays",
        |b| {
            b.iter(|| {
                calendar
                    .add_working_time(black_box(registered), black_box(five_days))
                    .expect("due")
            })
        },
    );
    let text = year_of_holidays();
    c.bench_function("sla_parse_calendar_year_of_holidays", |b| {
        b.iter(|| parse_calendar(black_box(&text)).expect("calendar"))
    });
    c.bench_function("sla_working_time_between_one_quarter", |b| {
        let to = registered + TimeDelta::days(91);
        b.iter(|| calendar.working_time_between(black_box(registered), black_box(to)))
    });
}

fn specialists(n: u64, limit: u32) -> Vec<Specialist> {
    (0..n)
        .map(|i| Specialist {
            id: SpecialistId(i),
            presence: if i % 5 == 0 {
                PresenceStatus::Busy
            } else {
                PresenceStatus::Available
            },
            priority: (i % 7) as u8,
            limit,
            load: (i % 3) as u32,
        })
        .collect()
}

fn bench_routing(c: &mut Criterion) {
    let team = specialists(1_000, 5);
    let responsible = [SpecialistId(901), SpecialistId(17)];
    c.bench_function("routing_decision_1000_specialists", |b| {
        b.iter(|| route(black_box(&team), black_box(&responsible), None))
    });

    // 1,000 specialists all at their limit and 10,000 appeals waiting: a finish frees one
    // place and the queue's front is pulled into it.
    let mut full = Dispatcher::new(specialists(1_000, 2));
    // 800 Available specialists x limit 2 = 1,600 places; the rest of 11,600 queue.
    for a in 0..11_600u64 {
        full.arrive(AppealId(a), (a % 3) as u8, Vec::new())
            .expect("arrive");
    }
    assert_eq!(full.queue().len(), 10_000, "setup");
    c.bench_function("routing_arrive_into_queue_of_10000", |b| {
        b.iter_batched(
            || full.clone(),
            |mut d| {
                let m = d
                    .arrive(black_box(AppealId(20_000)), 1, Vec::new())
                    .expect("arrive");
                (d, m)
            },
            BatchSize::LargeInput,
        )
    });

    // The worst case of the drain: 10,000 second-tier appeals wait with nobody of that tier
    // free, while first-tier specialists are: every arrival scans past them.
    let mut blocked = Dispatcher::new(specialists(1_000, 2));
    for s in 0..1_000u64 {
        blocked
            .set_tiers(SpecialistId(s), &[SupportTier::First])
            .expect("tiers");
    }
    for a in 0..10_000u64 {
        blocked
            .arrive_in_tier(AppealId(a), (a % 3) as u8, Vec::new(), SupportTier::Second)
            .expect("arrive");
    }
    assert_eq!(blocked.queue().len(), 10_000, "setup");
    c.bench_function("routing_arrive_behind_10000_unservable", |b| {
        b.iter_batched(
            || blocked.clone(),
            |mut d| {
                let m = d
                    .arrive(black_box(AppealId(20_000)), 0, Vec::new())
                    .expect("arrive");
                (d, m)
            },
            BatchSize::LargeInput,
        )
    });

    c.bench_function("routing_finish_pulls_from_queue_of_10000", |b| {
        b.iter_batched(
            || full.clone(),
            // Return the dispatcher so its drop is not timed.
            |mut d| {
                let moves = d.finish(black_box(AppealId(1))).expect("finish");
                (d, moves)
            },
            BatchSize::LargeInput,
        )
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = bench_sla, bench_routing
}
criterion_main!(benches);
