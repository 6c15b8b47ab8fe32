//! R1: a year of a 50-specialist line, about 500,000 appeals, in a SQLite file, and the time of
//! each report over the whole year on the real backend (`Storage::sla_report`, ...), on the
//! reader connection the HTTP routes use. The goal is under a second per report.
//!
//! The year is written straight into the tables the server keeps (as its actions would have
//! left them: appeals, their SLA timers with the decided figures of migration 20, transfers,
//! ratings, calls with both parties' statistics and recordings), since two million actions
//! through `apply` would take the bench longer than the question it answers.
//!
//! `cargo bench -p linedesk-server --bench reports` (release); `REPORTS_APPEALS` sets the
//! number of appeals (default 500,000), `REPORTS_RUNS` the runs per report (default 5).

use std::time::{Duration, Instant};

use linedesk_domain::sla::{SlaClock, SupportLevel, parse_calendar, parse_duration};
use linedesk_line::reports::ReportQuery;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::Storage;
use rusqlite::{Connection, params};

const SPECIALISTS: u64 = 50;
const CLIENTS: u64 = 20_000;
const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
/// 2026-01-01 00:00 UTC.
const YEAR_START: i64 = 1_767_225_600_000;
const LEVELS: [&str; 3] = ["Default", "VIP", "Партнёры"];
const CALENDAR: &str = "tz Europe/Moscow; Mon-Fri 09-18";

/// xorshift64*: a fixed, reproducible year.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn write_year(conn: &mut Connection, line: i64, appeals: u64) -> rusqlite::Result<()> {
    let level = SupportLevel {
        name: "Default".into(),
        calendar: parse_calendar(CALENDAR).expect("calendar"),
        reaction: parse_duration("1h").expect("1h"),
        resolution: parse_duration("8h").expect("8h"),
        conditions: Default::default(),
    };
    let tx = conn.transaction()?;
    {
        let mut client = tx.prepare("INSERT INTO clients (line_id, name) VALUES (?1, ?2)")?;
        for i in 0..CLIENTS {
            client.execute(params![line, format!("Клиент {i}")])?;
        }
        let first_client: i64 = tx.query_row("SELECT MIN(id) FROM clients", [], |r| r.get(0))?;
        let specialists: Vec<i64> = tx
            .prepare("SELECT specialist_id FROM line_specialists WHERE line_id = ?1")?
            .query_map([line], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut appeal = tx.prepare(
            "INSERT INTO appeals (line_id, client_id, state, holder, opened_at, result, spam,
                 stars, rating_comment) VALUES (?1, ?2, ?3, ?4, ?5, 'Решено', ?6, ?7, ?8)",
        )?;
        let mut timer = tx.prepare(
            "INSERT INTO appeal_sla (appeal_id, line_id, level, calendar, clock,
                 reaction_risk_at, reaction_due, resolution_risk_at, resolution_due, reacted_at,
                 resolved_at, reaction_work_ms, reaction_met, resolution_work_ms, resolution_met,
                 opened_at, holder, spam, stars)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?7, ?8, ?9, ?10, ?11, ?12, ?13,
                 a.opened_at, a.holder, a.spam, a.stars FROM appeals a WHERE a.id = ?1",
        )?;
        let mut transfer = tx.prepare(
            "INSERT INTO appeal_transfers (line_id, seq, appeal_id, from_specialist,
                 to_specialist, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut call = tx.prepare(
            "INSERT INTO calls (line_id, client_id, specialist_id, appeal_id, from_client, state,
                 placed_at, connected_at, ended_at, end_reason)
             VALUES (?1, ?2, ?3, ?4, 1, 'ended', ?5, ?6, ?7, ?8)",
        )?;
        let mut stats = tx.prepare(
            "INSERT INTO call_stats (call_id, party, at, duration_ms, packets_sent,
                 packets_received, loss_permille, late_permille, jitter_ms, buffer_ms, mos_centi)
             VALUES (?1, ?2, ?3, ?4, 0, 0, ?5, 0, ?6, 40, ?7)",
        )?;
        let mut recording = tx.prepare(
            "INSERT INTO call_recordings (call_id, bytes, duration_ms, sha256, uploaded_by,
                 uploaded_at) VALUES (?1, ?2, ?3, 'x', ?4, ?5)",
        )?;
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let step = 365 * DAY / i64::try_from(appeals).unwrap_or(1);
        let open_from = appeals.saturating_sub(300);
        let mut seq = 0i64;
        for n in 0..appeals {
            let opened = YEAR_START + i64::try_from(n).unwrap_or(0) * step;
            let holder = specialists[usize::try_from(rng.below(SPECIALISTS)).unwrap_or(0)];
            let open = n >= open_from;
            // A client has one open appeal at most: the open ones are distinct clients.
            let client = first_client
                + i64::try_from(if open {
                    n % CLIENTS
                } else {
                    rng.below(CLIENTS)
                })
                .unwrap_or(0);
            let stars = (!open && rng.chance(30)).then(|| 1 + rng.below(5) as i64);
            let comment = (stars.is_some() && rng.chance(30)).then_some("Спасибо за помощь");
            appeal.execute(params![
                line,
                client,
                if open { "assigned" } else { "finished" },
                holder,
                opened,
                rng.chance(1),
                stars,
                comment
            ])?;
            let id = tx.last_insert_rowid();
            let level_name = LEVELS[usize::try_from(rng.below(3)).unwrap_or(0)];
            let reaction_work = MINUTE * (1 + rng.below(90) as i64);
            let resolution_work = reaction_work + MINUTE * rng.below(10 * 60) as i64;
            if open {
                let clock = SlaClock::start(
                    &level,
                    chrono::DateTime::from_timestamp_millis(opened).expect("time"),
                )
                .expect("clock");
                let json = serde_json::to_string(&clock).expect("clock json");
                let due = clock.deadlines();
                timer.execute(params![
                    id,
                    line,
                    level_name,
                    CALENDAR,
                    json,
                    due.reaction_due().timestamp_millis(),
                    due.resolution_due().timestamp_millis(),
                    None::<i64>,
                    None::<i64>,
                    None::<i64>,
                    None::<bool>,
                    None::<i64>,
                    None::<bool>
                ])?;
            } else {
                timer.execute(params![
                    id,
                    line,
                    level_name,
                    CALENDAR,
                    "{}",
                    opened + HOUR,
                    opened + 8 * HOUR,
                    opened + reaction_work,
                    opened + resolution_work + 14 * HOUR,
                    reaction_work,
                    reaction_work <= HOUR,
                    resolution_work,
                    resolution_work <= 8 * HOUR
                ])?;
            }
            if rng.chance(10) {
                seq += 1;
                let to = specialists[usize::try_from(rng.below(SPECIALISTS)).unwrap_or(0)];
                transfer.execute(params![line, seq, id, holder, to, opened + 5 * MINUTE])?;
            }
            if rng.chance(20) {
                let missed = rng.chance(5);
                let placed = opened + MINUTE;
                let talk = MINUTE * (1 + rng.below(20) as i64);
                call.execute(params![
                    line,
                    client,
                    holder,
                    id,
                    placed,
                    (!missed).then_some(placed + 10_000),
                    placed + 10_000 + if missed { 0 } else { talk },
                    if missed { "no_answer" } else { "hung_up" }
                ])?;
                let call_id = tx.last_insert_rowid();
                if !missed {
                    for party in ["specialist", "client"] {
                        stats.execute(params![
                            call_id,
                            party,
                            placed + talk,
                            talk,
                            rng.below(60) as i64,
                            rng.below(40) as i64,
                            250 + rng.below(200) as i64
                        ])?;
                    }
                    if rng.chance(50) {
                        recording.execute(params![
                            call_id,
                            talk * 4,
                            talk,
                            holder,
                            placed + talk
                        ])?;
                    }
                }
            }
        }
    }
    tx.commit()
}

/// This thread's CPU time (user + system) from `/proc/thread-self/stat`, in clock ticks of
/// 10 ms: on a machine shared with other work the wall time says how long one waited, the CPU
/// time how much work a report is.
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    // The fields after the command's closing parenthesis; utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    field(11) + field(12)
}

/// Fastest and median wall time, and the median CPU time, of `runs` runs.
fn time<T>(runs: u32, mut f: impl FnMut() -> T) -> (Duration, Duration, Duration) {
    let mut all: Vec<(Duration, u64)> = (0..runs)
        .map(|_| {
            let began = Instant::now();
            let cpu = cpu_ticks();
            std::hint::black_box(f());
            (began.elapsed(), cpu_ticks() - cpu)
        })
        .collect();
    let mut cpu: Vec<u64> = all.iter().map(|(_, c)| *c).collect();
    cpu.sort_unstable();
    all.sort();
    (
        all[0].0,
        all[all.len() / 2].0,
        Duration::from_millis(cpu[cpu.len() / 2] * 10),
    )
}

fn main() {
    let appeals: u64 = std::env::var("REPORTS_APPEALS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(500_000);
    let runs: u32 = std::env::var("REPORTS_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
        .max(1);
    let dir = tempfile::tempdir().expect("dir");
    // `REPORTS_DB=path`: keep the year there (written once, reused by later runs).
    let kept = std::env::var_os("REPORTS_DB").map(std::path::PathBuf::from);
    let path = kept.clone().unwrap_or_else(|| dir.path().join("server.db"));
    if kept.is_some() && path.exists() {
        let s = SqliteStorage::open(&path).expect("storage");
        report(&s, 1, runs);
        return;
    }
    let line = {
        let s = SqliteStorage::open(&path).expect("storage");
        let line = s.add_line("Линия").expect("line");
        for i in 0..SPECIALISTS {
            let id = s
                .add_specialist(&format!("s{i}"), "x", &format!("Специалист {i:02}"))
                .expect("specialist");
            s.serve_line(id, line, 0, 5).expect("serve");
        }
        line
    };
    let began = Instant::now();
    let mut conn = Connection::open(&path).expect("open");
    write_year(&mut conn, i64::try_from(line).unwrap_or(1), appeals).expect("year");
    conn.execute_batch("ANALYZE").expect("analyze");
    drop(conn);
    println!(
        "wrote {appeals} appeals of one year, {SPECIALISTS} specialists, in {:.1} s ({} MB)",
        began.elapsed().as_secs_f64(),
        std::fs::metadata(&path)
            .map(|m| m.len() / 1_000_000)
            .unwrap_or(0)
    );
    let s = SqliteStorage::open(&path).expect("storage");
    report(&s, line, runs);
}

/// Time each report over the year of `line`.
fn report(s: &SqliteStorage, line: u64, runs: u32) {
    let year = ReportQuery {
        from_ms: YEAR_START,
        to_ms: YEAR_START + 366 * DAY,
        specialist: None,
        level: None,
        appeal_type: None,
    };
    let one = ReportQuery {
        specialist: Some(2),
        ..year.clone()
    };
    let vip = ReportQuery {
        level: Some("VIP".into()),
        ..year.clone()
    };
    let now = YEAR_START + 366 * DAY;
    println!("report                                  fastest    median   CPU (median)");
    let row = |name: &str, (fastest, median, cpu): (Duration, Duration, Duration)| {
        println!(
            "{name:<38} {:>7.1} ms {:>7.1} ms {:>7} ms",
            fastest.as_secs_f64() * 1e3,
            median.as_secs_f64() * 1e3,
            cpu.as_millis()
        );
    };
    let sla = s.sla_report(line, &year, false, now).expect("sla");
    assert!(sla.total.appeals > 0, "the year is there");
    row(
        "SLA (S6), the line's year",
        time(runs, || s.sla_report(line, &year, false, now)),
    );
    row(
        "SLA, one specialist's year",
        time(runs, || s.sla_report(line, &one, true, now)),
    );
    row(
        "SLA, one level's year",
        time(runs, || s.sla_report(line, &vip, false, now)),
    );
    row(
        "operators (A6), the line's year",
        time(runs, || s.operator_report(line, &year, false)),
    );
    row(
        "operators, one specialist's year",
        time(runs, || s.operator_report(line, &one, true)),
    );
    row(
        "calls, the line's year",
        time(runs, || s.call_report(line, &year, false)),
    );
    row(
        "calls, one specialist's year",
        time(runs, || s.call_report(line, &one, true)),
    );
    row("monitor, now", time(runs, || s.monitor(line, now)));
    println!(
        "(the year: {} appeals reported, {} breached, {} calls)",
        sla.total.appeals,
        sla.breached_total,
        s.call_report(line, &year, false)
            .expect("calls")
            .total
            .calls
    );
}
