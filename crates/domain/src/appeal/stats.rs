//! A4/A6: operator statistics on closed appeals: speed (handling time from the moment the
//! specialist got the appeal to its finish) and quality (client ratings), computed from the
//! appeals' event histories.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::{Actor, AppealEvent, AppealEventKind, TransferTarget};
use crate::ids::SpecialistId;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OperatorStats {
    /// Appeals this specialist finished (by hand or automatically while holding them).
    pub finished: u32,
    /// Sum of handling times, seconds.
    pub handling_seconds: i64,
    pub spam: u32,
    pub rated: u32,
    pub rating_sum: u32,
}

impl OperatorStats {
    pub fn average_handling(&self) -> Option<TimeDelta> {
        (self.finished > 0)
            .then(|| TimeDelta::seconds(self.handling_seconds / i64::from(self.finished)))
    }

    pub fn average_rating(&self) -> Option<f64> {
        (self.rated > 0).then(|| f64::from(self.rating_sum) / f64::from(self.rated))
    }
}

/// Statistics per specialist over the histories of appeals (each history in event order).
/// The finish is credited to the specialist holding the appeal then, and a rating to whoever
/// was credited with the finish.
pub fn operator_stats<'a>(
    histories: impl IntoIterator<Item = &'a [AppealEvent]>,
) -> BTreeMap<SpecialistId, OperatorStats> {
    let mut stats: BTreeMap<SpecialistId, OperatorStats> = BTreeMap::new();
    for history in histories {
        let mut holder: Option<(SpecialistId, DateTime<Utc>)> = None;
        let mut finisher: Option<SpecialistId> = None;
        for event in history {
            match &event.kind {
                AppealEventKind::Assigned { specialist }
                | AppealEventKind::TakenFromQueue { specialist } => {
                    holder = Some((*specialist, event.at));
                }
                AppealEventKind::Requeued { .. } => holder = None,
                AppealEventKind::Transferred { target, .. } => {
                    holder = match target {
                        TransferTarget::Colleague(to) => Some((*to, event.at)),
                        TransferTarget::Tier(_) | TransferTarget::Line(_) => None,
                    };
                }
                AppealEventKind::Finished { .. } | AppealEventKind::AutoFinished { .. } => {
                    let by = match event.actor {
                        Actor::Specialist(s) => Some(s),
                        _ => holder.map(|(s, _)| s),
                    };
                    if let Some(by) = by {
                        let entry = stats.entry(by).or_default();
                        entry.finished += 1;
                        let since = holder
                            .filter(|(s, _)| *s == by)
                            .map_or(event.at, |(_, at)| at);
                        entry.handling_seconds += (event.at - since).num_seconds().max(0);
                    }
                    finisher = by;
                }
                AppealEventKind::MarkedSpam => {
                    if let Actor::Specialist(s) = event.actor {
                        stats.entry(s).or_default().spam += 1;
                    }
                }
                AppealEventKind::Rated { score, .. } => {
                    if let Some(by) = finisher {
                        let entry = stats.entry(by).or_default();
                        entry.rated += 1;
                        entry.rating_sum += u32::from(*score);
                    }
                }
                AppealEventKind::Opened { .. }
                | AppealEventKind::WaitingForClient
                | AppealEventKind::Resumed => {}
            }
        }
    }
    stats
}
