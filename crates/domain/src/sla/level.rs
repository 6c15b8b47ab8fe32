//! Support levels (S1, S5): an ordered list of condition sets; the first level whose
//! conditions match an appeal applies, else the level named "Default".

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use super::calendar::BusinessCalendar;
use super::notation::format_duration;
use crate::appeal::Channel;
use crate::ids::LineId;

/// The name of the level that applies when no other matches (S5).
pub const DEFAULT_LEVEL: &str = "Default";

/// What a level's conditions look at, known when the appeal is registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppealFacts {
    /// Appeal type, e.g. "consultation", "error".
    pub kind: String,
    /// Client status, e.g. "its_prof", "trial".
    pub client_status: String,
    pub vip: bool,
    pub line: LineId,
    pub channel: Channel,
}

/// Conditions of a level: all must hold; each empty list (or `None`) matches anything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct Conditions {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub client_statuses: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vip: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<LineId>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<Channel>,
}

impl Conditions {
    pub fn matches(&self, facts: &AppealFacts) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&facts.kind))
            && (self.client_statuses.is_empty()
                || self.client_statuses.contains(&facts.client_status))
            && self.vip.is_none_or(|vip| vip == facts.vip)
            && (self.lines.is_empty() || self.lines.contains(&facts.line))
            && (self.channels.is_empty() || self.channels.contains(&facts.channel))
    }
}

/// S1: a named level with its calendar (working days and hours) and its reaction and
/// resolution times, both working time. Serialized with the calendar and times as notation
/// text: `{"name": "VIP", "calendar": "tz Europe/Moscow; Mon-Fri 09-18", "reaction": "30m", ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportLevel {
    pub name: String,
    pub calendar: BusinessCalendar,
    #[serde(with = "super::notation::duration_text")]
    pub reaction: TimeDelta,
    #[serde(with = "super::notation::duration_text")]
    pub resolution: TimeDelta,
    #[serde(default)]
    pub conditions: Conditions,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LevelError {
    #[error("the levels have none named \"Default\"")]
    NoDefault,
    #[error("level {0:?} appears twice")]
    Duplicate(String),
    #[error("level {name:?}: {what} must be positive")]
    NotPositive { name: String, what: &'static str },
    /// The calendar has no working hours on any weekday: no deadline could ever be found.
    #[error("level {name:?}: the calendar has no working hours on any weekday")]
    NoWorkingTime { name: String },
    /// More working time than the calendar is sure to give within the deadline search (about
    /// ten years), so an appeal could get no deadline.
    #[error(
        "level {name:?}: {what} {asked} can never be met: the calendar gives at most {max} \
         of working time within the ten years a deadline is searched"
    )]
    Unreachable {
        name: String,
        what: &'static str,
        asked: String,
        max: String,
    },
}

impl LevelError {
    pub fn code(&self) -> &'static str {
        match self {
            LevelError::NoDefault => "sla.no_default_level",
            LevelError::Duplicate(_) => "sla.duplicate_level",
            LevelError::NotPositive { .. } => "sla.not_positive",
            LevelError::NoWorkingTime { .. } => "sla.no_working_time",
            LevelError::Unreachable { .. } => "sla.unreachable",
        }
    }
}

impl SupportLevel {
    /// S1: a level whose deadlines can always be computed: positive times, working hours in
    /// the week, and times the calendar is sure to give (see
    /// [`BusinessCalendar::max_deadline_work`]). A level that fails this would fail at an
    /// appeal instead; [`LevelSet::new`] checks every level with it.
    pub fn check(&self) -> Result<(), LevelError> {
        let times = [
            ("reaction time", self.reaction),
            ("resolution time", self.resolution),
        ];
        for (what, d) in times {
            if d <= TimeDelta::zero() {
                return Err(LevelError::NotPositive {
                    name: self.name.clone(),
                    what,
                });
            }
        }
        if self.calendar.weekly_working_time() <= TimeDelta::zero() {
            return Err(LevelError::NoWorkingTime {
                name: self.name.clone(),
            });
        }
        let max = self.calendar.max_deadline_work();
        for (what, d) in times {
            if d > max {
                return Err(LevelError::Unreachable {
                    name: self.name.clone(),
                    what,
                    asked: format_duration(d),
                    max: format_duration(max),
                });
            }
        }
        Ok(())
    }
}

/// S5: the ordered levels of a line. Construction checks there is a "Default" and every level
/// ([`SupportLevel::check`]); it is stored as the plain list and checked again when read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "Vec<SupportLevel>", try_from = "Vec<SupportLevel>")]
pub struct LevelSet {
    levels: Vec<SupportLevel>,
    default: usize,
}

impl LevelSet {
    pub fn new(levels: Vec<SupportLevel>) -> Result<LevelSet, LevelError> {
        for (i, level) in levels.iter().enumerate() {
            if levels[..i].iter().any(|l| l.name == level.name) {
                return Err(LevelError::Duplicate(level.name.clone()));
            }
            level.check()?;
        }
        let default = levels
            .iter()
            .position(|l| l.name == DEFAULT_LEVEL)
            .ok_or(LevelError::NoDefault)?;
        Ok(LevelSet { levels, default })
    }

    /// The first level (in order, "Default" skipped) whose conditions match, else "Default".
    pub fn select(&self, facts: &AppealFacts) -> &SupportLevel {
        self.levels
            .iter()
            .enumerate()
            .find(|(i, l)| *i != self.default && l.conditions.matches(facts))
            .map_or(&self.levels[self.default], |(_, l)| l)
    }

    pub fn levels(&self) -> &[SupportLevel] {
        &self.levels
    }
}

impl From<LevelSet> for Vec<SupportLevel> {
    fn from(set: LevelSet) -> Self {
        set.levels
    }
}

impl TryFrom<Vec<SupportLevel>> for LevelSet {
    type Error = LevelError;

    fn try_from(levels: Vec<SupportLevel>) -> Result<Self, Self::Error> {
        LevelSet::new(levels)
    }
}
