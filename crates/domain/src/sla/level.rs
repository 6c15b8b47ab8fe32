//! Support levels (S1, S5): an ordered list of condition sets; the first level whose
//! conditions match an appeal applies, else the level named "Default".

use chrono::TimeDelta;

use super::calendar::BusinessCalendar;
use crate::ids::LineId;

/// The name of the level that applies when no other matches (S5).
pub const DEFAULT_LEVEL: &str = "Default";

/// What a level's conditions look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppealFacts {
    /// Appeal type, e.g. "consultation", "error", "call".
    pub kind: String,
    /// Client status, e.g. "its_prof", "trial".
    pub client_status: String,
    pub vip: bool,
    pub line: LineId,
}

/// Conditions of a level: each empty list (or `None`) matches anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditions {
    pub kinds: Vec<String>,
    pub client_statuses: Vec<String>,
    pub vip: Option<bool>,
    pub lines: Vec<LineId>,
}

impl Conditions {
    pub fn matches(&self, facts: &AppealFacts) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&facts.kind))
            && (self.client_statuses.is_empty()
                || self.client_statuses.contains(&facts.client_status))
            && self.vip.is_none_or(|vip| vip == facts.vip)
            && (self.lines.is_empty() || self.lines.contains(&facts.line))
    }
}

/// S1: a named level with its calendar and its reaction and resolution times (working time).
#[derive(Debug, Clone, PartialEq)]
pub struct SupportLevel {
    pub name: String,
    pub calendar: BusinessCalendar,
    pub reaction: TimeDelta,
    pub resolution: TimeDelta,
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
}

impl LevelError {
    pub fn code(&self) -> &'static str {
        match self {
            LevelError::NoDefault => "sla.no_default_level",
            LevelError::Duplicate(_) => "sla.duplicate_level",
            LevelError::NotPositive { .. } => "sla.not_positive",
        }
    }
}

/// S5: the ordered levels of a line. Construction checks there is a "Default".
#[derive(Debug, Clone, PartialEq)]
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
            for (what, d) in [
                ("reaction time", level.reaction),
                ("resolution time", level.resolution),
            ] {
                if d <= TimeDelta::zero() {
                    return Err(LevelError::NotPositive {
                        name: level.name.clone(),
                        what,
                    });
                }
            }
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
