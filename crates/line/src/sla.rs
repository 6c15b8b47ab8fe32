//! S3/S5 when an appeal opens: the line's levels pick one, the domain's [`SlaClock`] fixes
//! the reaction and resolution deadlines, and [`Event::SlaStarted`] says what they are.

use chrono::{DateTime, TimeDelta, Utc};
use linedesk_domain::appeal::Channel;
use linedesk_domain::ids::LineId;
use linedesk_domain::sla::{
    AppealFacts, BusinessCalendar, DEFAULT_LEVEL, LevelSet, NotationError, SlaClock, SupportLevel,
    parse_calendar, parse_duration,
};
use linedesk_protocol::{AppealChannel, Event};

use crate::error::LineError;
use crate::repo::Repo;
use crate::sla_repo::{AlertDeadline, SlaRepo, SlaTimer};
use crate::sla_timers::next_alert;

/// An alert says "at risk" when this share (in percent) of a deadline's working-time budget
/// is used.
pub const AT_RISK_PERCENT: i32 = 80;

/// The level a line without configured levels uses: "Default", Monday to Friday 09:00-18:00
/// Moscow time, reaction within 1 working hour, resolution within 8 working hours.
pub const BUILTIN_DEFAULT: [&str; 3] = ["tz Europe/Moscow; Mon-Fri 09-18", "1h", "8h"];

/// The built-in "Default" level ([`BUILTIN_DEFAULT`]).
pub fn builtin_default() -> Result<SupportLevel, NotationError> {
    let [calendar, reaction, resolution] = BUILTIN_DEFAULT;
    Ok(SupportLevel {
        name: DEFAULT_LEVEL.to_string(),
        calendar: parse_calendar(calendar)?,
        reaction: parse_duration(reaction)?,
        resolution: parse_duration(resolution)?,
        conditions: Default::default(),
    })
}

/// S5: `line`'s levels in order, or the built-in default alone when none were set.
pub fn levels_of(repo: &mut impl SlaRepo, line: u64) -> Result<LevelSet, LineError> {
    let mut levels = repo.sla_level_rows(line)?;
    if levels.is_empty() {
        levels.push(builtin_default().map_err(bad_level)?);
    }
    LevelSet::new(levels).map_err(bad_level)
}

pub(crate) fn instant(ms: i64) -> Result<DateTime<Utc>, LineError> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| LineError::Invalid(format!("{ms} is not a time")))
}

fn bad_level(e: impl std::fmt::Display) -> LineError {
    LineError::Invalid(format!("the SLA level cannot be applied: {e}"))
}

/// S5: what a level's conditions look at for a client's new appeal on `line`.
pub fn facts_for(
    repo: &mut impl Repo,
    line: u64,
    client: u64,
    (channel, kind): (Channel, &str),
) -> Result<AppealFacts, LineError> {
    let card = repo.client(client)?;
    // The appeal's type: what the specialist chose when starting it by hand; an appeal the
    // client opened has none when its deadlines are fixed (S3).
    Ok(AppealFacts {
        kind: kind.to_string(),
        client_status: card
            .as_ref()
            .and_then(|c| c.status.clone())
            .unwrap_or_default(),
        vip: card.is_some_and(|c| c.vip),
        line: LineId(line),
        channel,
    })
}

/// S5: the level that applies to a client's new appeal (or ticket) on `line`.
pub fn level_for(
    repo: &mut impl Repo,
    line: u64,
    client: u64,
    (channel, kind): (Channel, &str),
) -> Result<SupportLevel, LineError> {
    let facts = facts_for(repo, line, client, (channel, kind))?;
    Ok(levels_of(repo, line)?.select(&facts).clone())
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

/// S5: the facts of a new appeal of `client` on `line` and the level they select.
pub(crate) fn choose(
    repo: &mut impl Repo,
    (line, client): (u64, u64),
    (channel, kind): (AppealChannel, &str),
) -> Result<(AppealFacts, SupportLevel), LineError> {
    let facts = facts_for(repo, line, client, (crate::appeals::channel(channel), kind))?;
    let level = levels_of(repo, line)?.select(&facts).clone();
    Ok((facts, level))
}

/// S3: start the appeal's timer on the `level` its `facts` chose; the event says what its
/// deadlines are.
pub(crate) fn start(
    repo: &mut impl Repo,
    (line, appeal, client): (u64, u64, u64),
    (facts, level): (AppealFacts, SupportLevel),
    now_ms: i64,
) -> Result<Event, LineError> {
    let at = instant(now_ms)?;
    // The clock keeps the facts, so the choice can be explained later.
    let clock = SlaClock::start_for(&level, facts, at).map_err(bad_level)?;
    let reaction_due = clock.deadlines().reaction_due().timestamp_millis();
    let resolution_due = clock.deadlines().resolution_due().timestamp_millis();
    let timer = SlaTimer {
        appeal,
        line,
        level: level.name.clone(),
        calendar: level.calendar.to_string(),
        clock,
        reaction: AlertDeadline::new(
            share_of(&level.calendar, at, level.reaction, AT_RISK_PERCENT)?,
            reaction_due,
        ),
        resolution: AlertDeadline::new(
            share_of(&level.calendar, at, level.resolution, AT_RISK_PERCENT)?,
            resolution_due,
        ),
    };
    repo.insert_sla_timer(&timer, next_alert(&timer))?;
    Ok(Event::SlaStarted {
        appeal,
        client,
        level: level.name,
        reaction_due_ms: reaction_due,
        resolution_due_ms: resolution_due,
    })
}
