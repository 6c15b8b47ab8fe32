//! R1: the supervisor's reports, as the line server answers them over HTTP
//! (`GET /api/lines/{line}/reports/...`, see `crates/server/src/http/reports.rs`) and the app
//! shows them. Each report is computed on the server for one line, one period and its
//! filters; lists are capped at [`MAX_REPORT_ROWS`] (the `*_total` fields say how many there
//! were). Times are Unix milliseconds, durations milliseconds.

use linedesk_domain::presence::PresenceStatus;
use serde::{Deserialize, Serialize};

/// The longest period one report covers: a year and a day (a leap year, and the day the
/// period starts on).
pub const MAX_REPORT_SPAN_MS: i64 = 367 * 24 * 3600 * 1000;

/// Most rows of a report's list (breached appeals, rating comments, calls).
pub const MAX_REPORT_ROWS: u32 = 1000;

/// Where a rule of who-sees-what refused a report (the `rule` of the 403 or 400 answer).
pub const RULE_NOT_SUPERVISOR: &str = "report.not_supervisor";
pub const RULE_BAD_PERIOD: &str = "report.bad_period";
pub const RULE_PERIOD_TOO_LONG: &str = "report.period_too_long";

/// A line the signed-in specialist may see reports of, and whether they supervise it (then
/// they see everyone's figures; else only their own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ReportLine {
    pub line: u64,
    pub name: String,
    pub supervisor: bool,
}

/// `GET /api/reports/lines`: who asks and what they may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ReportAccess {
    pub specialist: u64,
    pub lines: Vec<ReportLine>,
}

/// One deadline over a group of appeals (S6): decided in time, decided late or passed, and
/// neither yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DeadlineTally {
    pub met: u32,
    pub breached: u32,
    pub in_progress: u32,
}

/// S6 figures of a group of appeals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SlaFigures {
    pub appeals: u32,
    pub reaction: DeadlineTally,
    pub resolution: DeadlineTally,
    /// Average working time from registration to the first reaction, over reacted appeals.
    pub avg_reaction_work_ms: Option<i64>,
    /// Average working time from registration to the resolution (waits not counted).
    pub avg_resolution_work_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SlaLevelRow {
    pub level: String,
    pub figures: SlaFigures,
}

/// A specialist's row; `specialist` is `None` for appeals nobody held (left in the queue).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SlaSpecialistRow {
    pub specialist: Option<u64>,
    pub name: String,
    pub figures: SlaFigures,
}

/// An appeal that missed a deadline; the app opens it (its client's chat).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BreachedAppeal {
    pub appeal: u64,
    pub client: u64,
    pub client_name: String,
    pub specialist: Option<u64>,
    pub specialist_name: String,
    pub level: String,
    pub opened_ms: i64,
    pub reaction_due_ms: i64,
    pub reacted_ms: Option<i64>,
    /// The resolution deadline fixed at registration (waits may have moved it later).
    pub resolution_due_ms: i64,
    pub resolved_ms: Option<i64>,
    pub reaction_breached: bool,
    pub resolution_breached: bool,
}

/// `GET /api/lines/{line}/reports/sla?from_ms&to_ms[&specialist][&level]`: appeals opened in
/// `[from_ms, to_ms)`, spam left out, evaluated at `now_ms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SlaReport {
    pub line: u64,
    pub from_ms: i64,
    pub to_ms: i64,
    pub now_ms: i64,
    /// Only the asker's own appeals (not a supervisor of the line).
    pub own_only: bool,
    pub total: SlaFigures,
    pub by_level: Vec<SlaLevelRow>,
    pub by_specialist: Vec<SlaSpecialistRow>,
    /// Newest first.
    pub breached: Vec<BreachedAppeal>,
    pub breached_total: u32,
}

/// A6: one specialist's finished appeals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OperatorRow {
    pub specialist: u64,
    pub name: String,
    /// Finished (not as spam) while they held them.
    pub handled: u32,
    /// Average working time from registration to the first reaction.
    pub avg_first_reaction_work_ms: Option<i64>,
    /// Average time from opening to finishing.
    pub avg_handling_ms: Option<i64>,
    /// Appeals they handed on (to a colleague, the queue, a level or a line).
    pub transfers: u32,
    pub rated: u32,
    /// Average stars times 100 (`450` is 4.5).
    pub avg_stars_centi: Option<u32>,
    /// How many ratings gave 1, 2, 3, 4 and 5 stars.
    pub stars: [u32; 5],
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RatingComment {
    pub appeal: u64,
    pub client: u64,
    pub client_name: String,
    pub specialist: Option<u64>,
    pub specialist_name: String,
    pub stars: u8,
    pub comment: String,
    pub finished_ms: Option<i64>,
}

/// `GET /api/lines/{line}/reports/operators?from_ms&to_ms[&specialist]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OperatorReport {
    pub line: u64,
    pub from_ms: i64,
    pub to_ms: i64,
    pub own_only: bool,
    pub rows: Vec<OperatorRow>,
    /// Newest first.
    pub comments: Vec<RatingComment>,
    pub comments_total: u32,
}

/// Calls of a group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CallSummary {
    pub calls: u32,
    pub answered: u32,
    /// A client's call nobody answered (legs of a transfer not counted).
    pub missed: u32,
    pub total_duration_ms: i64,
    pub avg_duration_ms: Option<i64>,
}

/// How many calls had a measure in `[from, to)` (`to: None`: and above).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Bucket {
    pub from: u32,
    pub to: Option<u32>,
    pub count: u32,
}

/// Quality of the measured calls (the worse party's figure of each call): MOS in hundredths,
/// loss in tenths of a percent, jitter in milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CallDistribution {
    pub measured: u32,
    pub mos_centi: Vec<Bucket>,
    pub loss_permille: Vec<Bucket>,
    pub jitter_ms: Vec<Bucket>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CallSpecialistRow {
    pub specialist: Option<u64>,
    pub name: String,
    pub summary: CallSummary,
}

/// One call; its recording plays in the app when `recording_ms` is there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CallRow {
    pub call: u64,
    pub appeal: u64,
    pub client: u64,
    pub client_name: String,
    pub specialist: Option<u64>,
    pub specialist_name: String,
    pub from_client: bool,
    pub placed_ms: i64,
    pub duration_ms: Option<i64>,
    pub missed: bool,
    pub end_reason: Option<String>,
    pub mos_centi: Option<u32>,
    pub loss_permille: Option<u32>,
    pub jitter_ms: Option<u32>,
    pub recording_ms: Option<i64>,
}

/// `GET /api/lines/{line}/reports/calls?from_ms&to_ms[&specialist]`: calls placed in the
/// period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CallReport {
    pub line: u64,
    pub from_ms: i64,
    pub to_ms: i64,
    pub own_only: bool,
    pub total: CallSummary,
    pub by_specialist: Vec<CallSpecialistRow>,
    pub distribution: CallDistribution,
    /// Newest first.
    pub calls: Vec<CallRow>,
    pub calls_total: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MonitorSpecialist {
    pub specialist: u64,
    pub name: String,
    pub status: PresenceStatus,
    /// Appeals of this line they hold now, and how many they may hold.
    pub open_appeals: u32,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct WaitingAppeal {
    pub appeal: u64,
    pub client: u64,
    pub client_name: String,
    pub opened_ms: i64,
}

/// `GET /api/lines/{line}/reports/monitor`: the line now (supervisors only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MonitorReport {
    pub line: u64,
    pub now_ms: i64,
    pub specialists: Vec<MonitorSpecialist>,
    /// Appeals waiting in the line's queue, and the one waiting longest.
    pub queued: u32,
    pub oldest_queued: Option<WaitingAppeal>,
    /// Appeals held by a specialist now.
    pub assigned: u32,
}
