use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;

use super::*;
use crate::appeal::Channel;
use crate::ids::LineId;
use crate::sla::case::{format_local, parse_local};
use crate::sla::level::{ConditionField, Conditions, SupportLevel};
use crate::sla::{parse_calendar, parse_duration};

const MSK: Tz = chrono_tz::Europe::Moscow;

fn at(text: &str) -> DateTime<Utc> {
    parse_local(MSK, text).expect("a Moscow time")
}

fn show(t: DateTime<Utc>) -> String {
    format_local(MSK, t)
}

/// Working days 09-13 and 14-18 (a lunch break), a weekend; reaction 2h, resolution 10h.
fn level(name: &str, conditions: Conditions) -> SupportLevel {
    SupportLevel {
        name: name.into(),
        calendar: parse_calendar("tz Europe/Moscow; Mon-Fri 09-13,14-18").expect("calendar"),
        reaction: parse_duration("2h").expect("reaction"),
        resolution: parse_duration("10h").expect("resolution"),
        conditions,
    }
}

fn facts() -> AppealFacts {
    AppealFacts {
        kind: "error".into(),
        client_status: "its_prof".into(),
        vip: false,
        line: LineId(1),
        channel: Channel::Message,
    }
}

fn spans(segments: &[Segment]) -> Vec<String> {
    segments
        .iter()
        .map(|s| {
            let kind = match s.kind {
                SegmentKind::Counted => "counted",
                SegmentKind::Waiting => "waiting",
            };
            format!("{} .. {} {kind}", show(s.from), show(s.to))
        })
        .collect()
}

#[test]
fn s1_s4_segments_skip_the_break_and_the_weekend_and_mark_the_wait() {
    let level = level("Default", Conditions::default());
    let cal = &level.calendar;
    // Registered Friday 16:00; the specialist answers at 16:20.
    let mut clock =
        SlaClock::start_for(&level, facts(), at("Fri 2026-11-27 16:00")).expect("clock");
    clock.record_reaction(at("Fri 2026-11-27 16:20"));
    // Waits for the client Monday 10:00-11:30 (1h30 of working time).
    clock
        .start_waiting(at("Mon 2026-11-30 10:00"))
        .expect("wait");
    clock
        .stop_waiting(at("Mon 2026-11-30 11:30"), cal)
        .expect("resume");
    let e = explain(&clock, cal, None, at("Mon 2026-11-30 15:00"), 80).expect("explain");

    assert_eq!(e.reaction.budget, TimeDelta::hours(2));
    assert_eq!(show(e.reaction.due), "Fri 2026-11-27 18:00 +03:00");
    assert_eq!(e.reaction.used, TimeDelta::minutes(20));
    assert_eq!(e.reaction.status, DeadlineStatus::Met);
    assert_eq!(
        spans(&e.reaction.segments),
        ["Fri 2026-11-27 16:00 +03:00 .. Fri 2026-11-27 18:00 +03:00 counted"]
    );

    // 10h: Fri 16-18 (2h), Mon 09-10 (1h), the wait, 11:30-13 (1h30), 14-18 (4h),
    // Tue 09-10:30 (1h30); the weekend and the lunch break are not working time.
    assert_eq!(e.resolution.budget, TimeDelta::hours(10));
    assert_eq!(show(e.resolution.due), "Tue 2026-12-01 10:30 +03:00");
    assert_eq!(
        spans(&e.resolution.segments),
        [
            "Fri 2026-11-27 16:00 +03:00 .. Fri 2026-11-27 18:00 +03:00 counted",
            "Mon 2026-11-30 09:00 +03:00 .. Mon 2026-11-30 10:00 +03:00 counted",
            "Mon 2026-11-30 10:00 +03:00 .. Mon 2026-11-30 11:30 +03:00 waiting",
            "Mon 2026-11-30 11:30 +03:00 .. Mon 2026-11-30 13:00 +03:00 counted",
            "Mon 2026-11-30 14:00 +03:00 .. Mon 2026-11-30 18:00 +03:00 counted",
            "Tue 2026-12-01 09:00 +03:00 .. Tue 2026-12-01 10:30 +03:00 counted",
        ]
    );
    let counted: TimeDelta = e
        .resolution
        .segments
        .iter()
        .filter(|s| s.kind == SegmentKind::Counted)
        .map(|s| s.to - s.from)
        .sum();
    assert_eq!(
        counted, e.resolution.budget,
        "the counted segments are the budget"
    );
    // Used by Monday 15:00: Fri 2h + Mon 1h + 1h30 + 1h = 5h30 (the wait not counted).
    assert_eq!(e.resolution.used, TimeDelta::minutes(5 * 60 + 30));
    assert_eq!(e.resolution.status, DeadlineStatus::OnTrack);
    assert_eq!(e.waits.len(), 1);
    assert_eq!(e.waits[0].added, TimeDelta::minutes(90));
    assert_eq!(e.unlisted_extension, TimeDelta::zero());
    assert!(e.what_if.is_none(), "nothing waits");
}

#[test]
fn s4_what_if_the_client_answers_now_across_the_weekend() {
    let level = level("Default", Conditions::default());
    let cal = &level.calendar;
    let mut clock =
        SlaClock::start_for(&level, facts(), at("Fri 2026-11-27 16:00")).expect("clock");
    clock.record_reaction(at("Fri 2026-11-27 16:20"));
    // Waiting since Friday 17:00; it is Monday 10:00: Fri 17-18 and Mon 09-10 waited.
    clock
        .start_waiting(at("Fri 2026-11-27 17:00"))
        .expect("wait");
    let now = at("Mon 2026-11-30 10:00");
    let e = explain(&clock, cal, None, now, 80).expect("explain");
    assert_eq!(e.resolution.status, DeadlineStatus::Paused);
    let what_if = e.what_if.expect("a what-if while waiting");
    assert_eq!(what_if.answered_at, now);
    assert_eq!(what_if.added, TimeDelta::hours(2));
    // Without the wait: Mon 18:00 (Fri 2h, Mon 09-13, 14-18); 2h more: Tue 11:00.
    assert_eq!(show(what_if.resolution_due), "Tue 2026-12-01 11:00 +03:00");
    assert_eq!(e.resolution.due, what_if.resolution_due);
    assert_eq!(e.waits.len(), 1);
    assert_eq!(e.waits[0].to, None);
    // Used: only Fri 16-17 counted; the weekend is no working time.
    assert_eq!(e.resolution.used, TimeDelta::hours(1));
    // The same answer the clock gives when the client does answer now.
    let mut answered = clock.clone();
    answered.stop_waiting(now, cal).expect("resume");
    assert_eq!(
        answered.resolution_due(cal).expect("due"),
        what_if.resolution_due
    );
}

#[test]
fn s6_reaction_at_risk_then_breached_and_a_late_wait_adds_nothing() {
    let level = level("Default", Conditions::default());
    let cal = &level.calendar;
    let clock = SlaClock::start(&level, at("Mon 2026-11-30 09:00")).expect("clock");
    let e = |t: &str| explain(&clock, cal, None, at(t), 80).expect("explain");
    assert_eq!(
        e("Mon 2026-11-30 10:00").reaction.status,
        DeadlineStatus::OnTrack
    );
    // 1h36 of 2h is 80%.
    assert_eq!(
        e("Mon 2026-11-30 10:36").reaction.status,
        DeadlineStatus::AtRisk
    );
    assert_eq!(
        e("Mon 2026-11-30 11:01").reaction.status,
        DeadlineStatus::Breached
    );

    // Resolution due Tue 11:00 (Mon 09-13, 14-18, Tue 09-11); a wait begun after it moves
    // nothing and hides no breach.
    let mut late = clock.clone();
    late.start_waiting(at("Tue 2026-12-01 11:30"))
        .expect("wait");
    let e = explain(&late, cal, None, at("Tue 2026-12-01 12:00"), 80).expect("explain");
    assert_eq!(e.resolution.status, DeadlineStatus::Breached);
    assert_eq!(show(e.resolution.due), "Tue 2026-12-01 11:00 +03:00");
    assert_eq!(e.waits[0].added, TimeDelta::zero());
    let what_if = e.what_if.expect("what-if");
    assert_eq!(what_if.resolution_due, e.resolution.due);
}

#[test]
fn s5_the_selection_names_the_first_failing_condition_of_each_level() {
    let vip = level(
        "VIP",
        Conditions {
            vip: Some(true),
            ..Conditions::default()
        },
    );
    let errors_by_phone = level(
        "Errors by phone",
        Conditions {
            kinds: vec!["error".into()],
            channels: vec![Channel::Call],
            ..Conditions::default()
        },
    );
    let prof = level(
        "ITS Prof",
        Conditions {
            client_statuses: vec!["its_prof".into()],
            ..Conditions::default()
        },
    );
    let levels = LevelSet::new(vec![
        vip.clone(),
        errors_by_phone,
        prof.clone(),
        level("Default", Conditions::default()),
    ])
    .expect("levels");
    let clock = SlaClock::start_for(&prof, facts(), at("Mon 2026-11-30 09:00")).expect("clock");
    let e = explain(
        &clock,
        &prof.calendar,
        Some(&levels),
        at("Mon 2026-11-30 09:30"),
        80,
    )
    .expect("explain");
    let s = e.selection.expect("a selection");
    assert_eq!(s.level, "ITS Prof");
    assert!(!s.by_default);
    let first_failed = |i: usize| {
        s.trials[i]
            .checks
            .iter()
            .find(|c| !c.holds)
            .map(|c| (c.field, c.actual.clone()))
    };
    assert_eq!(s.trials.len(), 3);
    assert_eq!(first_failed(0), Some((ConditionField::Vip, "false".into())));
    // The type holds, the channel does not.
    assert!(s.trials[1].checks[0].holds);
    assert_eq!(
        first_failed(1),
        Some((ConditionField::Channel, "message".into()))
    );
    assert!(s.trials[2].matched);
    assert_eq!(s.trials[2].checks[0].accepted, ["its_prof"]);

    // Nothing matches: "Default", after every other level.
    let trial = AppealFacts {
        client_status: "trial".into(),
        ..facts()
    };
    let s = levels.explain_selection(&trial);
    assert!(s.by_default);
    assert_eq!(s.level, "Default");
    assert_eq!(s.trials.len(), 3);
    assert!(s.trials.iter().all(|t| !t.matched));

    // A clock without kept facts explains no selection.
    let old = SlaClock::start(&prof, at("Mon 2026-11-30 09:00")).expect("clock");
    let e = explain(
        &old,
        &prof.calendar,
        Some(&levels),
        at("Mon 2026-11-30 09:30"),
        80,
    )
    .expect("explain");
    assert!(e.selection.is_none() && e.facts.is_none());
}

#[test]
fn a_finished_appeal_without_an_answer_reacted_when_it_finished() {
    let level = level("Default", Conditions::default());
    let cal = &level.calendar;
    let mut clock = SlaClock::start(&level, at("Mon 2026-11-30 09:00")).expect("clock");
    clock
        .resolve(at("Mon 2026-11-30 12:00"), cal)
        .expect("resolve");
    let e = explain(&clock, cal, None, at("Wed 2026-12-02 12:00"), 80).expect("explain");
    assert_eq!(e.reaction.reached_at, Some(at("Mon 2026-11-30 12:00")));
    assert_eq!(e.reaction.status, DeadlineStatus::Breached);
    assert_eq!(e.reaction.used, TimeDelta::hours(3));
    assert_eq!(e.resolution.status, DeadlineStatus::Met);
    assert_eq!(e.resolution.used, TimeDelta::hours(3));
}
