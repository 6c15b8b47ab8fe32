//! The SLA rows over SQLite (S2-S5): a line's levels (`sla_levels`, each the domain's
//! `SupportLevel` as JSON) and each appeal's timer (`appeal_sla`: the clock as JSON, the alert
//! instants, what has fired and `next_alert_at`, the indexed instant the timer looks for).
//! The rules are `linedesk_line`'s (`sla.rs`, `sla_timers.rs`).

use linedesk_domain::sla::{LevelSet, SupportLevel};
use linedesk_line::{AlertDeadline, RepoError, SlaRepo, SlaTimer};
use rusqlite::{Connection, OptionalExtension, params};

use super::line_repo::{SqliteRepo, run};
use super::{id, sql_id};
use crate::storage::StorageError;

fn json_error(e: serde_json::Error) -> RepoError {
    RepoError::new("json", e.to_string())
}

const TIMER_COLUMNS: &str = "appeal_id, line_id, level, calendar, clock, reaction_risk_at,
    reaction_due, resolution_risk_at, resolution_due, reaction_risk_fired, reaction_breach_fired,
    resolution_risk_fired, resolution_breach_fired";

/// A timer's columns, with its clock still JSON.
fn timer_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(SlaTimerColumns, String)> {
    Ok((
        SlaTimerColumns {
            appeal: id(r.get(0)?),
            line: id(r.get(1)?),
            level: r.get(2)?,
            calendar: r.get(3)?,
            reaction: AlertDeadline {
                risk_ms: r.get(5)?,
                due_ms: r.get(6)?,
                risk_fired: r.get(9)?,
                breach_fired: r.get(10)?,
            },
            resolution: AlertDeadline {
                risk_ms: r.get(7)?,
                due_ms: r.get(8)?,
                risk_fired: r.get(11)?,
                breach_fired: r.get(12)?,
            },
        },
        r.get(4)?,
    ))
}

struct SlaTimerColumns {
    appeal: u64,
    line: u64,
    level: String,
    calendar: String,
    reaction: AlertDeadline,
    resolution: AlertDeadline,
}

fn timer_of((c, clock): (SlaTimerColumns, String)) -> Result<SlaTimer, RepoError> {
    Ok(SlaTimer {
        appeal: c.appeal,
        line: c.line,
        level: c.level,
        calendar: c.calendar,
        clock: serde_json::from_str(&clock).map_err(json_error)?,
        reaction: c.reaction,
        resolution: c.resolution,
    })
}

impl SlaRepo for SqliteRepo<'_> {
    fn sla_level_rows(&mut self, line: u64) -> Result<Vec<SupportLevel>, RepoError> {
        let bodies = run(|| {
            self.tx
                .prepare_cached("SELECT body FROM sla_levels WHERE line_id = ?1 ORDER BY position")?
                .query_map([sql_id(line)], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()
        })?;
        bodies
            .iter()
            .map(|b| serde_json::from_str(b).map_err(json_error))
            .collect()
    }

    fn insert_sla_timer(
        &mut self,
        t: &SlaTimer,
        next_alert_ms: Option<i64>,
    ) -> Result<(), RepoError> {
        let clock = serde_json::to_string(&t.clock).map_err(json_error)?;
        run(|| {
            self.tx.execute(
                "INSERT INTO appeal_sla (appeal_id, line_id, level, calendar, clock,
                     reaction_risk_at, reaction_due, resolution_risk_at, resolution_due,
                     next_alert_at, opened_at, holder, spam, stars)
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, a.opened_at, a.holder, a.spam,
                     a.stars
                 FROM appeals a WHERE a.id = ?1",
                params![
                    sql_id(t.appeal),
                    sql_id(t.line),
                    t.level,
                    t.calendar,
                    clock,
                    t.reaction.risk_ms,
                    t.reaction.due_ms,
                    t.resolution.risk_ms,
                    t.resolution.due_ms,
                    next_alert_ms,
                ],
            )?;
            Ok(())
        })
    }

    fn sla_timer(&mut self, appeal: u64) -> Result<Option<SlaTimer>, RepoError> {
        run(|| {
            self.tx
                .prepare_cached(&format!(
                    "SELECT {TIMER_COLUMNS} FROM appeal_sla WHERE appeal_id = ?1"
                ))?
                .query_row([sql_id(appeal)], timer_row)
                .optional()
        })?
        .map(timer_of)
        .transpose()
    }

    fn put_sla_timer(&mut self, t: &SlaTimer, next_alert_ms: Option<i64>) -> Result<(), RepoError> {
        let clock = serde_json::to_string(&t.clock).map_err(json_error)?;
        // S6: the decided figures, kept for the reports (migration 20).
        let o = super::reports::outcome_columns(t)?;
        run(|| {
            self.tx.execute(
                "UPDATE appeal_sla SET clock = ?2, reacted_at = ?3, resolved_at = ?4,
                     reaction_risk_fired = ?5, reaction_breach_fired = ?6,
                     resolution_risk_fired = ?7, resolution_breach_fired = ?8, next_alert_at = ?9,
                     resolution_risk_at = ?10, resolution_due = ?11,
                     reaction_work_ms = ?12, reaction_met = ?13, resolution_work_ms = ?14,
                     resolution_met = ?15, outcome_pending = 0
                 WHERE appeal_id = ?1",
                params![
                    sql_id(t.appeal),
                    clock,
                    t.clock.reacted_at().map(|a| a.timestamp_millis()),
                    t.clock.resolved_at().map(|a| a.timestamp_millis()),
                    t.reaction.risk_fired,
                    t.reaction.breach_fired,
                    t.resolution.risk_fired,
                    t.resolution.breach_fired,
                    next_alert_ms,
                    t.resolution.risk_ms,
                    t.resolution.due_ms,
                    o.reaction_work_ms,
                    o.reaction_met,
                    o.resolution_work_ms,
                    o.resolution_met,
                ],
            )?;
            Ok(())
        })
    }

    fn due_sla_timers(&mut self, now_ms: i64) -> Result<Vec<SlaTimer>, RepoError> {
        run(|| {
            self.tx
                .prepare_cached(&format!(
                    "SELECT {TIMER_COLUMNS} FROM appeal_sla
                     WHERE next_alert_at IS NOT NULL AND next_alert_at <= ?1
                     ORDER BY next_alert_at, appeal_id"
                ))?
                .query_map([now_ms], timer_row)?
                .collect::<Result<Vec<_>, _>>()
        })?
        .into_iter()
        .map(timer_of)
        .collect()
    }
}

/// Replace `line`'s levels with `set`, in one transaction.
pub(super) fn set_levels(
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
        let body =
            serde_json::to_string(level).map_err(|e| StorageError::Corrupt(e.to_string()))?;
        tx.execute(
            "INSERT INTO sla_levels (line_id, position, name, body) VALUES (?1, ?2, ?3, ?4)",
            params![
                sql_id(line),
                i64::try_from(position).unwrap_or(i64::MAX),
                level.name,
                body
            ],
        )?;
    }
    // S5: the line's appeal types are those the levels name: the apps fetch them again.
    super::knowledge::changed(
        &tx,
        line,
        linedesk_protocol::ReferencePart::AppealTypes,
        crate::app::now_ms(),
    )?;
    tx.commit()?;
    Ok(())
}
