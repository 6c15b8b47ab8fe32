//! S1 at the edges: huge numbers in the notation are mistakes, not panics, and a level whose
//! deadlines cannot always be computed is refused when the level set is built, not at the
//! first appeal.

use chrono::{DateTime, TimeDelta, Utc};
use linedesk_domain::sla::{
    Conditions, Deadlines, LevelError, LevelSet, SupportLevel, parse_calendar, parse_duration,
};

fn level(name: &str, calendar: &str, reaction: &str, resolution: &str) -> SupportLevel {
    SupportLevel {
        name: name.into(),
        calendar: parse_calendar(calendar).expect("calendar"),
        reaction: parse_duration(reaction).expect("reaction"),
        resolution: parse_duration(resolution).expect("resolution"),
        conditions: Conditions::default(),
    }
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("instant")
}

#[test]
fn huge_durations_are_refused_not_a_panic() {
    // Each of these panicked in chrono's TimeDelta constructors or its `+=` before.
    for text in [
        "9999999999999h",
        "9223372036854775807m",
        "999999999999d",
        "2000000000000h2000000000000h",
        "153722867280912m153722867280912m",
    ] {
        let err = parse_duration(text).expect_err(text);
        assert!(err.to_string().contains("too large"), "{text}: {err}");
    }
    assert!(parse_duration("99999999999999999999999h").is_err());
    assert_eq!(
        parse_duration("2000000h").expect("large but fine"),
        TimeDelta::hours(2_000_000)
    );
}

#[test]
fn huge_numbers_in_a_calendar_are_refused_not_a_panic() {
    for text in [
        "Mon-Fri 99999999999999999999-13",
        "Mon-Fri 09-99999999999999999999",
        "Mon-Fri 09:99999999999999999999-13",
        "Mon-Fri 09:4294967296-13",
        "Mon-Fri 4294967305-13",
        "99999999999-01-01 off",
        "2026-01-01..99999999999-01-01 off",
        "+262143-12-31 09-18",
    ] {
        assert!(parse_calendar(text).is_err(), "{text:?} must be refused");
    }
}

#[test]
fn a_resolution_the_calendar_cannot_give_within_the_search_is_refused() {
    // One working hour a week: ten years hold about 520 of them, so 10,000 working hours
    // can never be reached; before, the set was accepted and the first appeal failed.
    let slow = level("Slow", "tz Europe/Moscow; Mon 09-10", "1h", "10000h");
    assert!(
        Deadlines::compute(&slow, at("2026-12-07T06:00:00Z")).is_err(),
        "the first appeal could not get a deadline"
    );
    let default = level("Default", "Mon-Fri 09-18", "1h", "8h");
    let err = LevelSet::new(vec![slow, default.clone()]).expect_err("refused at load");
    assert_eq!(err.code(), "sla.unreachable");
    let text = err.to_string();
    assert!(
        text.contains("\"Slow\"") && text.contains("resolution time 10000h"),
        "{text}"
    );
    // So is a reaction time beyond any chrono range, written in days.
    let huge = level("Default", "Mon-Sun 00-24", "99999999d", "99999999d");
    assert!(matches!(
        LevelSet::new(vec![huge]),
        Err(LevelError::Unreachable { .. })
    ));
}

#[test]
fn a_level_without_weekly_working_time_is_refused() {
    // Working dates only, no working weekday: met until the last date, never after it.
    let dates_only = level("Default", "2026-12-05 09-18", "1h", "8h");
    assert_eq!(
        LevelSet::new(vec![dates_only]).expect_err("refused").code(),
        "sla.no_working_time"
    );
}

#[test]
fn holidays_count_against_what_a_calendar_can_give() {
    // Ten years of holidays on a one-hour week leave nothing sure.
    let mut calendar = String::from("Mon 09-10");
    for year in 2026..2037 {
        calendar.push_str(&format!("; {year}-01-01..{year}-12-31 off"));
    }
    let closed = level("Default", &calendar, "1h", "1h");
    assert!(matches!(
        LevelSet::new(vec![closed]),
        Err(LevelError::Unreachable { .. })
    ));
}

#[test]
fn every_level_that_passes_gets_its_deadlines() {
    // The largest accepted resolution is computable from any start, DST included.
    for calendar in [
        "tz Europe/Berlin; Sun 02-03",
        "tz Europe/Moscow; Mon-Fri 09-13,14-18; 2027-01-01..2027-01-08 off",
        "tz Pacific/Apia; Fri 09-18",
        "tz America/New_York; Mon-Sun 22-06",
    ] {
        let cal = parse_calendar(calendar).expect("calendar");
        let max = cal.max_deadline_work();
        assert!(max > TimeDelta::zero(), "{calendar}");
        let mut l = level("Default", calendar, "1h", "1h");
        l.resolution = max;
        l.check().expect("the largest accepted resolution");
        for start in [
            "2011-12-20T00:00:00Z",
            "2026-03-29T00:30:00Z",
            "2026-12-31T23:59:00Z",
            "2100-06-01T12:00:00Z",
        ] {
            let d = Deadlines::compute(&l, at(start))
                .unwrap_or_else(|e| panic!("{calendar} from {start}: {e}"));
            assert_eq!(
                cal.working_time_between(at(start), d.resolution_due()),
                max,
                "{calendar} from {start}"
            );
        }
        let mut over = l.clone();
        over.resolution = max + TimeDelta::minutes(1);
        assert!(over.check().is_err(), "{calendar}");
    }
}

/// Found by `fuzz_calendar_notation`: Saturday's overnight shift runs into Sunday's, and the
/// overlap was counted twice, so the check accepted more than the calendar gives.
#[test]
fn overlapping_overnight_shifts_are_counted_once() {
    let calendar = "tz Europe/Moscow; Sat 20-16; Sun 02:05-16:02; 2006-05-10 01:31-15:24";
    let cal = parse_calendar(calendar).expect("calendar");
    assert_eq!(
        cal.weekly_working_time(),
        TimeDelta::hours(20) + TimeDelta::minutes(2)
    );
    let mut l = level("Default", calendar, "1h", "1h");
    l.resolution = cal.max_deadline_work();
    l.check().expect("the largest accepted resolution");
    Deadlines::compute(&l, at("2096-01-10T06:39:04Z")).expect("deadlines");
    // Sunday's overnight shift wraps into Monday's morning one.
    let wrap = parse_calendar("Sun 22-06; Mon 05-07").expect("calendar");
    assert_eq!(wrap.weekly_working_time(), TimeDelta::hours(9));
}
