//! S6: SLA compliance tallied per appeal group: per level, specialist or line, as the report
//! "Выполнение условий поддержки" shows it. The caller evaluates each appeal's clock at the
//! report's `now` and adds it under the keys it wants.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::clock::{DeadlineStatus, SlaEvaluation};

/// How many deadlines stand where.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StatusCounts {
    pub on_track: u32,
    pub at_risk: u32,
    pub breached: u32,
    pub met: u32,
    pub paused: u32,
}

impl StatusCounts {
    fn add(&mut self, status: DeadlineStatus) {
        let slot = match status {
            DeadlineStatus::OnTrack => &mut self.on_track,
            DeadlineStatus::AtRisk => &mut self.at_risk,
            DeadlineStatus::Breached => &mut self.breached,
            DeadlineStatus::Met => &mut self.met,
            DeadlineStatus::Paused => &mut self.paused,
        };
        *slot += 1;
    }

    /// Met among the decided (met or breached); `None` while nothing is decided.
    pub fn met_share(&self) -> Option<f64> {
        let decided = self.met + self.breached;
        (decided > 0).then(|| f64::from(self.met) / f64::from(decided))
    }
}

/// One group's tallies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Compliance {
    pub appeals: u32,
    pub reaction: StatusCounts,
    pub resolution: StatusCounts,
}

impl Compliance {
    pub fn add(&mut self, evaluation: &SlaEvaluation) {
        self.appeals += 1;
        self.reaction.add(evaluation.reaction);
        self.resolution.add(evaluation.resolution);
    }
}

/// Compliance per key (a level name, a specialist, a line) and in total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplianceReport<K: Ord> {
    groups: BTreeMap<K, Compliance>,
    total: Compliance,
}

impl<K: Ord> Default for ComplianceReport<K> {
    fn default() -> Self {
        ComplianceReport {
            groups: BTreeMap::new(),
            total: Compliance::default(),
        }
    }
}

impl<K: Ord> ComplianceReport<K> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, key: K, evaluation: &SlaEvaluation) {
        self.groups.entry(key).or_default().add(evaluation);
        self.total.add(evaluation);
    }

    pub fn group(&self, key: &K) -> Option<&Compliance> {
        self.groups.get(key)
    }

    /// Groups in key order.
    pub fn groups(&self) -> impl Iterator<Item = (&K, &Compliance)> {
        self.groups.iter()
    }

    pub fn total(&self) -> &Compliance {
        &self.total
    }
}
