//! An appeal's stored SLA timer (S2): the domain's clock, the precomputed alert instants and
//! what has been fired. [`due_alerts`] fires what is due at a given instant, each alert once;
//! [`react`] and [`resolve`] stop the timers. See [`crate::sla`] for the rules in force.

use linedesk_domain::sla::{BusinessCalendar, SlaClock, parse_calendar};
use linedesk_protocol::{Event, SlaDeadline};
use rusqlite::{Connection, OptionalExtension, params};

use crate::sla::{corrupt, instant};
use crate::sqlite::batch::append_event;
use crate::sqlite::{id, sql_id};
use crate::storage::{StorageError, StoredEvent};

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

fn timer(tx: &Connection, appeal: u64) -> Result<Option<Timer>, StorageError> {
    tx.query_row(
        &format!("SELECT {TIMER_COLUMNS} FROM appeal_sla WHERE appeal_id = ?1"),
        [sql_id(appeal)],
        timer_of,
    )
    .optional()?
    .map(parse_timer)
    .transpose()
}

fn save(tx: &Connection, t: &Timer) -> Result<(), StorageError> {
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
pub(crate) fn react(tx: &Connection, appeal: u64, now_ms: i64) -> Result<(), StorageError> {
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
pub(crate) fn resolve(tx: &Connection, appeal: u64, now_ms: i64) -> Result<(), StorageError> {
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
