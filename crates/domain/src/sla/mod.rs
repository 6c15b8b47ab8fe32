//! SLA support levels (S1-S6): calendars, deadlines, waiting, levels and evaluation.

pub mod calendar;
pub mod clock;
pub mod level;
pub mod notation;

pub use calendar::{BusinessCalendar, CalendarError, Shift};
pub use clock::{ClockError, DeadlineStatus, Deadlines, SlaClock, SlaEvaluation};
pub use level::{AppealFacts, Conditions, DEFAULT_LEVEL, LevelError, LevelSet, SupportLevel};
pub use notation::{NotationError, parse_calendar, parse_duration};
