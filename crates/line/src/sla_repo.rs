//! What the SLA rules (S2-S5) read and write, as a backend implements it (a part of
//! [`Repo`](crate::Repo)): a line's levels and each appeal's stored timer.

use linedesk_domain::sla::{SlaClock, SlaOutcome, SupportLevel, parse_calendar};

use crate::error::RepoError;

/// One deadline of a stored timer: when it turns at risk, when it is due, and which of its
/// alerts have been said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertDeadline {
    pub risk_ms: i64,
    pub due_ms: i64,
    pub risk_fired: bool,
    pub breach_fired: bool,
}

impl AlertDeadline {
    /// A deadline nothing has been said of yet.
    pub fn new(risk_ms: i64, due_ms: i64) -> AlertDeadline {
        AlertDeadline {
            risk_ms,
            due_ms,
            risk_fired: false,
            breach_fired: false,
        }
    }
}

/// S2/S3: an appeal's SLA timer as stored: the level it started under, the level's calendar
/// then (a later change of levels does not move it), the domain's clock and both deadlines'
/// alerts.
#[derive(Debug, Clone)]
pub struct SlaTimer {
    pub appeal: u64,
    pub line: u64,
    pub level: String,
    /// The calendar in the notation (`linedesk_domain::sla::parse_calendar` reads it).
    pub calendar: String,
    pub clock: SlaClock,
    pub reaction: AlertDeadline,
    pub resolution: AlertDeadline,
}

pub trait SlaRepo {
    /// S5: the levels set for `line`, in order (empty when none were set).
    fn sla_level_rows(&mut self, line: u64) -> Result<Vec<SupportLevel>, RepoError>;
    /// S3: keep a new appeal's timer; `next_alert_ms` is when the timer must look at it next.
    fn insert_sla_timer(
        &mut self,
        timer: &SlaTimer,
        next_alert_ms: Option<i64>,
    ) -> Result<(), RepoError>;
    /// An appeal's timer, if it has one.
    fn sla_timer(&mut self, appeal: u64) -> Result<Option<SlaTimer>, RepoError>;
    /// Write a timer's clock, fired alerts and resolution deadline (moved by waits, S4) back,
    /// with when to look at it next (`None`: never again).
    fn put_sla_timer(
        &mut self,
        timer: &SlaTimer,
        next_alert_ms: Option<i64>,
    ) -> Result<(), RepoError>;
    /// The timers whose next look is due at `now_ms`, earliest first.
    fn due_sla_timers(&mut self, now_ms: i64) -> Result<Vec<SlaTimer>, RepoError>;
}

/// S6: the decided part of `t` (working times and met or not), which a backend keeps beside
/// the timer so reports sum it instead of walking calendars.
pub fn sla_outcome(t: &SlaTimer) -> Result<SlaOutcome, crate::LineError> {
    if t.clock.reacted_at().is_none() && t.clock.resolved_at().is_none() {
        return Ok(SlaOutcome::default());
    }
    let calendar = parse_calendar(&t.calendar).map_err(|e| {
        crate::LineError::Invalid(format!("the SLA calendar of appeal {}: {e}", t.appeal))
    })?;
    SlaOutcome::of(&t.clock, &calendar).map_err(|e| crate::LineError::Invalid(e.to_string()))
}
