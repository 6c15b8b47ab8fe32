//! SLA on the server (S2-S5): the level of each new appeal, its deadlines, and the alerts of
//! the timer. The rules (level selection, working-time arithmetic, the clock) are
//! `linedesk-domain`'s; this module stores their results and decides when to say so.
//!
//! - When an appeal opens, the line's levels pick one (S5), the domain's [`SlaClock`] fixes the
//!   reaction and resolution deadlines (S3), and [`Event::SlaStarted`] says what they are.
//! - A deadline is **at risk** once 80% of its working-time budget is used (by the level's
//!   calendar), and **breached** once it passes. Each alert fires once per appeal and deadline
//!   ([`due_alerts`]); an appeal found already past a deadline (e.g. after a restart) gets the
//!   breach only, its at-risk alert is skipped as stale.
//! - The first specialist message in the appeal meets the reaction deadline: no reaction
//!   alerts after it. Finishing resolves the appeal: no alerts at all after it.
//! - S4 (waiting extends the resolution deadline) needs a "waiting for the client" state,
//!   which the server's appeals do not have yet, so deadlines never move here.

use chrono::{DateTime, TimeDelta, Utc};
use linedesk_domain::appeal::Channel;
use linedesk_domain::ids::LineId;
use linedesk_domain::sla::{
    AppealFacts, BusinessCalendar, DEFAULT_LEVEL, LevelSet, SlaClock, SupportLevel, parse_calendar,
    parse_duration,
};
use linedesk_protocol::{Event, SlaDeadline};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::actions::append_event;
use crate::sqlite::{id, sql_id};
use crate::storage::{StorageError, StoredEvent};

/// The level a line without configured levels uses: "Default", Monday to Friday 09:00-18:00
/// Moscow time, reaction within 1 working hour, resolution within 8 working hours.
pub const BUILTIN_DEFAULT: [&str; 3] = ["tz Europe/Moscow; Mon-Fri 09-18", "1h", "8h"];

/// An alert says "at risk" when this share (in percent) of a deadline's working-time budget
/// is used.
pub const AT_RISK_PERCENT: i32 = 80;

pub fn builtin_default() -> Result<SupportLevel, StorageError> {
    let [calendar, reaction, resolution] = BUILTIN_DEFAULT;
    let bad = |e: linedesk_domain::sla::NotationError| StorageError::Corrupt(e.to_string());
    Ok(SupportLevel {
        name: DEFAULT_LEVEL.to_string(),
        calendar: parse_calendar(calendar).map_err(bad)?,
        reaction: parse_duration(reaction).map_err(bad)?,
        resolution: parse_duration(resolution).map_err(bad)?,
        conditions: Default::default(),
    })
}

pub(crate) fn instant(ms: i64) -> Result<DateTime<Utc>, StorageError> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| StorageError::Invalid(format!("{ms} is not a time")))
}

fn corrupt(e: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt(e.to_string())
}

/// The line's levels in order, or the built-in default alone.
pub(crate) fn levels(conn: &Connection, line: u64) -> Result<LevelSet, StorageError> {
    let mut stmt =
        conn.prepare_cached("SELECT body FROM sla_levels WHERE line_id = ?1 ORDER BY position")?;
    let bodies = stmt
        .query_map([sql_id(line)], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let levels = if bodies.is_empty() {
        vec![builtin_default()?]
    } else {
        bodies
            .iter()
            .map(|b| serde_json::from_str(b).map_err(corrupt))
            .collect::<Result<Vec<SupportLevel>, _>>()?
    };
    LevelSet::new(levels).map_err(corrupt)
}

/// Replace the line's levels with `set`, in one transaction.
pub(crate) fn set_levels(
    conn: &mut Connection,
    line: u64,
    set: &LevelSet,
) -> Result<(), StorageError> {
    let tx = conn.transaction()?;
    let known: Option<i64> = tx
        .query_row("SELECT 1 FROM lines WHERE id = ?1", [sql_id(line)], |r| {
            r.get(0)
        })
        .optional()?;
    if known.is_none() {
        return Err(StorageError::Invalid(format!("no line {line}")));
    }
    tx.execute("DELETE FROM sla_levels WHERE line_id = ?1", [sql_id(line)])?;
    for (position, level) in set.levels().iter().enumerate() {
        tx.execute(
            "INSERT INTO sla_levels (line_id, position, name, body) VALUES (?1, ?2, ?3, ?4)",
            params![
                sql_id(line),
                i64::try_from(position).unwrap_or(i64::MAX),
                level.name,
                serde_json::to_string(level).map_err(corrupt)?
            ],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// The instant `percent` of `budget` working time after `from`.
fn share_of(
    calendar: &BusinessCalendar,
    from: DateTime<Utc>,
    budget: TimeDelta,
    percent: i32,
) -> Result<i64, StorageError> {
    let part = budget * percent / 100;
    Ok(calendar
        .add_working_time(from, part)
        .map_err(corrupt)?
        .timestamp_millis())
}

/// S5: the level that applies to a client's new appeal (or ticket) on `line`.
fn level_for(
    tx: &Transaction<'_>,
    line: u64,
    client: u64,
    channel: Channel,
) -> Result<SupportLevel, StorageError> {
    let vip: bool = tx.query_row(
        "SELECT vip FROM clients WHERE id = ?1",
        [sql_id(client)],
        |r| r.get(0),
    )?;
    // What the server knows of an appeal; appeal kinds and client statuses are not recorded
    // yet, so levels conditioned on them do not match here.
    let facts = AppealFacts {
        kind: String::new(),
        client_status: String::new(),
        vip,
        line: LineId(line),
        channel,
    };
    Ok(levels(tx, line)?.select(&facts).clone())
}

/// T5: a ticket's deadline is the resolution time of the level that applies to its client,
/// counted from its registration (tickets are registered by hand: channel `manual`).
pub(crate) fn ticket_deadline(
    tx: &Transaction<'_>,
    line: u64,
    client: u64,
    now_ms: i64,
) -> Result<i64, StorageError> {
    let level = level_for(tx, line, client, Channel::Manual)?;
    Ok(level
        .calendar
        .add_working_time(instant(now_ms)?, level.resolution)
        .map_err(corrupt)?
        .timestamp_millis())
}

/// S3/S5: pick the appeal's level and fix its deadlines; the event says what they are.
pub(crate) fn start(
    tx: &Transaction<'_>,
    line: u64,
    appeal: u64,
    client: u64,
    now_ms: i64,
) -> Result<Event, StorageError> {
    let level = level_for(tx, line, client, Channel::Message)?;
    let level = &level;
    let at = instant(now_ms)?;
    let clock = SlaClock::start(level, at).map_err(corrupt)?;
    let reaction_due = clock.deadlines().reaction_due().timestamp_millis();
    let resolution_due = clock.deadlines().resolution_due().timestamp_millis();
    let reaction_risk = share_of(&level.calendar, at, level.reaction, AT_RISK_PERCENT)?;
    let resolution_risk = share_of(&level.calendar, at, level.resolution, AT_RISK_PERCENT)?;
    tx.execute(
        "INSERT INTO appeal_sla (appeal_id, line_id, level, calendar, clock, reaction_risk_at,
             reaction_due, resolution_risk_at, resolution_due, next_alert_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            sql_id(appeal),
            sql_id(line),
            level.name,
            level.calendar.to_string(),
            serde_json::to_string(&clock).map_err(corrupt)?,
            reaction_risk,
            reaction_due,
            resolution_risk,
            resolution_due,
            reaction_risk.min(resolution_risk),
        ],
    )?;
    Ok(Event::SlaStarted {
        appeal,
        client,
        level: level.name.clone(),
        reaction_due_ms: reaction_due,
        resolution_due_ms: resolution_due,
    })
}

/// One appeal's timer as stored.
struct Timer {
    appeal: u64,
    line: u64,
    calendar: BusinessCalendar,
    clock: SlaClock,
    reaction: Deadline,
    resolution: Deadline,
}

/// One deadline: when it turns at risk, when it is due, and what has been said.
#[derive(Clone, Copy)]
struct Deadline {
    risk_at: i64,
    due: i64,
    risk_fired: bool,
    breach_fired: bool,
}

impl Deadline {
    /// The next instant an alert of this deadline is due, if any is left.
    fn next(&self) -> Option<i64> {
        if self.breach_fired {
            None
        } else if self.risk_fired {
            Some(self.due)
        } else {
            Some(self.risk_at)
        }
    }

    /// What fires at `now`: a breach (silencing a stale at-risk), or an at-risk alert.
    fn fire(&mut self, now_ms: i64) -> Option<bool> {
        if !self.breach_fired && now_ms >= self.due {
            self.breach_fired = true;
            self.risk_fired = true;
            Some(true)
        } else if !self.risk_fired && now_ms >= self.risk_at {
            self.risk_fired = true;
            Some(false)
        } else {
            None
        }
    }
}

impl Timer {
    fn reacted(&self) -> bool {
        self.clock.reacted_at().is_some()
    }

    fn next_alert(&self) -> Option<i64> {
        if self.clock.resolved_at().is_some() {
            return None;
        }
        let reaction = if self.reacted() {
            None
        } else {
            self.reaction.next()
        };
        [reaction, self.resolution.next()]
            .into_iter()
            .flatten()
            .min()
    }
}

const TIMER_COLUMNS: &str = "appeal_id, line_id, calendar, clock, reaction_risk_at, reaction_due,
    resolution_risk_at, resolution_due, reaction_risk_fired, reaction_breach_fired,
    resolution_risk_fired, resolution_breach_fired";

fn timer_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<(RawTimer, String, String)> {
    Ok((
        RawTimer {
            appeal: id(r.get(0)?),
            line: id(r.get(1)?),
            reaction: Deadline {
                risk_at: r.get(4)?,
                due: r.get(5)?,
                risk_fired: r.get(8)?,
                breach_fired: r.get(9)?,
            },
            resolution: Deadline {
                risk_at: r.get(6)?,
                due: r.get(7)?,
                risk_fired: r.get(10)?,
                breach_fired: r.get(11)?,
            },
        },
        r.get(2)?,
        r.get(3)?,
    ))
}

/// A timer's columns before its calendar and clock are parsed.
struct RawTimer {
    appeal: u64,
    line: u64,
    reaction: Deadline,
    resolution: Deadline,
}

fn parse_timer((t, calendar, clock): (RawTimer, String, String)) -> Result<Timer, StorageError> {
    Ok(Timer {
        appeal: t.appeal,
        line: t.line,
        calendar: parse_calendar(&calendar).map_err(corrupt)?,
        clock: serde_json::from_str(&clock).map_err(corrupt)?,
        reaction: t.reaction,
        resolution: t.resolution,
    })
}

fn timer(tx: &Transaction<'_>, appeal: u64) -> Result<Option<Timer>, StorageError> {
    tx.query_row(
        &format!("SELECT {TIMER_COLUMNS} FROM appeal_sla WHERE appeal_id = ?1"),
        [sql_id(appeal)],
        timer_of,
    )
    .optional()?
    .map(parse_timer)
    .transpose()
}

fn save(tx: &Transaction<'_>, t: &Timer) -> Result<(), StorageError> {
    tx.execute(
        "UPDATE appeal_sla SET clock = ?2, reacted_at = ?3, resolved_at = ?4,
             reaction_risk_fired = ?5, reaction_breach_fired = ?6, resolution_risk_fired = ?7,
             resolution_breach_fired = ?8, next_alert_at = ?9
         WHERE appeal_id = ?1",
        params![
            sql_id(t.appeal),
            serde_json::to_string(&t.clock).map_err(corrupt)?,
            t.clock.reacted_at().map(|a| a.timestamp_millis()),
            t.clock.resolved_at().map(|a| a.timestamp_millis()),
            t.reaction.risk_fired,
            t.reaction.breach_fired,
            t.resolution.risk_fired,
            t.resolution.breach_fired,
            t.next_alert(),
        ],
    )?;
    Ok(())
}

/// S2: a specialist answered in the appeal: the reaction deadline is met (the first answer
/// counts; later ones change nothing).
pub(crate) fn react(tx: &Transaction<'_>, appeal: u64, now_ms: i64) -> Result<(), StorageError> {
    let Some(mut t) = timer(tx, appeal)? else {
        return Ok(());
    };
    if t.reacted() {
        return Ok(());
    }
    t.clock.record_reaction(instant(now_ms)?);
    save(tx, &t)
}

/// S2: the appeal is finished: the question is solved, both timers stop.
pub(crate) fn resolve(tx: &Transaction<'_>, appeal: u64, now_ms: i64) -> Result<(), StorageError> {
    let Some(mut t) = timer(tx, appeal)? else {
        return Ok(());
    };
    if t.clock.resolved_at().is_some() {
        return Ok(());
    }
    t.clock
        .resolve(instant(now_ms)?, &t.calendar)
        .map_err(|e| StorageError::Invalid(e.to_string()))?;
    save(tx, &t)
}

/// Fire every alert due at `now_ms`, each once: append them to their lines' logs and mark
/// them fired in the same transaction. Returns the appended events, for the hub.
pub(crate) fn due_alerts(
    conn: &mut Connection,
    now_ms: i64,
) -> Result<Vec<StoredEvent>, StorageError> {
    let tx = conn.transaction()?;
    let timers = {
        let mut stmt = tx.prepare_cached(&format!(
            "SELECT {TIMER_COLUMNS} FROM appeal_sla
             WHERE next_alert_at IS NOT NULL AND next_alert_at <= ?1 ORDER BY next_alert_at"
        ))?;
        stmt.query_map([now_ms], timer_of)?
            .collect::<Result<Vec<_>, _>>()?
    };
    let mut events = Vec::new();
    for t in timers {
        let mut t = parse_timer(t)?;
        let (client, holder): (i64, Option<i64>) = tx.query_row(
            "SELECT client_id, holder FROM appeals WHERE id = ?1",
            [sql_id(t.appeal)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let mut fired = Vec::new();
        if !t.reacted()
            && let Some(breach) = t.reaction.fire(now_ms)
        {
            fired.push((SlaDeadline::Reaction, breach, t.reaction.due));
        }
        if let Some(breach) = t.resolution.fire(now_ms) {
            fired.push((SlaDeadline::Resolution, breach, t.resolution.due));
        }
        for (deadline, breach, due_ms) in fired {
            let (appeal, client, specialist) = (t.appeal, id(client), holder.map(id));
            let event = if breach {
                Event::SlaBreached {
                    appeal,
                    client,
                    specialist,
                    deadline,
                    due_ms,
                }
            } else {
                Event::SlaAtRisk {
                    appeal,
                    client,
                    specialist,
                    deadline,
                    due_ms,
                }
            };
            events.push(append_event(&tx, t.line, event, now_ms)?);
        }
        save(&tx, &t)?;
    }
    tx.commit()?;
    Ok(events)
}
