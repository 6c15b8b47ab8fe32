//! An appeal's SLA explained (issue 15), as the line server answers
//! `GET /api/lines/{line}/appeals/{appeal}/sla` and the app shows it from the SLA badge: the
//! level and why (S5), each deadline's working-time segments (S1-S3), the waits (S4) and what
//! answering now would do. The domain computes it (`linedesk_domain::sla::explain`); this is
//! its wire form. Times are Unix milliseconds, durations milliseconds.

use linedesk_domain::sla::{
    ConditionField, DeadlineExplanation, DeadlineStatus, SegmentKind, SlaExplanation,
};
use serde::{Deserialize, Serialize};

/// What the level was chosen by at registration (S5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SlaFacts {
    /// The appeal's type ("" none).
    pub kind: String,
    pub client_status: String,
    pub vip: bool,
    /// What opened the appeal, as levels' conditions name it (`message`, `call`, ...).
    pub channel: String,
}

/// One set condition of a level, checked (values as the levels' file writes them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SlaConditionCheck {
    pub field: ConditionField,
    pub accepted: Vec<String>,
    pub actual: String,
    pub holds: bool,
}

/// One level tried, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SlaLevelTrial {
    pub level: String,
    pub matched: bool,
    pub checks: Vec<SlaConditionCheck>,
}

/// How the line's levels choose for the appeal's facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SlaSelection {
    pub level: String,
    /// No other level matched: "Default".
    pub by_default: bool,
    pub trials: Vec<SlaLevelTrial>,
}

/// A stretch of working time towards a deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SlaSegment {
    pub from_ms: i64,
    pub to_ms: i64,
    pub kind: SegmentKind,
}

/// One deadline explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SlaDeadlineExplained {
    /// The working time the level gives.
    pub budget_ms: i64,
    /// The deadline now (the resolution's moved by waits; while waiting, if the client
    /// answered now).
    pub due_ms: i64,
    pub reached_ms: Option<i64>,
    /// Working time counted so far (waits left out).
    pub used_ms: i64,
    pub status: DeadlineStatus,
    pub segments: Vec<SlaSegment>,
    /// More segments than listed.
    pub truncated: bool,
}

/// One wait for the client (S4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SlaWait {
    pub from_ms: i64,
    /// `None` while it goes on.
    pub to_ms: Option<i64>,
    /// The working time it adds to the resolution deadline (so far, while it goes on).
    pub added_ms: i64,
}

/// While the appeal waits: if the client answers now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SlaWhatIf {
    pub answered_ms: i64,
    pub added_ms: i64,
    pub resolution_due_ms: i64,
}

/// `GET /api/lines/{line}/appeals/{appeal}/sla`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AppealSla {
    pub appeal: u64,
    pub line: u64,
    /// The level the appeal has had since registration (S3).
    pub level: String,
    /// The level's calendar, in its notation (its time zone first).
    pub calendar: String,
    pub registered_ms: i64,
    pub facts: Option<SlaFacts>,
    pub selection: Option<SlaSelection>,
    pub reaction: SlaDeadlineExplained,
    pub resolution: SlaDeadlineExplained,
    pub waits: Vec<SlaWait>,
    /// Working time added by waits kept before the clock listed them.
    pub unlisted_extension_ms: i64,
    pub what_if: Option<SlaWhatIf>,
    pub now_ms: i64,
}

fn deadline(d: &DeadlineExplanation) -> SlaDeadlineExplained {
    SlaDeadlineExplained {
        budget_ms: d.budget.num_milliseconds(),
        due_ms: d.due.timestamp_millis(),
        reached_ms: d.reached_at.map(|t| t.timestamp_millis()),
        used_ms: d.used.num_milliseconds(),
        status: d.status,
        segments: d
            .segments
            .iter()
            .map(|s| SlaSegment {
                from_ms: s.from.timestamp_millis(),
                to_ms: s.to.timestamp_millis(),
                kind: s.kind,
            })
            .collect(),
        truncated: d.truncated,
    }
}

impl AppealSla {
    /// The wire form of the domain's explanation of `appeal` on `line`.
    pub fn of(appeal: u64, line: u64, calendar: String, e: &SlaExplanation) -> AppealSla {
        AppealSla {
            appeal,
            line,
            level: e.level.clone(),
            calendar,
            registered_ms: e.registered_at.timestamp_millis(),
            facts: e.facts.as_ref().map(|f| SlaFacts {
                kind: f.kind.clone(),
                client_status: f.client_status.clone(),
                vip: f.vip,
                channel: serde_json::to_value(f.channel)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
            }),
            selection: e.selection.as_ref().map(|s| SlaSelection {
                level: s.level.clone(),
                by_default: s.by_default,
                trials: s
                    .trials
                    .iter()
                    .map(|t| SlaLevelTrial {
                        level: t.level.clone(),
                        matched: t.matched,
                        checks: t
                            .checks
                            .iter()
                            .map(|c| SlaConditionCheck {
                                field: c.field,
                                accepted: c.accepted.clone(),
                                actual: c.actual.clone(),
                                holds: c.holds,
                            })
                            .collect(),
                    })
                    .collect(),
            }),
            reaction: deadline(&e.reaction),
            resolution: deadline(&e.resolution),
            waits: e
                .waits
                .iter()
                .map(|w| SlaWait {
                    from_ms: w.from.timestamp_millis(),
                    to_ms: w.to.map(|t| t.timestamp_millis()),
                    added_ms: w.added.num_milliseconds(),
                })
                .collect(),
            unlisted_extension_ms: e.unlisted_extension.num_milliseconds(),
            what_if: e.what_if.map(|w| SlaWhatIf {
                answered_ms: w.answered_at.timestamp_millis(),
                added_ms: w.added.num_milliseconds(),
                resolution_due_ms: w.resolution_due.timestamp_millis(),
            }),
            now_ms: e.now.timestamp_millis(),
        }
    }
}
