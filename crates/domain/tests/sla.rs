//! SLA (S1-S6): the hand-checked calendar cases of `sla_cases.txt`, waiting (S4), levels (S5),
//! evaluation (S6), and the notation's errors.

mod support;

use support::{count_minutes, step_minutes};

use chrono::{DateTime, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use linedesk_domain::appeal::Channel;
use linedesk_domain::ids::LineId;
use linedesk_domain::sla::{
    AppealFacts, BusinessCalendar, Conditions, DeadlineStatus, Expectation, LevelError, LevelSet,
    SlaClock, SupportLevel, parse_calendar, parse_case, parse_cases, parse_duration,
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

#[test]
fn s1_the_case_notation_refuses_what_cannot_be_checked() {
    for (line, needle) in [
        (
            "Mon-Fri 09-18 | Tue 2026-11-27 10:00 + 2h => Fri 2026-11-27 12:00",
            "is a Fri",
        ),
        (
            "tz Europe/Berlin; daily 00-24 | Sun 2026-10-25 02:30 + 1h => Sun 2026-10-25 03:30",
            "happens twice",
        ),
        (
            "tz Europe/Berlin; daily 00-24 | Sun 2026-03-29 02:30 + 1h => Sun 2026-03-29 03:30",
            "does not exist",
        ),
        (
            "tz Europe/Berlin; daily 00-24 | 2026-07-01 10:00 +01:00 + 1h => 2026-07-01 11:00",
            "not at +01:00",
        ),
        ("Mon-Fri 09-18 | 2026-11-27 10:00 + 2h", "expected `=>"),
        (
            "Mon-Fri 09-18 2026-11-27 10:00 + 2h => 2026-11-27 12:00",
            "expected `<calendar> |",
        ),
        (
            "Mon-Fri 09-18 | 2026-11-27 10:00 + 2h, pause 2026-11-27 11:00 .. 2026-11-27 12:00 => 2026-11-27 12:00",
            "expected `wait",
        ),
        (
            "Mon-Fri 09-18 | 2026-11-27 10:00 .. 2026-11-26 10:00 = 1h",
            "backwards",
        ),
        (
            "Mon-Fri 09-18 | 2026-11-27 10:00 + 2h, wait 2026-11-27 09:00 .. 2026-11-27 09:30 => 2026-11-27 12:00",
            "before the appeal",
        ),
        (
            "Mon-Fri 09-18 | 2026-11-27 10:00 + 2x => 2026-11-27 12:00",
            "duration",
        ),
    ] {
        let e = parse_case(line)
            .err()
            .unwrap_or_else(|| panic!("{line} must be refused"));
        assert!(e.to_string().contains(needle), "{line}: {e}");
        assert_eq!(e.code(), "sla.notation");
    }
    let e = parse_cases("# fine\n\nMon-Fri 09-18 | 2026-11-27 10:00 + 2h").expect_err("line 3");
    assert!(e.to_string().contains("line 3"), "{e}");
    // A wrong answer is reported with the computed one, weekday and offset included.
    let wrong = parse_case(
        "tz Europe/Moscow; Mon-Fri 09-18 | Fri 2026-11-27 17:30 + 2h => Mon 2026-11-30 10:00",
    )
    .expect("parses")
    .run()
    .expect_err("wrong");
    assert_eq!(wrong.got, "Mon 2026-11-30 10:30 +03:00");
}

#[test]
fn s1_s2_s4_hand_checked_calendar_cases() {
    let cases = parse_cases(include_str!("sla_cases.txt")).unwrap_or_else(|e| panic!("{e}"));
    assert!(cases.len() >= 40, "at least 40 cases, have {}", cases.len());
    let waits = cases
        .iter()
        .filter(
            |c| matches!(&c.expectation, Expectation::Deadline { waits, .. } if !waits.is_empty()),
        )
        .count();
    assert!(waits >= 5, "cases with waits: {waits}");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| case.run().err().map(|e| e.to_string()))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases wrong:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The same cases, recomputed by counting minutes on wall clocks (S4's rule included: a wait
/// that starts after the deadline does not extend it).
#[test]
fn s2_s4_hand_checked_cases_agree_with_a_minute_count() {
    for case in parse_cases(include_str!("sla_cases.txt")).expect("cases") {
        let cal = &case.calendar;
        match &case.expectation {
            Expectation::Deadline {
                opened,
                work,
                waits,
                due,
            } => {
                let base = step_minutes(cal, *opened, *work);
                let mut extension = TimeDelta::zero();
                for (from, to) in waits {
                    if *from <= step_minutes(cal, base, extension) {
                        extension += count_minutes(cal, *from, *to);
                    }
                }
                assert_eq!(step_minutes(cal, base, extension), *due, "{}", case.text);
            }
            Expectation::WorkingTime { from, to, work } => {
                assert_eq!(count_minutes(cal, *from, *to), *work, "{}", case.text);
            }
        }
    }
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
        channel: Channel::Message,
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

#[test]
fn s4_s6_a_wait_begun_after_the_deadline_keeps_the_breach() {
    let level = moscow_level("Default", "1h", "2h", Conditions::default());
    let cal = &level.calendar;
    let at = |t: &str| local(MSK, t);
    let mut clock = SlaClock::start(&level, at("2026-11-23 09:00")).expect("clock");
    // Due Mon 11:00; parked at 12:00: still breached during the wait and after it.
    clock.start_waiting(at("2026-11-23 12:00")).expect("wait");
    let e = clock
        .evaluate(cal, at("2026-11-23 13:00"), TimeDelta::zero())
        .expect("evaluate");
    assert_eq!(e.resolution, DeadlineStatus::Breached);
    let added = clock
        .stop_waiting(at("2026-11-24 12:00"), cal)
        .expect("stop");
    assert_eq!(added, TimeDelta::zero());
    clock.resolve(at("2026-11-24 12:30"), cal).expect("resolve");
    let e = clock
        .evaluate(cal, at("2026-11-25 10:00"), TimeDelta::zero())
        .expect("evaluate");
    assert_eq!(e.resolution, DeadlineStatus::Breached);
    assert_eq!(clock.resolved_at(), Some(at("2026-11-24 12:30")));
}

#[test]
fn s6_compliance_report_per_level_specialist_or_line() {
    use DeadlineStatus::*;
    use linedesk_domain::sla::{ComplianceReport, SlaEvaluation};
    let e = |reaction, resolution| SlaEvaluation {
        reaction,
        resolution,
    };
    let mut by_level: ComplianceReport<String> = ComplianceReport::new();
    by_level.add("VIP".into(), &e(Met, Met));
    by_level.add("VIP".into(), &e(Breached, Met));
    by_level.add("VIP".into(), &e(Met, AtRisk));
    by_level.add("Default".into(), &e(Met, Paused));
    let vip = by_level.group(&"VIP".to_string()).expect("VIP");
    assert_eq!(vip.appeals, 3);
    assert_eq!((vip.reaction.met, vip.reaction.breached), (2, 1));
    assert_eq!(vip.reaction.met_share(), Some(2.0 / 3.0));
    assert_eq!((vip.resolution.met, vip.resolution.at_risk), (2, 1));
    assert_eq!(vip.resolution.met_share(), Some(1.0));
    let default = by_level.group(&"Default".to_string()).expect("Default");
    assert_eq!(default.resolution.met_share(), None, "nothing decided yet");
    assert_eq!(by_level.total().appeals, 4);
    let names: Vec<&String> = by_level.groups().map(|(k, _)| k).collect();
    assert_eq!(names, ["Default", "VIP"], "in key order");
}

#[test]
fn s1_s5_levels_and_calendars_are_stored_as_readable_text() {
    let text = "tz Europe/Moscow; Mon-Fri 09-13,14-18; Sat 10:00-14:30; Sun 22-06; \
                2026-12-31 09-14; 2027-01-01..2027-01-08 off; 2027-01-09 10-15";
    let calendar = parse_calendar(text).expect("calendar");
    assert_eq!(
        calendar.to_string(),
        "tz Europe/Moscow; Mon-Fri 09-13,14-18; Sat 10-14:30; Sun 22-06; \
         2026-12-31 09-14; 2027-01-01..2027-01-08 off; 2027-01-09 10-15"
    );
    let vip = SupportLevel {
        name: "VIP".into(),
        calendar,
        reaction: parse_duration("30m").expect("30m"),
        resolution: parse_duration("1h30m").expect("1h30m"),
        conditions: Conditions {
            vip: Some(true),
            channels: vec![Channel::Call],
            ..Default::default()
        },
    };
    let mut default = moscow_level("Default", "2h", "18h", Conditions::default());
    default.calendar = parse_calendar("Mon-Sun 00-24").expect("round the clock");
    let set = LevelSet::new(vec![vip, default]).expect("levels");
    let json = serde_json::to_value(&set).expect("json");
    assert_eq!(json[0]["reaction"], "30m");
    assert_eq!(json[0]["resolution"], "1h30m");
    assert_eq!(json[0]["conditions"]["channels"][0], "call");
    assert_eq!(json[1]["calendar"], "tz UTC; Mon-Sun 00-24");
    assert_eq!(json[1]["conditions"], serde_json::json!({}));
    let back: LevelSet = serde_json::from_value(json.clone()).expect("back");
    assert_eq!(back, set);
    // Read back, the list is checked again.
    let mut no_default = json;
    no_default[1]["name"] = "Other".into();
    assert!(serde_json::from_value::<LevelSet>(no_default).is_err());
    assert!(serde_json::from_str::<BusinessCalendar>(r#""Mon-Fri 09-25""#).is_err());
}

#[test]
fn s1_shifts_are_checked() {
    use chrono::NaiveTime;
    use linedesk_domain::sla::{CalendarError, Shift};
    let h = |h| NaiveTime::from_hms_opt(h, 0, 0).expect("time");
    let mut cal = BusinessCalendar::new(MSK);
    let e = cal
        .set_weekday(chrono::Weekday::Mon, vec![Shift::new(h(8), h(8))])
        .expect_err("empty");
    assert_eq!(e.code(), "sla.empty_shift");
    let e = cal
        .set_weekday(
            chrono::Weekday::Mon,
            vec![Shift::new(h(9), h(13)), Shift::new(h(12), h(18))],
        )
        .expect_err("overlap");
    assert!(matches!(e, CalendarError::Overlap { .. }));
    assert_eq!(e.code(), "sla.shifts_overlap");
    cal.set_weekday(chrono::Weekday::Mon, vec![Shift::new(h(0), h(0))])
        .expect("a whole day");
    assert_eq!(cal.to_string(), "tz Europe/Moscow; Mon 00-24");
}
