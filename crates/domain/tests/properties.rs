//! Property tests of the rules with arithmetic or state: SLA deadlines (S2-S4) over random
//! calendars in several time zones, and routing (A2, P3, P4) over random sequences of
//! arrivals, presence changes, transfers, takes and finishes.

mod support;

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use linedesk_domain::appeal::SupportTier;
use linedesk_domain::ids::{AppealId, SpecialistId};
use linedesk_domain::presence::PresenceStatus;
use linedesk_domain::routing::{Decision, Dispatcher, Movement, Specialist, route};
use linedesk_domain::sla::{BusinessCalendar, Conditions, SlaClock, SupportLevel, parse_calendar};
use proptest::prelude::*;

const DAY_PATTERNS: [&str; 7] = [
    "off",
    "09-18",
    "09-13,14-18",
    "22-06",
    "00-24",
    "08:30-12:15,13-17:45",
    "10-14,20-02",
];
const ZONES: [&str; 5] = [
    "Europe/Moscow",
    "Europe/Berlin",
    "America/New_York",
    "UTC",
    "Asia/Vladivostok",
];
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// A random calendar in the notation, with at least some working time, and its text.
fn calendar() -> impl Strategy<Value = (BusinessCalendar, String)> {
    calendar_in(&ZONES)
}

/// Zones that never change their clocks, where wall-clock counting is unambiguous.
const STEADY_ZONES: [&str; 4] = ["Europe/Moscow", "UTC", "Asia/Vladivostok", "Asia/Kolkata"];

fn calendar_in(
    zones: &'static [&'static str],
) -> impl Strategy<Value = (BusinessCalendar, String)> {
    (
        0..zones.len(),
        proptest::collection::vec(0..DAY_PATTERNS.len(), 7),
        proptest::collection::vec(0u32..365, 0..6),
    )
        .prop_map(|(zone, days, holidays)| {
            let mut text = format!("tz {}", zones[zone]);
            for (i, p) in days.iter().enumerate() {
                let pattern = if i == 0 && days.iter().all(|d| *d == 0) {
                    "09-18"
                } else {
                    DAY_PATTERNS[*p]
                };
                text.push_str(&format!("; {} {pattern}", WEEKDAYS[i]));
            }
            for (i, h) in holidays.into_iter().enumerate() {
                let date = chrono::NaiveDate::from_yo_opt(2026, h + 1).expect("day of year");
                // Mostly holidays; every third a shortened day or a working weekend.
                let shifts = if i % 3 == 2 { "10-14" } else { "off" };
                text.push_str(&format!("; {date} {shifts}"));
            }
            (
                parse_calendar(&text).expect("generated calendar parses"),
                text,
            )
        })
}

/// An instant in 2026, to the minute (the spring and autumn clock changes included).
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..365 * 24 * 60)
        .prop_map(|m| Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + TimeDelta::minutes(m))
}

fn work() -> impl Strategy<Value = TimeDelta> {
    (1i64..6_000).prop_map(TimeDelta::minutes)
}

fn level(calendar: &BusinessCalendar, reaction: TimeDelta, resolution: TimeDelta) -> SupportLevel {
    SupportLevel {
        name: "Default".into(),
        calendar: calendar.clone(),
        reaction,
        resolution,
        conditions: Conditions::default(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// S2: a deadline is never before registration, and exactly the asked working time lies
    /// between them.
    #[test]
    fn s2_deadline_is_never_before_registration((cal, text) in calendar(), from in instant(), w in work()) {
        let due = cal.add_working_time(from, w).expect("due");
        prop_assert!(due >= from, "{text}: {due} < {from}");
        prop_assert_eq!(cal.working_time_between(from, due), w, "{}", text);
    }

    /// S1/S3: a longer reaction time never gives an earlier deadline.
    #[test]
    fn s3_longer_reaction_never_earlier((cal, text) in calendar(), from in instant(), a in work(), b in work()) {
        let (short, long) = if a <= b { (a, b) } else { (b, a) };
        let d_short = SlaClock::start(&level(&cal, short, long), from).expect("clock");
        let d_long = SlaClock::start(&level(&cal, long, long), from).expect("clock");
        prop_assert!(d_short.deadlines().reaction_due() <= d_long.deadlines().reaction_due(), "{}", text);
    }

    /// S4: waiting never shortens the resolution deadline, whatever the waits.
    #[test]
    fn s4_waiting_never_shortens_a_deadline(
        (cal, text) in calendar(),
        from in instant(),
        w in work(),
        waits in proptest::collection::vec((0i64..3_000, 0i64..5_000), 0..5),
    ) {
        let mut clock = SlaClock::start(&level(&cal, w, w), from).expect("clock");
        let mut before = clock.resolution_due(&cal).expect("due");
        let mut now = from;
        for (gap, length) in waits {
            now += TimeDelta::minutes(gap);
            clock.start_waiting(now).expect("start");
            now += TimeDelta::minutes(length);
            let added = clock.stop_waiting(now, &cal).expect("stop");
            prop_assert!(added >= TimeDelta::zero());
            prop_assert!(added <= TimeDelta::minutes(length), "{}: more work than wall time", text);
            let after = clock.resolution_due(&cal).expect("due");
            prop_assert!(after >= before, "{text}: {after} < {before}");
            before = after;
        }
    }

    /// S1: a calendar prints back in its notation and parses to the same calendar, so levels
    /// stored as text come back unchanged.
    #[test]
    fn s1_calendar_notation_round_trips((cal, text) in calendar()) {
        let printed = cal.to_string();
        let back = parse_calendar(&printed).expect("printed calendar parses");
        prop_assert_eq!(&back, &cal, "{} printed as {}", text, printed);
        prop_assert_eq!(back.to_string(), printed);
    }

    /// S2: more working time never gives an earlier deadline (any two amounts).
    #[test]
    fn s2_deadlines_are_monotonic((cal, _text) in calendar(), from in instant(), a in work(), b in work()) {
        let (da, db) = (cal.add_working_time(from, a).expect("a"), cal.add_working_time(from, b).expect("b"));
        // Strictly: every extra minute of work is a later instant.
        prop_assert_eq!(a.cmp(&b), da.cmp(&db));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// S1/S2/S4: the calendar's day-skipping arithmetic equals counting minute by minute on
    /// wall clocks (in zones without clock changes; those are the hand-checked cases' job).
    #[test]
    fn s2_s4_working_time_equals_a_minute_count(
        (cal, text) in calendar_in(&STEADY_ZONES),
        from in instant(),
        span in 0i64..(6 * 24 * 60),
    ) {
        let to = from + TimeDelta::minutes(span);
        let counted = support::count_minutes(&cal, from, to);
        prop_assert_eq!(cal.working_time_between(from, to), counted, "{}", text);
        if counted > TimeDelta::zero() {
            prop_assert_eq!(
                cal.add_working_time(from, counted).expect("due"),
                support::step_minutes(&cal, from, counted),
                "{}", text
            );
        }
    }
}

fn presence() -> impl Strategy<Value = PresenceStatus> {
    proptest::sample::select(PresenceStatus::ALL.to_vec())
}

fn specialist_list() -> impl Strategy<Value = Vec<Specialist>> {
    proptest::collection::vec((presence(), 0u8..4, 0u32..4, 0u32..5), 1..12).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (presence, priority, limit, load))| Specialist {
                id: SpecialistId(i as u64),
                presence,
                priority,
                limit,
                load,
            })
            .collect()
    })
}

#[derive(Debug, Clone)]
enum Op {
    Arrive {
        priority: u8,
        responsible: Option<usize>,
    },
    Presence {
        who: usize,
        status: PresenceStatus,
    },
    Transfer {
        appeal: usize,
        to: Option<usize>,
    },
    Take {
        appeal: usize,
        who: usize,
    },
    ClientWrites {
        appeal: usize,
    },
    ToTier {
        appeal: usize,
        second: bool,
    },
    Tiers {
        who: usize,
        tiers: Vec<SupportTier>,
    },
    Finish {
        appeal: usize,
    },
    /// An admin takes the specialist off the line.
    Remove {
        who: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..3, proptest::option::of(0usize..6)).prop_map(|(priority, responsible)| Op::Arrive { priority, responsible }),
        3 => (0usize..6, presence()).prop_map(|(who, status)| Op::Presence { who, status }),
        1 => (0usize..40, proptest::option::of(0usize..6)).prop_map(|(appeal, to)| Op::Transfer { appeal, to }),
        1 => (0usize..40, 0usize..6).prop_map(|(appeal, who)| Op::Take { appeal, who }),
        1 => (0usize..40).prop_map(|appeal| Op::ClientWrites { appeal }),
        1 => (0usize..40, any::<bool>()).prop_map(|(appeal, second)| Op::ToTier { appeal, second }),
        1 => (0usize..6, proptest::collection::vec(proptest::sample::select(vec![SupportTier::First, SupportTier::Second]), 0..3))
            .prop_map(|(who, tiers)| Op::Tiers { who, tiers }),
        2 => (0usize..40).prop_map(|appeal| Op::Finish { appeal }),
        1 => (0usize..6).prop_map(|who| Op::Remove { who }),
    ]
}

/// Automatic placements must go to Available specialists within their limit (checked right
/// after the operation, when the holder's load already counts the new appeal).
fn check_automatic(d: &Dispatcher, moves: &[Movement]) -> Result<(), TestCaseError> {
    for m in moves {
        if let Movement::Assigned { to, .. } = m {
            let s = d.specialist(*to).expect("known specialist");
            prop_assert_eq!(
                s.presence,
                PresenceStatus::Available,
                "automatic delivery to {:?}",
                s
            );
            prop_assert!(s.load <= s.limit, "over the limit: {:?}", s);
        }
    }
    Ok(())
}

fn check_invariants(
    d: &Dispatcher,
    live: &BTreeSet<AppealId>,
    removed: &BTreeSet<SpecialistId>,
) -> Result<(), TestCaseError> {
    for gone in removed {
        prop_assert!(
            d.specialist(*gone).is_none(),
            "{} is still on the line",
            gone
        );
        prop_assert!(
            d.held_by(*gone).is_empty(),
            "{} holds appeals after removal",
            gone
        );
    }
    let known: BTreeSet<AppealId> = d.appeals().collect();
    prop_assert_eq!(&known, live, "the line lost or invented an appeal");
    for appeal in live {
        let queued = d.queue().contains(*appeal);
        let held = d.holder(*appeal).is_some();
        prop_assert!(
            queued ^ held,
            "{appeal} queued={queued} held={held}: must be exactly one"
        );
    }
    for s in d.specialists() {
        prop_assert_eq!(s.load as usize, d.held_by(s.id).len(), "load of {}", s.id);
        if !s.presence.receives_open_appeal_messages() {
            prop_assert!(
                d.held_by(s.id).is_empty(),
                "{} is {:?} but holds appeals",
                s.id,
                s.presence
            );
        }
    }
    // Nobody who could take a waiting appeal idles: free, serving its tier, and not the one
    // who handed it back.
    for appeal in d.queue().iter() {
        let tier = d.tier_of(appeal);
        let idle = d.specialists().find(|s| {
            s.presence == PresenceStatus::Available
                && s.load < s.limit
                && d.serves(s.id, tier)
                && d.handed_back_by(appeal) != Some(s.id)
        });
        prop_assert!(idle.is_none(), "{:?} idles while {} waits", idle, appeal);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// A2/P3/P4: a routing decision never picks a Busy, Do-not-disturb, Away, Offline or full
    /// specialist, and prefers a responsible one when eligible.
    #[test]
    fn a2_route_never_picks_an_ineligible_specialist(team in specialist_list(), responsible in proptest::collection::vec(0u64..12, 0..3)) {
        // The rule spelled out, not through `Specialist::eligible` (which is under test).
        let free = |s: &Specialist| s.presence == PresenceStatus::Available && s.load < s.limit;
        let responsible: Vec<SpecialistId> = responsible.into_iter().map(SpecialistId).collect();
        match route(&team, &responsible, None) {
            Decision::Assign(id) => {
                let s = team.iter().find(|s| s.id == id).expect("picked from the team");
                prop_assert!(free(s), "picked {:?}", s);
                if team.iter().any(|t| free(t) && responsible.contains(&t.id)) {
                    prop_assert!(responsible.contains(&id), "a responsible specialist was eligible");
                }
            }
            Decision::Queue => prop_assert!(!team.iter().any(free)),
        }
    }

    /// A2-A6, P3, P4: across any sequence of operations no appeal is lost or held by two, loads
    /// add up, nobody unavailable holds appeals, and nobody eligible idles while some wait. A
    /// specialist taken off the line holds nothing from then on and is never routed to (the
    /// operations naming them are refused).
    #[test]
    fn a2_no_appeal_is_lost_or_held_twice(team in specialist_list(), ops in proptest::collection::vec(op(), 1..80)) {
        let ids: Vec<SpecialistId> = team.iter().map(|s| s.id).collect();
        let mut d = Dispatcher::new(team);
        let mut live = BTreeSet::new();
        let mut removed = BTreeSet::new();
        let mut next = 0u64;
        let pick = |set: &BTreeSet<AppealId>, i: usize| set.iter().nth(i % set.len().max(1)).copied();
        for op in ops {
            match op {
                Op::Arrive { priority, responsible } => {
                    let appeal = AppealId(next);
                    next += 1;
                    let responsible = responsible.map(|i| vec![ids[i % ids.len()]]).unwrap_or_default();
                    let m = d.arrive(appeal, priority, responsible).expect("arrive");
                    live.insert(appeal);
                    check_automatic(&d, &[m])?;
                }
                Op::Presence { who, status } => {
                    let who = ids[who % ids.len()];
                    if removed.contains(&who) {
                        prop_assert!(d.set_presence(who, status).is_err(), "presence of a removed specialist");
                        continue;
                    }
                    let moves = d.set_presence(who, status).expect("presence");
                    check_automatic(&d, &moves)?;
                }
                Op::Remove { who } => {
                    let who = ids[who % ids.len()];
                    let held = d.held_by(who);
                    match d.remove_specialist(who) {
                        Ok(moves) => {
                            prop_assert!(removed.insert(who), "removed twice");
                            check_automatic(&d, &moves)?;
                            for appeal in held {
                                prop_assert!(
                                    moves.iter().any(|m| matches!(m,
                                        Movement::Assigned { appeal: a, .. } | Movement::Queued { appeal: a } if *a == appeal)),
                                    "{} was not moved off the removed specialist", appeal
                                );
                            }
                        }
                        Err(_) => prop_assert!(removed.contains(&who), "a member could not be removed"),
                    }
                }
                Op::Transfer { appeal, to } => {
                    let Some(appeal) = pick(&live, appeal) else { continue };
                    let Some(holder) = d.holder(appeal) else {
                        prop_assert!(d.transfer(appeal, ids[0], None).is_err(), "a queued appeal has no holder");
                        continue;
                    };
                    let to = to.map(|i| ids[i % ids.len()]);
                    let unreachable = to.is_some_and(|t| {
                        d.specialist(t)
                            .is_none_or(|s| !s.presence.receives_open_appeal_messages())
                    });
                    match d.transfer(appeal, holder, to) {
                        Ok(moves) => {
                            prop_assert!(!unreachable, "transferred to an unreachable colleague");
                            if to.is_none() {
                                check_automatic(&d, &moves)?;
                                prop_assert_ne!(d.holder(appeal), Some(holder), "handed back to its holder");
                            } else {
                                check_automatic(&d, &moves[1..])?;
                            }
                        }
                        Err(_) => prop_assert!(unreachable, "a legal transfer was refused"),
                    }
                }
                Op::Take { appeal, who } => {
                    let Some(appeal) = pick(&live, appeal) else { continue };
                    let was_queued = d.queue().contains(appeal);
                    let by = ids[who % ids.len()];
                    let result = d.take(appeal, by);
                    if result.is_ok() {
                        prop_assert!(was_queued);
                        prop_assert_eq!(d.holder(appeal), Some(by));
                    }
                    // A second take of the same appeal always fails: exactly one wins.
                    prop_assert!(d.take(appeal, by).is_err());
                }
                Op::ClientWrites { appeal } => {
                    let Some(appeal) = pick(&live, appeal) else { continue };
                    // The read-only look agrees with the change itself.
                    let nothing = d.client_activity_changes_nothing(appeal).expect("known");
                    let before = d.holder(appeal);
                    let moved = d.client_activity(appeal).expect("activity");
                    prop_assert_eq!(nothing, moved.is_none());
                    if nothing {
                        prop_assert_eq!(d.holder(appeal), before);
                    }
                    if let Some(m) = moved {
                        check_automatic(&d, &[m])?;
                    }
                }
                Op::ToTier { appeal, second } => {
                    let Some(appeal) = pick(&live, appeal) else { continue };
                    let tier = if second { SupportTier::Second } else { SupportTier::First };
                    let Some(holder) = d.holder(appeal) else { continue };
                    match d.transfer_to_tier(appeal, holder, tier) {
                        Ok(moves) => {
                            check_automatic(&d, &moves)?;
                            prop_assert_eq!(d.tier_of(appeal), tier);
                            if let Some(to) = d.holder(appeal) {
                                prop_assert!(to != holder && d.serves(to, tier));
                            }
                        }
                        Err(e) => prop_assert_eq!(e.code(), "routing.same_tier"),
                    }
                }
                Op::Tiers { who, tiers } => {
                    let who = ids[who % ids.len()];
                    if removed.contains(&who) {
                        prop_assert!(d.set_tiers(who, &tiers).is_err(), "tiers of a removed specialist");
                        continue;
                    }
                    let moves = d.set_tiers(who, &tiers).expect("tiers");
                    check_automatic(&d, &moves)?;
                }
                Op::Finish { appeal } => {
                    let Some(appeal) = pick(&live, appeal) else { continue };
                    let moves = d.finish(appeal).expect("finish");
                    live.remove(&appeal);
                    check_automatic(&d, &moves)?;
                    prop_assert!(d.finish(appeal).is_err(), "finished twice");
                }
            }
            check_invariants(&d, &live, &removed)?;
        }
    }
}
