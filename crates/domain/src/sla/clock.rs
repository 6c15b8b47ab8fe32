//! The SLA clock of one appeal (S2-S4) and its evaluation (S6).
//!
//! [`Deadlines`] are computed once, at registration, and have no setters (S3). Time spent
//! waiting for the client adds the working time of the wait to the resolution deadline when
//! the wait ends (S4), so a wait can only move the deadline later.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::calendar::{BusinessCalendar, CalendarError};
use super::level::{AppealFacts, SupportLevel};

/// S2/S3: the deadlines fixed at registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    registered_at: DateTime<Utc>,
    reaction_due: DateTime<Utc>,
    resolution_due: DateTime<Utc>,
}

impl Deadlines {
    pub fn compute(
        level: &SupportLevel,
        registered_at: DateTime<Utc>,
    ) -> Result<Deadlines, CalendarError> {
        Ok(Deadlines {
            registered_at,
            reaction_due: level
                .calendar
                .add_working_time(registered_at, level.reaction)?,
            resolution_due: level
                .calendar
                .add_working_time(registered_at, level.resolution)?,
        })
    }
    pub fn registered_at(&self) -> DateTime<Utc> {
        self.registered_at
    }
    pub fn reaction_due(&self) -> DateTime<Utc> {
        self.reaction_due
    }
    pub fn resolution_due(&self) -> DateTime<Utc> {
        self.resolution_due
    }
}

/// Where one deadline stands (S6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum DeadlineStatus {
    /// Not reached yet, with more working time left than the margin.
    OnTrack,
    /// Not reached yet, and at most the margin of working time is left.
    AtRisk,
    /// Passed without the answer or the solution, or reached late.
    Breached,
    /// Reached in time.
    Met,
    /// The resolution clock stands still while waiting for the client.
    Paused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SlaEvaluation {
    pub reaction: DeadlineStatus,
    pub resolution: DeadlineStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClockError {
    #[error("the appeal is already waiting for the client")]
    AlreadyWaiting,
    #[error("the appeal is not waiting for the client")]
    NotWaiting,
    #[error("the appeal is already resolved")]
    Resolved,
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

impl ClockError {
    pub fn code(&self) -> &'static str {
        match self {
            ClockError::AlreadyWaiting => "sla.already_waiting",
            ClockError::NotWaiting => "sla.not_waiting",
            ClockError::Resolved => "sla.resolved",
            ClockError::Calendar(e) => e.code(),
        }
    }
}

/// S4: one ended wait for the client, as the clock counted it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wait {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The working time it added to the resolution deadline: zero for a wait that began after
    /// the deadline had passed.
    pub added: TimeDelta,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaClock {
    pub level: String,
    deadlines: Deadlines,
    /// Working time spent waiting, added to the resolution deadline (S4).
    extension: TimeDelta,
    waiting_since: Option<DateTime<Utc>>,
    reacted_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    /// The ended waits, in order (clocks stored before they were kept have none: their
    /// `extension` still counts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    waits: Vec<Wait>,
    /// S5: what the level was chosen by at registration, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    facts: Option<AppealFacts>,
}

impl SlaClock {
    /// S3: start the clock when the appeal is registered.
    pub fn start(
        level: &SupportLevel,
        registered_at: DateTime<Utc>,
    ) -> Result<SlaClock, ClockError> {
        Ok(SlaClock {
            level: level.name.clone(),
            deadlines: Deadlines::compute(level, registered_at)?,
            extension: TimeDelta::zero(),
            waiting_since: None,
            reacted_at: None,
            resolved_at: None,
            waits: Vec::new(),
            facts: None,
        })
    }

    /// S3/S5: [`Self::start`] for a level chosen by `facts`, which the clock keeps so the
    /// choice can be explained later.
    pub fn start_for(
        level: &SupportLevel,
        facts: AppealFacts,
        registered_at: DateTime<Utc>,
    ) -> Result<SlaClock, ClockError> {
        let mut clock = SlaClock::start(level, registered_at)?;
        clock.facts = Some(facts);
        Ok(clock)
    }

    /// S5: what the level was chosen by, if the clock was started with it.
    pub fn facts(&self) -> Option<&AppealFacts> {
        self.facts.as_ref()
    }

    /// S4: the ended waits, in order.
    pub fn waits(&self) -> &[Wait] {
        &self.waits
    }

    /// S4: since when the appeal waits for the client, if it does.
    pub fn waiting_since(&self) -> Option<DateTime<Utc>> {
        self.waiting_since
    }

    pub fn deadlines(&self) -> &Deadlines {
        &self.deadlines
    }

    pub fn extension(&self) -> TimeDelta {
        self.extension
    }

    pub fn is_waiting(&self) -> bool {
        self.waiting_since.is_some()
    }

    /// S2: the resolution deadline now: the registered one extended by the waits (S4).
    pub fn resolution_due(
        &self,
        calendar: &BusinessCalendar,
    ) -> Result<DateTime<Utc>, CalendarError> {
        calendar.add_working_time(self.deadlines.resolution_due, self.extension)
    }

    /// S2: the first answer (call, mail, message) or notice that work started. Later ones
    /// change nothing.
    pub fn record_reaction(&mut self, at: DateTime<Utc>) {
        self.reacted_at.get_or_insert(at);
    }

    /// S4: the appeal enters "waiting" (for the client); the resolution clock stops.
    pub fn start_waiting(&mut self, at: DateTime<Utc>) -> Result<(), ClockError> {
        if self.resolved_at.is_some() {
            return Err(ClockError::Resolved);
        }
        if self.waiting_since.is_some() {
            return Err(ClockError::AlreadyWaiting);
        }
        self.waiting_since = Some(at);
        Ok(())
    }

    /// S4: the wait ends; its working time (by the level's calendar) extends the resolution
    /// deadline. Returns the extension added: zero for a wait that began after the deadline
    /// had already passed.
    pub fn stop_waiting(
        &mut self,
        at: DateTime<Utc>,
        calendar: &BusinessCalendar,
    ) -> Result<TimeDelta, ClockError> {
        let since = self.waiting_since.ok_or(ClockError::NotWaiting)?;
        // A breach is a fact: a wait that began after the deadline had passed does not move it
        // (else parking a late appeal in "waiting" would erase the breach from reports).
        let waited = if since > self.resolution_due(calendar)? {
            TimeDelta::zero()
        } else {
            calendar.working_time_between(since, at)
        };
        self.waiting_since = None;
        self.extension += waited;
        self.waits.push(Wait {
            from: since,
            to: at,
            added: waited,
        });
        Ok(waited)
    }

    /// S2: the question is solved (a running wait ends first).
    pub fn resolve(
        &mut self,
        at: DateTime<Utc>,
        calendar: &BusinessCalendar,
    ) -> Result<(), ClockError> {
        if self.resolved_at.is_some() {
            return Err(ClockError::Resolved);
        }
        if self.waiting_since.is_some() {
            self.stop_waiting(at, calendar)?;
        }
        self.resolved_at = Some(at);
        Ok(())
    }

    /// When the first reaction and the resolution happened, if they did.
    pub fn reacted_at(&self) -> Option<DateTime<Utc>> {
        self.reacted_at
    }
    pub fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.resolved_at
    }

    /// S6: both deadlines at `now`. `margin` is the working time left at which a deadline
    /// turns "at risk". While waiting, the resolution is `Paused` (or `Breached` if the wait
    /// began after the deadline had passed).
    pub fn evaluate(
        &self,
        calendar: &BusinessCalendar,
        now: DateTime<Utc>,
        margin: TimeDelta,
    ) -> Result<SlaEvaluation, CalendarError> {
        let status = |due: DateTime<Utc>, reached: Option<DateTime<Utc>>| match reached {
            Some(at) if at <= due => DeadlineStatus::Met,
            Some(_) => DeadlineStatus::Breached,
            None if now > due => DeadlineStatus::Breached,
            None if calendar.working_time_between(now, due) <= margin => DeadlineStatus::AtRisk,
            None => DeadlineStatus::OnTrack,
        };
        let reaction = status(self.deadlines.reaction_due, self.reacted_at);
        let resolution = match self.waiting_since {
            // A wait that began after the deadline does not hide the breach.
            Some(since) if self.resolved_at.is_none() => {
                if since > self.resolution_due(calendar)? {
                    DeadlineStatus::Breached
                } else {
                    DeadlineStatus::Paused
                }
            }
            _ => status(self.resolution_due(calendar)?, self.resolved_at),
        };
        Ok(SlaEvaluation {
            reaction,
            resolution,
        })
    }
}
