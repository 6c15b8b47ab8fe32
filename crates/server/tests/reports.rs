//! R1 over the real server: the reports of a hand-computed week (S6 compliance with working
//! times, A6 operator statistics with transfers and ratings, calls with their quality, the
//! online monitor), fetched over HTTP; who may see what (supervisor granted by the admin API;
//! a specialist sees only their own figures; typed refusals).
//!
//! The fixture is applied through `Storage::apply` at chosen instants before the server starts
//! (so no timer races it), on a line whose level is "tz UTC; Mon-Fri 09-18", reaction 1h,
//! resolution 4h. Monday is 2026-11-23.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{http, http_get, token};
use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::reports::{
    CallReport, MonitorReport, OperatorReport, ReportAccess, SlaReport,
};
use linedesk_protocol::{Action, CallEndReason, CallQuality, Event};
use linedesk_server::app::{Server, now_ms, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::config::HttpPolicy;
use linedesk_server::session_limits::SessionLimits;
use linedesk_server::sla_file::parse_levels;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Applied, Storage, Subject};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
/// Monday 2026-11-23 00:00 UTC.
const MON: i64 = 1_795_392_000_000;
const TUE: i64 = MON + 24 * HOUR;
const WED: i64 = TUE + 24 * HOUR;

const LEVELS: &str = r#"
[[level]]
name = "Default"
calendar = "tz UTC; Mon-Fri 09-18"
reaction = "1h"
resolution = "4h"
"#;

struct Fixture {
    addr: std::net::SocketAddr,
    line: u64,
    anna: u64,
    vera: u64,
    appeals: [u64; 5],
    _dir: tempfile::TempDir,
}

fn done(storage: &SqliteStorage, who: Subject, key: &str, action: Action, at: i64) -> Vec<Event> {
    match storage.apply(who, key, &action, at) {
        Ok(Applied::Done(events)) => events.into_iter().map(|e| e.event).collect(),
        other => panic!("{key}: {other:?}"),
    }
}

fn opened(events: &[Event]) -> u64 {
    events
        .iter()
        .find_map(|e| match e {
            Event::AppealOpened { appeal, .. } => Some(*appeal),
            _ => None,
        })
        .expect("an appeal opened")
}

fn ringing(events: &[Event]) -> u64 {
    events
        .iter()
        .find_map(|e| match e {
            Event::CallRinging { call, .. } => Some(*call),
            _ => None,
        })
        .expect("a call rings")
}

fn quality(mos_centi: u16, loss_permille: u32, jitter_ms: u32) -> CallQuality {
    CallQuality {
        duration_ms: 300_000,
        packets_sent: 15_000,
        packets_received: 15_000,
        loss_permille,
        late_permille: 0,
        jitter_ms,
        buffer_ms: 40,
        rtt_ms: None,
        mos_centi,
        far_loss_permille: None,
        far_jitter_ms: None,
    }
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("dir");
    let s = Arc::new(SqliteStorage::open(&dir.path().join("server.db")).expect("storage"));
    let line = s.add_line("Линия А").expect("line");
    let other = s.add_line("Линия Б").expect("line");
    s.set_sla_levels(
        line,
        &parse_levels("levels.toml", LEVELS).expect("levels").set,
    )
    .expect("levels");
    let hash = |p: &str| hash_password(p).expect("hash");
    let anna = s
        .add_specialist("anna", &hash("anna-pass"), "Анна")
        .expect("anna");
    let vera = s
        .add_specialist("vera", &hash("vera-pass"), "Вера")
        .expect("vera");
    let boris = s
        .add_specialist("boris", &hash("boris-pass"), "Борис")
        .expect("boris");
    s.serve_line(anna, line, 5, 5).expect("serve");
    s.serve_line(vera, line, 0, 5).expect("serve");
    s.serve_line(boris, other, 0, 5).expect("serve");
    s.add_admin("root", &hash("root-pass")).expect("admin");
    let clients: Vec<u64> = [
        "Иванова",
        "Сидоров",
        "Кузнецова",
        "Попов",
        "Спамер",
        "Завтрашний",
    ]
    .iter()
    .enumerate()
    .map(|(i, name)| {
        let c = s.add_client(line, name).expect("client");
        s.set_client_login(c, &format!("client{i}"), &hash("client-pass"))
            .expect("login");
        c
    })
    .collect();
    let sp = Subject::specialist;
    let cl = Subject::client;
    let say = |line: u64, client: u64| Action::SendMessage {
        line,
        client,
        text: "Здравствуйте".into(),
    };
    let ask = || Action::ClientMessage {
        text: "Помогите".into(),
    };
    let finish = |appeal: u64| Action::FinishAppeal {
        appeal,
        result: "Решено".into(),
    };
    let available = Action::SetPresence {
        status: PresenceStatus::Available,
    };
    done(&s, sp(anna), "a-on", available.clone(), MON + 9 * HOUR);
    done(&s, sp(vera), "v-on", available, MON + 9 * HOUR);

    // #1 Mon 10:00, answered 10:30 (30 min), finished 13:00 (3 h), rated 5 "Спасибо".
    let a1 = opened(&done(&s, cl(clients[0]), "c0-1", ask(), MON + 10 * HOUR));
    done(
        &s,
        sp(anna),
        "a1-say",
        say(line, clients[0]),
        MON + 10 * HOUR + 30 * MINUTE,
    );
    // A call to her at 10:40: connected 10:40:10, hung up 10:45:10; the worse party's figures
    // are MOS 3.80, loss 2.0 %, jitter 12 ms.
    let call = ringing(&done(
        &s,
        sp(anna),
        "a1-call",
        Action::PlaceCall {
            line,
            client: Some(clients[0]),
        },
        MON + 10 * HOUR + 40 * MINUTE,
    ));
    let connected = MON + 10 * HOUR + 40 * MINUTE + 10_000;
    done(
        &s,
        cl(clients[0]),
        "c0-answer",
        Action::AnswerCall { call },
        connected,
    );
    let hang = Action::HangUp {
        call,
        reason: CallEndReason::HungUp,
    };
    done(&s, sp(anna), "a1-hang", hang, connected + 5 * MINUTE);
    let stats = |quality| Action::CallStats { call, quality };
    done(
        &s,
        sp(anna),
        "a1-stats",
        stats(quality(420, 5, 12)),
        connected + 6 * MINUTE,
    );
    done(
        &s,
        cl(clients[0]),
        "c0-stats",
        stats(quality(380, 20, 8)),
        connected + 6 * MINUTE,
    );
    done(&s, sp(anna), "a1-fin", finish(a1), MON + 13 * HOUR);
    let rate = |appeal, stars, comment: &str| Action::RateAppeal {
        appeal,
        stars,
        comment: Some(comment.into()),
    };
    done(
        &s,
        cl(clients[0]),
        "c0-rate",
        rate(a1, 5, "Спасибо"),
        MON + 13 * HOUR + MINUTE,
    );

    // #3 Mon 11:00 to Anna; the client's call rings her at 11:05 and she declines (missed);
    // she hands it to Vera at 11:10; Vera answers 11:20 (20 min) and finishes 16:30 (5 h 30:
    // breached).
    let a3 = opened(&done(&s, cl(clients[2]), "c2-1", ask(), MON + 11 * HOUR));
    let missed = ringing(&done(
        &s,
        cl(clients[2]),
        "c2-call",
        Action::PlaceCall { line, client: None },
        MON + 11 * HOUR + 5 * MINUTE,
    ));
    let declined = Action::HangUp {
        call: missed,
        reason: CallEndReason::Declined,
    };
    done(
        &s,
        sp(anna),
        "a3-decline",
        declined,
        MON + 11 * HOUR + 5 * MINUTE + 30_000,
    );
    let transfer = Action::TransferAppeal {
        appeal: a3,
        to: Some(vera),
        reason: "К Вере".into(),
        target: None,
    };
    done(
        &s,
        sp(anna),
        "a3-transfer",
        transfer,
        MON + 11 * HOUR + 10 * MINUTE,
    );
    done(
        &s,
        sp(vera),
        "a3-say",
        say(line, clients[2]),
        MON + 11 * HOUR + 20 * MINUTE,
    );
    done(
        &s,
        sp(vera),
        "a3-fin",
        finish(a3),
        MON + 16 * HOUR + 30 * MINUTE,
    );

    // #4 Mon 12:00 to Anna, never answered: both deadlines passed (Mon 13:00, Mon 16:00).
    let a4 = opened(&done(&s, cl(clients[3]), "c3-1", ask(), MON + 12 * HOUR));

    // Spam, Mon 14:00: left out of every report.
    let spam = opened(&done(&s, cl(clients[4]), "c4-1", ask(), MON + 14 * HOUR));
    done(
        &s,
        sp(anna),
        "a-spam",
        Action::MarkSpam { appeal: spam },
        MON + 14 * HOUR + 5 * MINUTE,
    );

    // #2 Mon 17:30, answered Tue 09:45 (30 + 45 = 75 min: breached), finished Tue 12:00
    // (30 min + 3 h = 3 h 30: met), rated 2 "=долго".
    let a2 = opened(&done(
        &s,
        cl(clients[1]),
        "c1-1",
        ask(),
        MON + 17 * HOUR + 30 * MINUTE,
    ));
    done(
        &s,
        sp(anna),
        "a2-say",
        say(line, clients[1]),
        TUE + 9 * HOUR + 45 * MINUTE,
    );
    done(&s, sp(anna), "a2-fin", finish(a2), TUE + 12 * HOUR);
    done(
        &s,
        cl(clients[1]),
        "c1-rate",
        rate(a2, 2, "=долго"),
        TUE + 12 * HOUR + MINUTE,
    );

    // Wednesday, outside the period: Иванова again, answered and finished at once.
    let late = opened(&done(&s, cl(clients[0]), "c0-2", ask(), WED + 10 * HOUR));
    done(
        &s,
        sp(anna),
        "late-say",
        say(line, clients[0]),
        WED + 10 * HOUR + MINUTE,
    );
    done(
        &s,
        sp(anna),
        "late-fin",
        finish(late),
        WED + 10 * HOUR + 2 * MINUTE,
    );

    // One opened an hour from now: both deadlines in progress.
    let future = opened(&done(&s, cl(clients[5]), "c5-1", ask(), now_ms() + HOUR));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = Server::built(
        s.clone(),
        Duration::from_secs(30),
        HttpPolicy::default(),
        SessionLimits::default(),
    );
    tokio::spawn(async move { serve(listener, server).await });
    Fixture {
        addr,
        line,
        anna,
        vera,
        appeals: [a1, a2, a3, a4, future],
        _dir: dir,
    }
}

fn period(line: u64, report: &str, from: i64, to: i64) -> String {
    format!("/api/lines/{line}/reports/{report}?from_ms={from}&to_ms={to}")
}

async fn get<T: serde::de::DeserializeOwned>(f: &Fixture, path: &str, token: &str) -> T {
    let (status, body) = http_get(f.addr, path, Some(token)).await;
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_value(body).expect("the report's shape")
}

async fn make_supervisor(f: &Fixture, specialist: u64, on: bool) {
    let root = token(f.addr, "root", "root-pass").await;
    let path = format!(
        "/api/admin/lines/{}/specialists/{specialist}/supervisor",
        f.line
    );
    let body = format!("{{\"supervisor\":{on}}}");
    let (status, answer) = http(f.addr, "PUT", &path, Some(&root), body.as_bytes()).await;
    assert_eq!(status, 200, "{answer}");
}

#[tokio::test]
async fn r1_s6_a6_sla_operator_and_call_reports_match_the_hand_computed_week() {
    let f = fixture().await;
    make_supervisor(&f, f.anna, true).await;
    let anna = token(f.addr, "anna", "anna-pass").await;
    let access: ReportAccess = get(&f, "/api/reports/lines", &anna).await;
    assert_eq!(access.specialist, f.anna);
    assert_eq!(access.lines.len(), 1);
    assert!(access.lines[0].supervisor && access.lines[0].name == "Линия А");

    // S6, Monday and Tuesday.
    let sla: SlaReport = get(&f, &period(f.line, "sla", MON, WED), &anna).await;
    assert!(!sla.own_only);
    let t = sla.total;
    assert_eq!(t.appeals, 4, "spam and Wednesday left out");
    assert_eq!(
        (t.reaction.met, t.reaction.breached, t.reaction.in_progress),
        (2, 2, 0)
    );
    assert_eq!(
        (
            t.resolution.met,
            t.resolution.breached,
            t.resolution.in_progress
        ),
        (2, 2, 0)
    );
    // (30 + 75 + 20) / 3 min; (3 h + 3 h 30 + 5 h 30) / 3.
    assert_eq!(t.avg_reaction_work_ms, Some(125 * MINUTE / 3));
    assert_eq!(t.avg_resolution_work_ms, Some(4 * HOUR));
    assert_eq!(sla.by_level.len(), 1);
    assert_eq!(sla.by_level[0].level, "Default");
    let names: Vec<&str> = sla.by_specialist.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["Анна", "Вера"]);
    let a = sla.by_specialist[0].figures;
    assert_eq!(a.appeals, 3);
    assert_eq!((a.reaction.met, a.reaction.breached), (1, 2));
    assert_eq!((a.resolution.met, a.resolution.breached), (2, 1));
    assert_eq!(a.avg_reaction_work_ms, Some(105 * MINUTE / 2));
    assert_eq!(a.avg_resolution_work_ms, Some(13 * HOUR / 4));
    let v = sla.by_specialist[1].figures;
    assert_eq!(
        (v.appeals, v.reaction.met, v.resolution.breached),
        (1, 1, 1)
    );
    assert_eq!(v.avg_resolution_work_ms, Some(5 * HOUR + 30 * MINUTE));
    let [a1, a2, a3, a4, future] = f.appeals;
    let breached: Vec<(u64, bool, bool)> = sla
        .breached
        .iter()
        .map(|b| (b.appeal, b.reaction_breached, b.resolution_breached))
        .collect();
    assert_eq!(
        breached,
        [(a2, true, false), (a4, true, true), (a3, false, true)]
    );
    assert_eq!(sla.breached_total, 3);
    assert_eq!(sla.breached[1].client_name, "Попов");
    assert_eq!(sla.breached[1].reacted_ms, None);
    // A level filter that matches nothing.
    let none: SlaReport = get(
        &f,
        &format!("{}&level=VIP", period(f.line, "sla", MON, WED)),
        &anna,
    )
    .await;
    assert_eq!(none.total.appeals, 0);
    // Now: the appeal opened an hour from now is in progress on both deadlines.
    let soon = now_ms();
    let live: SlaReport = get(
        &f,
        &period(f.line, "sla", soon - HOUR, soon + 2 * HOUR),
        &anna,
    )
    .await;
    assert_eq!(live.total.appeals, 1);
    assert_eq!(live.total.reaction.in_progress, 1);
    assert_eq!(live.total.resolution.in_progress, 1);
    assert!(live.breached.is_empty());
    let _ = future;

    // A6.
    let ops: OperatorReport = get(&f, &period(f.line, "operators", MON, WED), &anna).await;
    assert_eq!(ops.rows.len(), 2);
    let (ra, rv) = (&ops.rows[0], &ops.rows[1]);
    assert_eq!((ra.specialist, ra.handled, ra.transfers), (f.anna, 2, 1));
    assert_eq!(ra.avg_first_reaction_work_ms, Some(105 * MINUTE / 2));
    // (3 h + 18 h 30) / 2 of the clock.
    assert_eq!(ra.avg_handling_ms, Some(43 * HOUR / 4));
    assert_eq!(
        (ra.rated, ra.avg_stars_centi, ra.stars),
        (2, Some(350), [0, 1, 0, 0, 1])
    );
    assert_eq!((rv.specialist, rv.handled, rv.transfers), (f.vera, 1, 0));
    assert_eq!(rv.avg_handling_ms, Some(5 * HOUR + 30 * MINUTE));
    assert_eq!((rv.rated, rv.avg_stars_centi), (0, None));
    let comments: Vec<(u64, u8, &str)> = ops
        .comments
        .iter()
        .map(|c| (c.appeal, c.stars, c.comment.as_str()))
        .collect();
    assert_eq!(comments, [(a2, 2, "=долго"), (a1, 5, "Спасибо")]);
    assert_eq!(ops.comments_total, 2);

    // Calls.
    let calls: CallReport = get(&f, &period(f.line, "calls", MON, WED), &anna).await;
    let c = calls.total;
    assert_eq!((c.calls, c.answered, c.missed), (2, 1, 1));
    assert_eq!(
        (c.total_duration_ms, c.avg_duration_ms),
        (5 * MINUTE, Some(5 * MINUTE))
    );
    assert_eq!(calls.calls_total, 2);
    assert_eq!(calls.calls[0].client_name, "Кузнецова");
    assert!(calls.calls[0].missed && calls.calls[0].from_client);
    let answered = &calls.calls[1];
    assert_eq!(
        (
            answered.mos_centi,
            answered.loss_permille,
            answered.jitter_ms,
            answered.duration_ms
        ),
        (Some(380), Some(20), Some(12), Some(5 * MINUTE))
    );
    let d = &calls.distribution;
    assert_eq!(d.measured, 1);
    let at = |buckets: &[linedesk_protocol::reports::Bucket], from: u32| {
        buckets.iter().find(|b| b.from == from).map(|b| b.count)
    };
    assert_eq!(at(&d.mos_centi, 360), Some(1));
    assert_eq!(at(&d.loss_permille, 10), Some(1));
    assert_eq!(at(&d.jitter_ms, 10), Some(1));
    assert_eq!(d.mos_centi.iter().map(|b| b.count).sum::<u32>(), 1);

    // The monitor: both available; Anna holds #4, the future one waits or is hers.
    let m: MonitorReport = get(&f, &format!("/api/lines/{}/reports/monitor", f.line), &anna).await;
    assert_eq!(m.specialists.len(), 2);
    assert!(
        m.specialists
            .iter()
            .all(|s| s.status == PresenceStatus::Available)
    );
    assert_eq!(m.queued + m.assigned, 2);
}

#[tokio::test]
async fn r1_a_specialist_sees_only_their_own_figures_and_refusals_are_typed() {
    let f = fixture().await;
    let vera = token(f.addr, "vera", "vera-pass").await;
    let own: SlaReport = get(&f, &period(f.line, "sla", MON, WED), &vera).await;
    assert!(own.own_only);
    assert_eq!(own.total.appeals, 1);
    assert_eq!(own.by_specialist.len(), 1);
    assert_eq!(own.by_specialist[0].specialist, Some(f.vera));
    let ops: OperatorReport = get(&f, &period(f.line, "operators", MON, WED), &vera).await;
    assert_eq!(ops.rows.len(), 1);
    assert!(ops.comments.is_empty());
    let calls: CallReport = get(&f, &period(f.line, "calls", MON, WED), &vera).await;
    assert_eq!(calls.total.calls, 0);

    let refused = |status: u16, body: &serde_json::Value, code: &str, rule: Option<&str>| {
        assert_eq!(body["code"], code, "{body}");
        assert_eq!(body["rule"].as_str(), rule, "{body}");
        status
    };
    // A colleague's figures, the monitor: not a supervisor.
    let colleague = format!("{}&specialist={}", period(f.line, "sla", MON, WED), f.anna);
    let (status, body) = http_get(f.addr, &colleague, Some(&vera)).await;
    assert_eq!(
        refused(status, &body, "forbidden", Some("report.not_supervisor")),
        403
    );
    let monitor = format!("/api/lines/{}/reports/monitor", f.line);
    let (status, body) = http_get(f.addr, &monitor, Some(&vera)).await;
    assert_eq!(
        refused(status, &body, "forbidden", Some("report.not_supervisor")),
        403
    );
    // Made a supervisor, she sees Anna's figures and the monitor; taken back, no longer.
    make_supervisor(&f, f.vera, true).await;
    let anna_only: SlaReport = get(&f, &colleague, &vera).await;
    assert_eq!((anna_only.own_only, anna_only.total.appeals), (false, 3));
    let (status, _) = http_get(f.addr, &monitor, Some(&vera)).await;
    assert_eq!(status, 200);
    make_supervisor(&f, f.vera, false).await;
    let (status, _) = http_get(f.addr, &monitor, Some(&vera)).await;
    assert_eq!(status, 403);

    // Bad periods.
    let (status, body) = http_get(f.addr, &period(f.line, "sla", WED, MON), Some(&vera)).await;
    assert_eq!(
        refused(status, &body, "invalid", Some("report.bad_period")),
        400
    );
    let long = period(f.line, "calls", MON - 400 * 24 * HOUR, WED);
    let (status, body) = http_get(f.addr, &long, Some(&vera)).await;
    assert_eq!(
        refused(status, &body, "invalid", Some("report.period_too_long")),
        400
    );
    let (status, body) = http_get(
        f.addr,
        &format!("/api/lines/{}/reports/sla?from_ms=x", f.line),
        Some(&vera),
    )
    .await;
    assert_eq!(refused(status, &body, "invalid", None), 400);
    // Another line's specialist, a client, an admin, nobody.
    let boris = token(f.addr, "boris", "boris-pass").await;
    let (status, body) = http_get(f.addr, &period(f.line, "sla", MON, WED), Some(&boris)).await;
    assert_eq!(refused(status, &body, "forbidden", None), 403);
    let client = token(f.addr, "client0", "client-pass").await;
    let (status, _) = http_get(
        f.addr,
        &period(f.line, "operators", MON, WED),
        Some(&client),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = http_get(f.addr, "/api/reports/lines", Some(&client)).await;
    assert_eq!(status, 403);
    let (status, body) = http_get(f.addr, &period(f.line, "sla", MON, WED), None).await;
    assert_eq!(refused(status, &body, "unauthenticated", None), 401);
    // The admin API refuses a specialist of another line as supervisor.
    let root = token(f.addr, "root", "root-pass").await;
    let path = format!("/api/admin/lines/{}/specialists/{}/supervisor", f.line, 999);
    let (status, _) = http(f.addr, "PUT", &path, Some(&root), b"{\"supervisor\":true}").await;
    assert_eq!(status, 404);
    let (status, _) = http(f.addr, "PUT", &path, Some(&vera), b"{\"supervisor\":true}").await;
    assert_eq!(status, 403);
}
