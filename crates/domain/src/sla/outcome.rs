//! S6: what an appeal's clock says once a deadline is decided, as the reports count it: the
//! working time to the first reaction and to the resolution (waits not counted, S4), and
//! whether each deadline was met. Kept with the appeal when a deadline is reached, so a report
//! over a year adds stored figures instead of walking calendars.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::calendar::{BusinessCalendar, CalendarError};
use super::clock::SlaClock;

/// The decided part of one appeal's SLA.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaOutcome {
    /// Working time from registration to the first reaction (S2).
    pub reaction_work: Option<TimeDelta>,
    /// Whether the reaction came by its deadline; `None` while it has not come.
    pub reaction_met: Option<bool>,
    /// Working time from registration to the resolution, less the working time spent waiting
    /// for the client (S4).
    pub resolution_work: Option<TimeDelta>,
    /// Whether the resolution came by its (extended) deadline; `None` while unresolved.
    pub resolution_met: Option<bool>,
}

impl SlaOutcome {
    /// The outcome of `clock` under `calendar` (the level's, fixed at registration). An appeal
    /// resolved without any reaction counts its resolution as the reaction: finishing is the
    /// answer the client got.
    pub fn of(clock: &SlaClock, calendar: &BusinessCalendar) -> Result<SlaOutcome, CalendarError> {
        let registered = clock.deadlines().registered_at();
        let work = |to: DateTime<Utc>| calendar.working_time_between(registered, to);
        let reacted = clock.reacted_at().or(clock.resolved_at());
        let (reaction_work, reaction_met) = match reacted {
            Some(at) => (Some(work(at)), Some(at <= clock.deadlines().reaction_due())),
            None => (None, None),
        };
        let (resolution_work, resolution_met) = match clock.resolved_at() {
            Some(at) => (
                Some((work(at) - clock.extension()).max(TimeDelta::zero())),
                Some(at <= clock.resolution_due(calendar)?),
            ),
            None => (None, None),
        };
        Ok(SlaOutcome {
            reaction_work,
            reaction_met,
            resolution_work,
            resolution_met,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sla::{SupportLevel, parse_calendar, parse_duration};

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("time")
            .with_timezone(&Utc)
    }

    fn level() -> SupportLevel {
        SupportLevel {
            name: "Default".into(),
            calendar: parse_calendar("tz UTC; Mon-Fri 09-18").expect("calendar"),
            reaction: parse_duration("1h").expect("reaction"),
            resolution: parse_duration("8h").expect("resolution"),
            conditions: Default::default(),
        }
    }

    #[test]
    fn working_times_skip_the_night_and_decide_both_deadlines() {
        let level = level();
        // Registered Monday 17:30; reacted Tuesday 09:20 (50 working minutes: met); resolved
        // Tuesday 17:00 (8h30 working: breached, due Tuesday 16:30).
        let mut clock = SlaClock::start(&level, at("2027-03-01T17:30:00Z")).expect("clock");
        let none = SlaOutcome::of(&clock, &level.calendar).expect("outcome");
        assert_eq!(none, SlaOutcome::default());
        clock.record_reaction(at("2027-03-02T09:20:00Z"));
        clock
            .resolve(at("2027-03-02T17:00:00Z"), &level.calendar)
            .expect("resolve");
        let o = SlaOutcome::of(&clock, &level.calendar).expect("outcome");
        assert_eq!(o.reaction_work, Some(TimeDelta::minutes(50)));
        assert_eq!(o.reaction_met, Some(true));
        assert_eq!(o.resolution_work, Some(TimeDelta::minutes(8 * 60 + 30)));
        assert_eq!(o.resolution_met, Some(false));
    }

    #[test]
    fn a_wait_is_not_counted_and_moves_the_deadline() {
        let level = level();
        let mut clock = SlaClock::start(&level, at("2027-03-01T09:00:00Z")).expect("clock");
        clock.record_reaction(at("2027-03-01T09:10:00Z"));
        clock
            .start_waiting(at("2027-03-01T10:00:00Z"))
            .expect("wait");
        clock
            .stop_waiting(at("2027-03-01T13:00:00Z"), &level.calendar)
            .expect("stop");
        // 9h of working time on the clock, 6h of it counted; the due moved from Mon 17:00 to Tue 11:00.
        clock
            .resolve(at("2027-03-01T18:00:00Z"), &level.calendar)
            .expect("resolve");
        let o = SlaOutcome::of(&clock, &level.calendar).expect("outcome");
        assert_eq!(o.resolution_work, Some(TimeDelta::hours(6)));
        assert_eq!(o.resolution_met, Some(true));
    }

    #[test]
    fn finishing_without_an_answer_is_the_reaction() {
        let level = level();
        let mut clock = SlaClock::start(&level, at("2027-03-01T09:00:00Z")).expect("clock");
        clock
            .resolve(at("2027-03-01T11:00:00Z"), &level.calendar)
            .expect("resolve");
        let o = SlaOutcome::of(&clock, &level.calendar).expect("outcome");
        assert_eq!(o.reaction_work, Some(TimeDelta::hours(2)));
        assert_eq!(o.reaction_met, Some(false));
        assert_eq!(o.resolution_met, Some(true));
    }
}
