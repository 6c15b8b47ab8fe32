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

    /// Each condition that is set, checked against `facts`, in the order [`Self::matches`]
    /// reads them; the level matches when all hold (an empty list: it matches anything).
    pub fn checks(&self, facts: &AppealFacts) -> Vec<ConditionCheck> {
        let check = |field, accepted: Vec<String>, actual: String| ConditionCheck {
            holds: accepted.contains(&actual),
            field,
            accepted,
            actual,
        };
        let mut checks = Vec::new();
        if !self.kinds.is_empty() {
            checks.push(check(
                ConditionField::Kind,
                self.kinds.clone(),
                facts.kind.clone(),
            ));
        }
        if !self.client_statuses.is_empty() {
            checks.push(check(
                ConditionField::ClientStatus,
                self.client_statuses.clone(),
                facts.client_status.clone(),
            ));
        }
        if let Some(vip) = self.vip {
            checks.push(check(
                ConditionField::Vip,
                vec![vip.to_string()],
                facts.vip.to_string(),
            ));
        }
        if !self.lines.is_empty() {
            let lines = self.lines.iter().map(|l| l.0.to_string()).collect();
            checks.push(check(ConditionField::Line, lines, facts.line.0.to_string()));
        }
        if !self.channels.is_empty() {
            let channels = self.channels.iter().copied().map(channel_name).collect();
            checks.push(check(
                ConditionField::Channel,
                channels,
                channel_name(facts.channel),
            ));
        }
        checks
    }
}

/// S5: how one level fared against an appeal's facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelTrial {
    pub level: String,
    /// Its set conditions, each checked; the first that does not hold is why it did not match.
    pub checks: Vec<ConditionCheck>,
    pub matched: bool,
}

/// S5: why a level applies: the levels tried in order up to the one that matched, or every
/// other level and then "Default".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    pub level: String,
    /// No other level matched, so "Default" applies.
    pub by_default: bool,
    pub trials: Vec<LevelTrial>,
}

/// S5: what one condition of a level looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ConditionField {
    /// The appeal's type.
    Kind,
    ClientStatus,
    Vip,
    Line,
    Channel,
}

/// S5: one set condition of a level checked against an appeal: what it accepts, what the
/// appeal had, and whether it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConditionCheck {
    pub field: ConditionField,
    pub accepted: Vec<String>,
    pub actual: String,
    pub holds: bool,
}

/// The wire name of a channel, as levels' conditions are written.
fn channel_name(channel: Channel) -> String {
    match channel {
        Channel::Message => "message",
        Channel::Call => "call",
        Channel::RemoteSession => "remote_session",
        Channel::File => "file",
        Channel::Manual => "manual",
    }
    .to_string()
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

    /// [`Self::select`] with its reasons: each level tried in order ("Default" skipped) with
    /// its conditions checked, up to the first that matches.
    pub fn explain_selection(&self, facts: &AppealFacts) -> Selection {
        let mut trials = Vec::new();
        for (i, level) in self.levels.iter().enumerate() {
            if i == self.default {
                continue;
            }
            let checks = level.conditions.checks(facts);
            let matched = checks.iter().all(|c| c.holds);
            trials.push(LevelTrial {
                level: level.name.clone(),
                checks,
                matched,
            });
            if matched {
                return Selection {
                    level: level.name.clone(),
                    by_default: false,
                    trials,
                };
            }
        }
        Selection {
            level: self.levels[self.default].name.clone(),
            by_default: true,
            trials,
        }
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
