//! S6 figures from a backend's sums: per level, per specialist and in total. Deadlines already
//! decided were kept with each appeal when reached ([`linedesk_domain::sla::SlaOutcome`]), so
//! the backend sums them; the few appeals with a deadline still open are evaluated here at
//! `now` with the domain's [`SlaClock::evaluate`] (one past its deadline is breached, else in
//! progress).

use std::collections::{BTreeMap, HashMap};

use chrono::TimeDelta;
use linedesk_domain::sla::{BusinessCalendar, DeadlineStatus, SlaClock, parse_calendar};
use linedesk_protocol::reports::{
    BreachedAppeal, DeadlineTally, MAX_REPORT_ROWS, SlaFigures, SlaLevelRow, SlaSpecialistRow,
};

use super::average;
use crate::error::LineError;
use crate::sla::instant;

/// The sums of one group (a level and a holder) of the period's appeals; only decided
/// deadlines are counted in the `*_met`/`*_breached` fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlaSums {
    pub level: String,
    pub specialist: Option<u64>,
    pub specialist_name: String,
    pub appeals: u32,
    pub reaction_met: u32,
    pub reaction_breached: u32,
    pub resolution_met: u32,
    pub resolution_breached: u32,
    /// Sum and count of the working times to the first reaction and to the resolution.
    pub reaction_work_ms: i64,
    pub reacted: u32,
    pub resolution_work_ms: i64,
    pub resolved: u32,
}

/// An appeal of the period with a deadline not decided yet.
#[derive(Debug, Clone)]
pub struct OpenSla {
    /// What the breached list shows of it (its flags are set here).
    pub appeal: BreachedAppeal,
    pub calendar: String,
    pub clock: SlaClock,
    pub reaction_open: bool,
    pub resolution_open: bool,
}

/// An open appeal as evaluated at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OpenVerdict {
    reaction_breached: Option<bool>,
    resolution_breached: Option<bool>,
}

fn verdict(
    open: &OpenSla,
    calendars: &mut HashMap<String, BusinessCalendar>,
    now_ms: i64,
) -> Result<OpenVerdict, LineError> {
    let calendar = match calendars.get(&open.calendar) {
        Some(c) => c,
        None => {
            let parsed = parse_calendar(&open.calendar).map_err(|e| {
                LineError::Invalid(format!(
                    "the SLA calendar of appeal {}: {e}",
                    open.appeal.appeal
                ))
            })?;
            calendars.entry(open.calendar.clone()).or_insert(parsed)
        }
    };
    let status = open
        .clock
        .evaluate(calendar, instant(now_ms)?, TimeDelta::zero())
        .map_err(|e| LineError::Invalid(e.to_string()))?;
    let breached = |s: DeadlineStatus| s == DeadlineStatus::Breached;
    Ok(OpenVerdict {
        reaction_breached: open.reaction_open.then(|| breached(status.reaction)),
        resolution_breached: open.resolution_open.then(|| breached(status.resolution)),
    })
}

fn tally(t: &mut DeadlineTally, breached: Option<bool>) {
    match breached {
        Some(true) => t.breached += 1,
        Some(false) => t.in_progress += 1,
        None => {}
    }
}

/// Sums and counts of a group before the averages.
#[derive(Debug, Default, Clone, Copy)]
struct Acc {
    f: SlaFigures,
    reaction_sum: i64,
    reacted: u32,
    resolution_sum: i64,
    resolved: u32,
}

impl Acc {
    fn add(&mut self, s: &SlaSums) {
        self.f.appeals += s.appeals;
        self.f.reaction.met += s.reaction_met;
        self.f.reaction.breached += s.reaction_breached;
        self.f.resolution.met += s.resolution_met;
        self.f.resolution.breached += s.resolution_breached;
        self.reaction_sum += s.reaction_work_ms;
        self.reacted += s.reacted;
        self.resolution_sum += s.resolution_work_ms;
        self.resolved += s.resolved;
    }

    fn add_open(&mut self, v: OpenVerdict) {
        tally(&mut self.f.reaction, v.reaction_breached);
        tally(&mut self.f.resolution, v.resolution_breached);
    }

    fn figures(self) -> SlaFigures {
        SlaFigures {
            avg_reaction_work_ms: average(self.reaction_sum, self.reacted),
            avg_resolution_work_ms: average(self.resolution_sum, self.resolved),
            ..self.f
        }
    }
}

/// The S6 part of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaFold {
    pub total: SlaFigures,
    pub by_level: Vec<SlaLevelRow>,
    pub by_specialist: Vec<SlaSpecialistRow>,
    /// The open appeals already past a deadline, newest first.
    pub open_breached: Vec<BreachedAppeal>,
}

/// Fold a report's sums and its open appeals evaluated at `now_ms`. Levels come in name
/// order, specialists by name (nobody's appeals last).
pub fn fold(sums: &[SlaSums], open: &[OpenSla], now_ms: i64) -> Result<SlaFold, LineError> {
    let mut total = Acc::default();
    let mut levels: BTreeMap<&str, Acc> = BTreeMap::new();
    let mut people: BTreeMap<Option<u64>, (String, Acc)> = BTreeMap::new();
    for s in sums {
        total.add(s);
        levels.entry(&s.level).or_default().add(s);
        people
            .entry(s.specialist)
            .or_insert_with(|| (s.specialist_name.clone(), Acc::default()))
            .1
            .add(s);
    }
    let mut calendars = HashMap::new();
    let mut open_breached = Vec::new();
    for o in open {
        let v = verdict(o, &mut calendars, now_ms)?;
        total.add_open(v);
        levels.entry(&o.appeal.level).or_default().add_open(v);
        people
            .entry(o.appeal.specialist)
            .or_insert_with(|| (o.appeal.specialist_name.clone(), Acc::default()))
            .1
            .add_open(v);
        let reaction = v.reaction_breached == Some(true);
        let resolution = v.resolution_breached == Some(true);
        if reaction || resolution {
            open_breached.push(BreachedAppeal {
                reaction_breached: reaction || o.appeal.reaction_breached,
                resolution_breached: resolution,
                ..o.appeal.clone()
            });
        }
    }
    open_breached.sort_by_key(|b| std::cmp::Reverse((b.opened_ms, b.appeal)));
    let mut by_specialist: Vec<SlaSpecialistRow> = people
        .into_iter()
        .map(|(specialist, (name, acc))| SlaSpecialistRow {
            specialist,
            name,
            figures: acc.figures(),
        })
        .collect();
    by_specialist.sort_by(|a, b| {
        (a.specialist.is_none(), &a.name, a.specialist).cmp(&(
            b.specialist.is_none(),
            &b.name,
            b.specialist,
        ))
    });
    Ok(SlaFold {
        total: total.figures(),
        by_level: levels
            .into_iter()
            .map(|(level, acc)| SlaLevelRow {
                level: level.to_string(),
                figures: acc.figures(),
            })
            .collect(),
        by_specialist,
        open_breached,
    })
}

/// The breached list: the decided ones the backend listed (newest first, at most
/// [`MAX_REPORT_ROWS`] of `decided_total`) with the open ones evaluated breached, newest first,
/// capped; and how many there are in all.
pub fn breached_list(
    decided: Vec<BreachedAppeal>,
    decided_total: u32,
    open: Vec<BreachedAppeal>,
) -> (Vec<BreachedAppeal>, u32) {
    let total = decided_total.saturating_add(u32::try_from(open.len()).unwrap_or(u32::MAX));
    let mut all = decided;
    all.extend(open);
    all.sort_by_key(|b| std::cmp::Reverse((b.opened_ms, b.appeal)));
    all.truncate(MAX_REPORT_ROWS as usize);
    (all, total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use linedesk_domain::sla::{SupportLevel, parse_duration};

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("time")
            .with_timezone(&Utc)
    }

    fn sums(level: &str, specialist: Option<u64>, name: &str) -> SlaSums {
        SlaSums {
            level: level.into(),
            specialist,
            specialist_name: name.into(),
            appeals: 2,
            reaction_met: 1,
            reaction_breached: 1,
            resolution_met: 2,
            resolution_breached: 0,
            reaction_work_ms: 3_000,
            reacted: 2,
            resolution_work_ms: 10_000,
            resolved: 2,
        }
    }

    fn open(appeal: u64, opened: &str, specialist: Option<u64>) -> OpenSla {
        let level = SupportLevel {
            name: "Default".into(),
            calendar: parse_calendar("tz UTC; Mon-Fri 09-18").expect("calendar"),
            reaction: parse_duration("1h").expect("1h"),
            resolution: parse_duration("8h").expect("8h"),
            conditions: Default::default(),
        };
        let clock = SlaClock::start(&level, at(opened)).expect("clock");
        OpenSla {
            appeal: BreachedAppeal {
                appeal,
                client: 1,
                client_name: "Иванова".into(),
                specialist,
                specialist_name: "Анна".into(),
                level: "Default".into(),
                opened_ms: at(opened).timestamp_millis(),
                reaction_due_ms: clock.deadlines().reaction_due().timestamp_millis(),
                reacted_ms: None,
                resolution_due_ms: clock.deadlines().resolution_due().timestamp_millis(),
                resolved_ms: None,
                reaction_breached: false,
                resolution_breached: false,
            },
            calendar: "tz UTC; Mon-Fri 09-18".into(),
            clock,
            reaction_open: true,
            resolution_open: true,
        }
    }

    #[test]
    fn sums_and_open_appeals_fold_into_groups() {
        let now = at("2027-03-01T12:00:00Z").timestamp_millis();
        let rows = [
            sums("Default", Some(1), "Анна"),
            sums("VIP", Some(1), "Анна"),
            sums("Default", Some(2), "Борис"),
        ];
        // One open since 09:00 (reaction due 10:00: breached at noon; resolution 17:00: in
        // progress), one since 11:30 (both in progress).
        let opens = [
            open(10, "2027-03-01T09:00:00Z", Some(2)),
            open(11, "2027-03-01T11:30:00Z", None),
        ];
        let f = fold(&rows, &opens, now).expect("fold");
        assert_eq!(f.total.appeals, 6);
        assert_eq!(
            f.total.reaction,
            DeadlineTally {
                met: 3,
                breached: 4,
                in_progress: 1
            }
        );
        assert_eq!(
            f.total.resolution,
            DeadlineTally {
                met: 6,
                breached: 0,
                in_progress: 2
            }
        );
        assert_eq!(f.total.avg_reaction_work_ms, Some(1_500));
        assert_eq!(f.total.avg_resolution_work_ms, Some(5_000));
        let names: Vec<_> = f.by_level.iter().map(|l| l.level.as_str()).collect();
        assert_eq!(names, ["Default", "VIP"]);
        assert_eq!(f.by_level[0].figures.appeals, 4);
        let people: Vec<_> = f.by_specialist.iter().map(|p| p.specialist).collect();
        assert_eq!(people, [Some(1), Some(2), None]);
        assert_eq!(f.by_specialist[1].figures.reaction.breached, 2);
        assert_eq!(f.open_breached.len(), 1);
        assert_eq!(f.open_breached[0].appeal, 10);
        assert!(f.open_breached[0].reaction_breached && !f.open_breached[0].resolution_breached);
    }

    #[test]
    fn the_breached_list_is_newest_first_capped_and_counts_everything() {
        let a = |appeal: u64, opened_ms: i64| BreachedAppeal {
            appeal,
            opened_ms,
            ..open(1, "2027-03-01T09:00:00Z", None).appeal
        };
        let (list, total) = breached_list(vec![a(1, 10), a(2, 30)], 5000, vec![a(3, 20)]);
        assert_eq!(total, 5001);
        let order: Vec<_> = list.iter().map(|b| b.appeal).collect();
        assert_eq!(order, [2, 3, 1]);
        let many: Vec<_> = (0..1500).map(|i| a(i, i as i64)).collect();
        let (list, total) = breached_list(many, 1500, Vec::new());
        assert_eq!((list.len(), total), (MAX_REPORT_ROWS as usize, 1500));
        assert_eq!(list[0].appeal, 1499);
    }
}
