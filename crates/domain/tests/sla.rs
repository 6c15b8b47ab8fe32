//! SLA (S1-S6): the hand-checked calendar cases of `sla_cases.txt`, waiting (S4), levels (S5),
//! evaluation (S6), and the notation's errors.

use chrono::{DateTime, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use linedesk_domain::ids::LineId;
use linedesk_domain::sla::{
    AppealFacts, BusinessCalendar, Conditions, DeadlineStatus, LevelError, LevelSet, SlaClock,
    SupportLevel, parse_calendar, parse_duration,
};

fn local(tz: Tz, text: &str) -> DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("local time");
    tz.from_local_datetime(&naive)
        .earliest()
        .expect("existing local time")
        .to_utc()
}

fn show(tz: Tz, at: DateTime<Utc>, with_offset: bool) -> String {
    let l = at.with_timezone(&tz);
    if with_offset {
        l.format("%Y-%m-%d %H:%M %:z").to_string()
    } else {
        l.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// One line of the notation: `<calendar> | <opened> + <work> => <due>`; returns (got, expected).
fn run_case(line: &str) -> (String, String) {
    let (calendar, rest) = line.split_once(" | ").expect("calendar | case");
    let (left, expected) = rest.split_once(" => ").expect("=> due");
    let (opened, work) = left.split_once(" + ").expect("opened + work");
    let calendar = parse_calendar(calendar).unwrap_or_else(|e| panic!("{line}: {e}"));
    let tz = calendar.tz();
    let due = calendar
        .add_working_time(local(tz, opened), parse_duration(work).expect("duration"))
        .expect("due");
    (show(tz, due, expected.len() > 16), expected.to_string())
}

#[test]
fn s1_s2_hand_checked_calendar_cases() {
    let cases: Vec<&str> = include_str!("sla_cases.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert!(cases.len() >= 40, "at least 40 cases, have {}", cases.len());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|line| {
            let (got, expected) = run_case(line);
            (got != expected).then(|| format!("{line}\n    got {got}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases wrong:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn moscow_level(
    name: &str,
    reaction: &str,
    resolution: &str,
    conditions: Conditions,
) -> SupportLevel {
    SupportLevel {
        name: name.into(),
        calendar: parse_calendar("tz Europe/Moscow; Mon-Fri 09-18").expect("calendar"),
        reaction: parse_duration(reaction).expect("reaction"),
        resolution: parse_duration(resolution).expect("resolution"),
        conditions,
    }
}

const MSK: Tz = chrono_tz::Europe::Moscow;

#[test]
fn s3_deadlines_are_fixed_at_registration() {
    let level = moscow_level("Default", "2h", "18h", Conditions::default());
    let clock = SlaClock::start(&level, local(MSK, "2026-11-27 10:00")).expect("clock");
    let d = *clock.deadlines();
    assert_eq!(show(MSK, d.reaction_due(), false), "2026-11-27 12:00");
    assert_eq!(show(MSK, d.resolution_due(), false), "2026-12-01 10:00");
    assert_eq!(d.registered_at(), local(MSK, "2026-11-27 10:00"));
    // Changing the level afterwards does not touch a running clock (S3).
    let mut changed = level.clone();
    changed.reaction = TimeDelta::minutes(15);
    assert_eq!(clock.deadlines().reaction_due(), d.reaction_due());
}

#[test]
fn s4_waiting_across_a_weekend_extends_resolution_by_working_time_only() {
    let level = moscow_level("Default", "2h", "18h", Conditions::default());
    let mut clock = SlaClock::start(&level, local(MSK, "2026-11-27 10:00")).expect("clock");
    clock
        .start_waiting(local(MSK, "2026-11-27 16:00"))
        .expect("wait");
    assert!(
        clock.start_waiting(local(MSK, "2026-11-27 16:30")).is_err(),
        "already waiting"
    );
    // Fri 16-18 (2h) + Mon 09-11 (2h): the weekend does not count.
    let added = clock
        .stop_waiting(local(MSK, "2026-11-30 11:00"), &level.calendar)
        .expect("stop");
    assert_eq!(added, TimeDelta::hours(4));
    let due = clock.resolution_due(&level.calendar).expect("due");
    assert_eq!(show(MSK, due, false), "2026-12-01 14:00");
    assert!(
        clock
            .stop_waiting(local(MSK, "2026-11-30 12:00"), &level.calendar)
            .is_err(),
        "not waiting"
    );
    // The reaction deadline never moves.
    assert_eq!(
        show(MSK, clock.deadlines().reaction_due(), false),
        "2026-11-27 12:00"
    );
}

#[test]
fn s4_a_wait_entirely_outside_working_hours_adds_nothing() {
    let level = moscow_level("Default", "2h", "9h", Conditions::default());
    let mut clock = SlaClock::start(&level, local(MSK, "2026-11-27 10:00")).expect("clock");
    let before = clock.resolution_due(&level.calendar).expect("due");
    clock
        .start_waiting(local(MSK, "2026-11-28 10:00"))
        .expect("wait");
    clock
        .stop_waiting(local(MSK, "2026-11-29 20:00"), &level.calendar)
        .expect("stop");
    assert_eq!(clock.resolution_due(&level.calendar).expect("due"), before);
}

#[test]
fn s6_evaluation_on_track_at_risk_breached_met_paused() {
    let level = moscow_level("Default", "2h", "18h", Conditions::default());
    let cal = &level.calendar;
    let margin = TimeDelta::minutes(30);
    let mut clock = SlaClock::start(&level, local(MSK, "2026-11-27 10:00")).expect("clock");
    let at = |t: &str| local(MSK, t);
    let eval = |c: &SlaClock, t: &str| c.evaluate(cal, at(t), margin).expect("evaluate");

    assert_eq!(
        eval(&clock, "2026-11-27 11:00").reaction,
        DeadlineStatus::OnTrack
    );
    assert_eq!(
        eval(&clock, "2026-11-27 11:30").reaction,
        DeadlineStatus::AtRisk,
        "exactly the margin left"
    );
    assert_eq!(
        eval(&clock, "2026-11-27 12:00").reaction,
        DeadlineStatus::AtRisk,
        "due now, not past"
    );
    assert_eq!(
        eval(&clock, "2026-11-27 12:01").reaction,
        DeadlineStatus::Breached
    );
    // At risk counts working time: Tue 09:20 with the resolution due Tue 10:00 is 40 min left.
    assert_eq!(
        eval(&clock, "2026-12-01 09:20").resolution,
        DeadlineStatus::OnTrack
    );
    assert_eq!(
        eval(&clock, "2026-12-01 09:40").resolution,
        DeadlineStatus::AtRisk
    );
    // ... and Mon evening is at risk only if the working time left is small: 1h left on Tue.
    assert_eq!(
        eval(&clock, "2026-11-30 20:00").resolution,
        DeadlineStatus::OnTrack
    );

    clock.record_reaction(at("2026-11-27 11:45"));
    clock.record_reaction(at("2026-11-27 13:00"));
    assert_eq!(
        eval(&clock, "2026-11-27 15:00").reaction,
        DeadlineStatus::Met,
        "the first answer counts"
    );
    clock.start_waiting(at("2026-11-30 10:00")).expect("wait");
    assert_eq!(
        eval(&clock, "2026-12-02 10:00").resolution,
        DeadlineStatus::Paused
    );
    clock.resolve(at("2026-12-01 12:00"), cal).expect("resolve");
    // The wait ran Mon 10:00 -> Tue 12:00 (11h of work): due moved from Tue 10:00 to Wed 12:00.
    assert_eq!(
        eval(&clock, "2026-12-05 10:00").resolution,
        DeadlineStatus::Met
    );
    assert!(clock.resolve(at("2026-12-01 13:00"), cal).is_err());

    let mut late = SlaClock::start(&level, at("2026-11-27 10:00")).expect("clock");
    late.record_reaction(at("2026-11-27 12:30"));
    late.resolve(at("2026-12-01 10:01"), cal).expect("resolve");
    let e = eval(&late, "2026-12-02 10:00");
    assert_eq!(
        (e.reaction, e.resolution),
        (DeadlineStatus::Breached, DeadlineStatus::Breached)
    );
}

#[test]
fn s5_first_matching_level_wins_else_default() {
    let vip = moscow_level(
        "VIP",
        "30m",
        "4h",
        Conditions {
            vip: Some(true),
            ..Default::default()
        },
    );
    let errors_line1 = moscow_level(
        "Errors line 1",
        "1h",
        "9h",
        Conditions {
            kinds: vec!["error".into()],
            lines: vec![LineId(1)],
            ..Default::default()
        },
    );
    let trial = moscow_level(
        "Trial",
        "8h",
        "45h",
        Conditions {
            client_statuses: vec!["trial".into()],
            ..Default::default()
        },
    );
    let default = moscow_level("Default", "2h", "18h", Conditions::default());
    let set = LevelSet::new(vec![vip, errors_line1, default, trial]).expect("levels");
    let facts = |kind: &str, status: &str, vip: bool, line: u64| AppealFacts {
        kind: kind.into(),
        client_status: status.into(),
        vip,
        line: LineId(line),
    };
    assert_eq!(
        set.select(&facts("error", "trial", true, 1)).name,
        "VIP",
        "first match wins"
    );
    assert_eq!(
        set.select(&facts("error", "trial", false, 1)).name,
        "Errors line 1"
    );
    assert_eq!(
        set.select(&facts("error", "trial", false, 2)).name,
        "Trial",
        "Default is not a condition set"
    );
    assert_eq!(
        set.select(&facts("question", "its", false, 2)).name,
        "Default"
    );
}

#[test]
fn s5_level_sets_are_validated() {
    let a = moscow_level("A", "1h", "2h", Conditions::default());
    assert_eq!(
        LevelSet::new(vec![a.clone()]).err(),
        Some(LevelError::NoDefault)
    );
    let d = moscow_level("Default", "1h", "2h", Conditions::default());
    assert!(matches!(
        LevelSet::new(vec![d.clone(), d.clone()]),
        Err(LevelError::Duplicate(_))
    ));
    let mut zero = d.clone();
    zero.reaction = TimeDelta::zero();
    let err = LevelSet::new(vec![zero]).expect_err("refused");
    assert_eq!(err.code(), "sla.not_positive");
}

#[test]
fn s1_notation_errors_name_the_item() {
    for (text, needle) in [
        ("Mon-Fri 9-25", "9-25"),
        ("Funday 09-18", "Funday"),
        ("tz Mars/Olympus; Mon-Fri 09-18", "time zone"),
        ("2026-02-30 off", "2026-02-30"),
        ("Mon-Fri 09-13,12-18", "overlap"),
        ("Mon-Fri 22-06,23-01", "midnight"),
        ("Mon-Fri", "expected"),
        ("Mon-Fri 09-09", "empty"),
        ("2026-12-01..2026-11-01 off", "forward"),
    ] {
        let err = parse_calendar(text)
            .err()
            .unwrap_or_else(|| panic!("{text:?} must be refused"));
        assert!(err.to_string().contains(needle), "{text:?}: {err}");
    }
    for bad in ["", "2", "h", "2x", "1h30", "0m"] {
        assert!(parse_duration(bad).is_err(), "{bad:?}");
    }
    assert_eq!(parse_duration("1h30m").expect("ok"), TimeDelta::minutes(90));
}

#[test]
fn s1_a_calendar_without_working_time_is_an_error_not_a_hang() {
    let empty = BusinessCalendar::new(MSK);
    assert!(
        empty
            .add_working_time(local(MSK, "2026-11-24 10:00"), TimeDelta::hours(1))
            .is_err()
    );
    assert_eq!(
        empty.working_time_between(
            local(MSK, "2026-11-24 10:00"),
            local(MSK, "2026-12-24 10:00")
        ),
        TimeDelta::zero()
    );
}

#[test]
fn s1_is_working_follows_breaks_and_overnight_shifts() {
    let cal = parse_calendar("tz Europe/Moscow; Mon-Fri 09-13,14-18,22-02").expect("calendar");
    for (t, working) in [
        ("2026-11-24 08:59", false),
        ("2026-11-24 09:00", true),
        ("2026-11-24 13:00", false),
        ("2026-11-24 13:59", false),
        ("2026-11-24 14:00", true),
        ("2026-11-24 23:00", true),
        ("2026-11-25 01:59", true),
        ("2026-11-25 02:00", false),
        ("2026-11-28 01:00", true),
        ("2026-11-29 01:00", false),
    ] {
        assert_eq!(cal.is_working(local(MSK, t)), working, "{t}");
    }
}
