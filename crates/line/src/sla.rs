//! S3/S5 when an appeal opens: the line's levels pick one, the domain's [`SlaClock`] fixes
//! the reaction and resolution deadlines, and [`Event::SlaStarted`] says what they are.

use chrono::{DateTime, TimeDelta, Utc};
use linedesk_domain::appeal::Channel;
use linedesk_domain::ids::LineId;
use linedesk_domain::sla::{AppealFacts, BusinessCalendar, SlaClock, SupportLevel};
use linedesk_protocol::Event;

use crate::error::LineError;
use crate::repo::{Repo, SlaTimerRow};

/// An alert says "at risk" when this share (in percent) of a deadline's working-time budget
/// is used.
pub const AT_RISK_PERCENT: i32 = 80;

pub(crate) fn instant(ms: i64) -> Result<DateTime<Utc>, LineError> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| LineError::Invalid(format!("{ms} is not a time")))
}

fn bad_level(e: impl std::fmt::Display) -> LineError {
    LineError::Invalid(format!("the SLA level cannot be applied: {e}"))
}

/// S5: the level that applies to a client's new appeal (or ticket) on `line`.
pub fn level_for(
    repo: &mut impl Repo,
    line: u64,
    client: u64,
    channel: Channel,
) -> Result<SupportLevel, LineError> {
    let vip = repo.client(client)?.is_some_and(|c| c.vip);
    // What the server knows of an appeal; appeal kinds and client statuses are not recorded
    // yet, so levels conditioned on them do not match here.
    let facts = AppealFacts {
        kind: String::new(),
        client_status: String::new(),
        vip,
        line: LineId(line),
        channel,
    };
    Ok(repo.sla_levels(line)?.select(&facts).clone())
}

/// The instant `percent` of `budget` working time after `from`.
fn share_of(
    calendar: &BusinessCalendar,
    from: DateTime<Utc>,
    budget: TimeDelta,
    percent: i32,
) -> Result<i64, LineError> {
    let part = budget * percent / 100;
    Ok(calendar
        .add_working_time(from, part)
        .map_err(bad_level)?
        .timestamp_millis())
}

/// S3/S5: pick the appeal's level and start its timer; the event says what its deadlines are.
pub(crate) fn start(
    repo: &mut impl Repo,
    line: u64,
    appeal: u64,
    client: u64,
    now_ms: i64,
) -> Result<Event, LineError> {
    let level = level_for(repo, line, client, Channel::Message)?;
    let at = instant(now_ms)?;
    let clock = SlaClock::start(&level, at).map_err(bad_level)?;
    let reaction_due = clock.deadlines().reaction_due().timestamp_millis();
    let resolution_due = clock.deadlines().resolution_due().timestamp_millis();
    repo.insert_sla_timer(&SlaTimerRow {
        appeal,
        line,
        level: level.name.clone(),
        calendar: level.calendar.to_string(),
        clock,
        reaction_risk_ms: share_of(&level.calendar, at, level.reaction, AT_RISK_PERCENT)?,
        reaction_due_ms: reaction_due,
        resolution_risk_ms: share_of(&level.calendar, at, level.resolution, AT_RISK_PERCENT)?,
        resolution_due_ms: resolution_due,
    })?;
    Ok(Event::SlaStarted {
        appeal,
        client,
        level: level.name,
        reaction_due_ms: reaction_due,
        resolution_due_ms: resolution_due,
    })
}
