//! SLA support levels (S1-S6): calendars, deadlines, waiting, levels and evaluation.
//!
//! - [`calendar`]: a [`BusinessCalendar`] (working days, hours with breaks, holidays, shortened
//!   days, overnight shifts) in the line's time zone, and working-time arithmetic on it.
//! - [`level`]: [`SupportLevel`]s and the ordered [`LevelSet`] that picks one per appeal (S5).
//! - [`clock`]: an appeal's [`SlaClock`]: deadlines fixed at registration (S3), waits (S4),
//!   evaluation at `now` (S6).
//! - [`explain`]: an appeal's SLA explained: the level's choice, the working-time segments
//!   of each deadline, the waits and what answering now would do.
//! - [`outcome`]: an appeal's decided deadlines and working times, kept for reports (S6).
//! - [`report`]: compliance tallied per level, specialist or line (S6).
//! - [`notation`] and [`case`]: the text forms of calendars, durations and hand-checked cases.

pub mod calendar;
pub mod case;
pub mod clock;
pub mod explain;
pub mod level;
pub mod notation;
pub mod outcome;
pub mod report;

pub use calendar::{BusinessCalendar, CalendarError, Shift};
pub use case::{CaseMismatch, Expectation, SlaCase, parse_case, parse_cases};
pub use clock::{ClockError, DeadlineStatus, Deadlines, SlaClock, SlaEvaluation, Wait};
pub use explain::{
    DeadlineExplanation, MAX_SEGMENTS, Segment, SegmentKind, SlaExplanation, WaitExplanation,
    WhatIf, explain,
};
pub use level::{
    AppealFacts, ConditionCheck, ConditionField, Conditions, DEFAULT_LEVEL, LevelError, LevelSet,
    LevelTrial, Selection, SupportLevel,
};
pub use notation::{NotationError, format_duration, parse_calendar, parse_duration};
pub use outcome::SlaOutcome;
pub use report::{Compliance, ComplianceReport, StatusCounts};
