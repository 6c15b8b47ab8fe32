//! R1 over SQLite: the reports' aggregate queries (one per report part, grouped as
//! `linedesk_line::reports` folds them), run on a reader connection beside the writer so a
//! year's report never holds up commits; the supervisor flag of `line_specialists`; and the
//! decided SLA figures kept per appeal (`appeal_sla.*_work_ms`, `*_met`; migration 20).

use linedesk_domain::presence::PresenceStatus;
use linedesk_line::reports::ReportQuery;
use linedesk_line::reports::sla::{OpenSla, SlaSums};
use linedesk_line::{RepoError, SlaTimer};
use linedesk_protocol::reports::{
    BreachedAppeal, MAX_REPORT_ROWS, MonitorReport, MonitorSpecialist, ReportLine, SlaReport,
    WaitingAppeal,
};
use rusqlite::{Connection, OptionalExtension, params};

use super::{SqliteStorage, id, sql_id};
use crate::storage::StorageError;

/// Run `read` on a reader connection beside the writer, or on the main one in memory.
pub(super) fn with_reader<T>(
    storage: &SqliteStorage,
    read: impl FnOnce(&Connection) -> Result<T, StorageError>,
) -> Result<T, StorageError> {
    match &storage.readers {
        Some(readers) => readers.with(read),
        None => read(&storage.inner().conn),
    }
}

pub(super) fn count(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// The outcome columns of `appeal_sla` (migration 20).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct OutcomeColumns {
    pub reaction_work_ms: Option<i64>,
    pub reaction_met: Option<bool>,
    pub resolution_work_ms: Option<i64>,
    pub resolution_met: Option<bool>,
}

/// The outcome columns of a timer being saved (see `SlaRepo::put_sla_timer`).
pub(crate) fn outcome_columns(t: &SlaTimer) -> Result<OutcomeColumns, RepoError> {
    let o = linedesk_line::sla_outcome(t).map_err(|e| RepoError::new("sla", e.to_string()))?;
    Ok(OutcomeColumns {
        reaction_work_ms: o.reaction_work.map(|d| d.num_milliseconds()),
        reaction_met: o.reaction_met,
        resolution_work_ms: o.resolution_work.map(|d| d.num_milliseconds()),
        resolution_met: o.resolution_met,
    })
}

/// Fill the outcome of the timers an earlier server decided (marked by migration 20), at open.
pub(super) fn fill_outcomes(conn: &mut Connection) -> Result<(), StorageError> {
    let tx = conn.transaction()?;
    let pending: Vec<u64> = tx
        .prepare("SELECT appeal_id FROM appeal_sla WHERE outcome_pending = 1")?
        .query_map([], |r| r.get::<_, i64>(0).map(id))?
        .collect::<Result<_, _>>()?;
    for appeal in pending {
        let timer = {
            let mut repo = super::line_repo::SqliteRepo { tx: &tx };
            linedesk_line::SlaRepo::sla_timer(&mut repo, appeal)?
        };
        let Some(t) = timer else { continue };
        // A timer whose calendar no longer reads stays without figures rather than blocking.
        let o = outcome_columns(&t).unwrap_or_default();
        tx.execute(
            "UPDATE appeal_sla SET reaction_work_ms = ?2, reaction_met = ?3,
                 resolution_work_ms = ?4, resolution_met = ?5, outcome_pending = 0
             WHERE appeal_id = ?1",
            params![
                sql_id(appeal),
                o.reaction_work_ms,
                o.reaction_met,
                o.resolution_work_ms,
                o.resolution_met
            ],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Whether `specialist` serves `line`, and as a supervisor.
pub(super) fn line_role(
    conn: &Connection,
    specialist: u64,
    line: u64,
) -> Result<Option<bool>, StorageError> {
    Ok(conn
        .prepare_cached(
            "SELECT supervisor FROM line_specialists WHERE line_id = ?1 AND specialist_id = ?2",
        )?
        .query_row(params![sql_id(line), sql_id(specialist)], |r| r.get(0))
        .optional()?)
}

pub(super) fn set_supervisor(
    conn: &Connection,
    specialist: u64,
    line: u64,
    supervisor: bool,
) -> Result<bool, StorageError> {
    Ok(conn.execute(
        "UPDATE line_specialists SET supervisor = ?3 WHERE line_id = ?1 AND specialist_id = ?2",
        params![sql_id(line), sql_id(specialist), supervisor],
    )? == 1)
}

pub(super) fn report_lines(
    conn: &Connection,
    specialist: u64,
) -> Result<Vec<ReportLine>, StorageError> {
    Ok(conn
        .prepare_cached(
            "SELECT l.id, l.name, ls.supervisor FROM line_specialists ls
             JOIN lines l ON l.id = ls.line_id WHERE ls.specialist_id = ?1 ORDER BY l.id",
        )?
        .query_map([sql_id(specialist)], |r| {
            Ok(ReportLine {
                line: id(r.get(0)?),
                name: r.get(1)?,
                supervisor: r.get(2)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

/// The parameters every period query binds: line, from, to, specialist.
fn period(line: u64, q: &ReportQuery) -> (i64, i64, i64, Option<i64>) {
    (sql_id(line), q.from_ms, q.to_ms, q.specialist.map(sql_id))
}

/// The appeals of a report: the line's, opened in the period, not spam, of the specialist,
/// level and appeal type asked (`?1`-`?6`).
const APPEALS_OF_PERIOD: &str = "a.line_id = ?1 AND a.opened_at >= ?2 AND a.opened_at < ?3
    AND a.spam = 0 AND (?4 IS NULL OR a.holder = ?4) AND (?5 IS NULL OR s.level = ?5)
    AND (?6 IS NULL OR s.appeal_type = ?6)";

const BREACHED_COLUMNS: &str = "a.id, a.client_id, c.name, a.holder, COALESCE(sp.name, ''),
    s.level, a.opened_at, s.reaction_due, s.reacted_at, s.resolution_due, s.resolved_at,
    COALESCE(s.reaction_met = 0, 0), COALESCE(s.resolution_met = 0, 0)";

fn breached_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<BreachedAppeal> {
    Ok(BreachedAppeal {
        appeal: id(r.get(0)?),
        client: id(r.get(1)?),
        client_name: r.get(2)?,
        specialist: r.get::<_, Option<i64>>(3)?.map(id),
        specialist_name: r.get(4)?,
        level: r.get(5)?,
        opened_ms: r.get(6)?,
        reaction_due_ms: r.get(7)?,
        reacted_ms: r.get(8)?,
        resolution_due_ms: r.get(9)?,
        resolved_ms: r.get(10)?,
        reaction_breached: r.get(11)?,
        resolution_breached: r.get(12)?,
    })
}

fn json_error(e: serde_json::Error) -> StorageError {
    StorageError::Corrupt(e.to_string())
}

/// S6 over `line` for the period and filters of `q`, evaluated at `now_ms`.
pub(super) fn sla_report(
    conn: &Connection,
    line: u64,
    q: &ReportQuery,
    own_only: bool,
    now_ms: i64,
) -> Result<SlaReport, StorageError> {
    let (l, from, to, who) = period(line, q);
    let level = q.level.as_deref();
    let kind = q.appeal_type.as_deref();
    // Without a type asked the sums read only the covering index: the filter names no column.
    let type_filter = if kind.is_some() {
        "AND s.appeal_type = ?6"
    } else {
        "AND ?6 IS NULL"
    };
    let mut decided_total = 0u32;
    let sums: Vec<SlaSums> = conn
        .prepare_cached(&format!(
            "SELECT g.*, COALESCE(sp.name, '') FROM (
                 SELECT s.level, s.holder, COUNT(*),
                     TOTAL(s.reaction_met = 1), TOTAL(s.reaction_met = 0),
                     TOTAL(s.resolution_met = 1), TOTAL(s.resolution_met = 0),
                     TOTAL(s.reaction_work_ms), COUNT(s.reaction_work_ms),
                     TOTAL(s.resolution_work_ms), COUNT(s.resolution_work_ms),
                     TOTAL(s.reaction_met = 0 OR s.resolution_met = 0)
                 FROM appeal_sla s INDEXED BY appeal_sla_report
                 WHERE s.line_id = ?1 AND s.opened_at >= ?2 AND s.opened_at < ?3
                     AND s.spam = 0 AND (?4 IS NULL OR s.holder = ?4)
                     AND (?5 IS NULL OR s.level = ?5) {type_filter}
                 GROUP BY s.holder, s.level) g
             LEFT JOIN specialists sp ON sp.id = g.holder"
        ))?
        .query_map(params![l, from, to, who, level, kind], |r| {
            Ok((
                SlaSums {
                    level: r.get(0)?,
                    specialist: r.get::<_, Option<i64>>(1)?.map(id),
                    appeals: count(r.get(2)?),
                    reaction_met: count(r.get::<_, f64>(3)? as i64),
                    reaction_breached: count(r.get::<_, f64>(4)? as i64),
                    resolution_met: count(r.get::<_, f64>(5)? as i64),
                    resolution_breached: count(r.get::<_, f64>(6)? as i64),
                    reaction_work_ms: r.get::<_, f64>(7)? as i64,
                    reacted: count(r.get(8)?),
                    resolution_work_ms: r.get::<_, f64>(9)? as i64,
                    resolved: count(r.get(10)?),
                    specialist_name: r.get(12)?,
                },
                count(r.get::<_, f64>(11)? as i64),
            ))
        })?
        .map(|row| {
            row.map(|(sums, breached)| {
                decided_total = decided_total.saturating_add(breached);
                sums
            })
        })
        .collect::<Result<_, _>>()?;
    // The appeals with a deadline still open (few: the ones in work), from the partial index.
    let open_rows: Vec<(BreachedAppeal, String, String, bool, bool)> = conn
        .prepare_cached(&format!(
            "SELECT {BREACHED_COLUMNS}, s.calendar, s.clock, s.reaction_met IS NULL,
                 s.resolution_met IS NULL
             FROM appeal_sla s JOIN appeals a ON a.id = s.appeal_id
             JOIN clients c ON c.id = a.client_id
             LEFT JOIN specialists sp ON sp.id = a.holder
             WHERE s.line_id = ?1 AND s.resolution_met IS NULL AND {APPEALS_OF_PERIOD}"
        ))?
        .query_map(params![l, from, to, who, level, kind], |r| {
            Ok((
                breached_row(r)?,
                r.get(13)?,
                r.get(14)?,
                r.get(15)?,
                r.get(16)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    let mut open = Vec::with_capacity(open_rows.len());
    for (appeal, calendar, clock, reaction_open, resolution_open) in open_rows {
        open.push(OpenSla {
            appeal,
            calendar,
            clock: serde_json::from_str(&clock).map_err(json_error)?,
            reaction_open,
            resolution_open,
        });
    }
    let decided: Vec<BreachedAppeal> = conn
        .prepare_cached(&format!(
            "SELECT {BREACHED_COLUMNS}
             FROM appeals a JOIN appeal_sla s ON s.appeal_id = a.id
             JOIN clients c ON c.id = a.client_id
             LEFT JOIN specialists sp ON sp.id = a.holder
             WHERE {APPEALS_OF_PERIOD} AND (s.reaction_met = 0 OR s.resolution_met = 0)
             ORDER BY a.opened_at DESC, a.id DESC LIMIT ?7"
        ))?
        .query_map(
            params![l, from, to, who, level, kind, MAX_REPORT_ROWS],
            breached_row,
        )?
        .collect::<Result<_, _>>()?;
    let fold = linedesk_line::reports::sla::fold(&sums, &open, now_ms)?;
    let (breached, breached_total) =
        linedesk_line::reports::sla::breached_list(decided, decided_total, fold.open_breached);
    Ok(SlaReport {
        line,
        from_ms: q.from_ms,
        to_ms: q.to_ms,
        now_ms,
        own_only,
        total: fold.total,
        by_level: fold.by_level,
        by_specialist: fold.by_specialist,
        breached,
        breached_total,
    })
}

/// The line now: every specialist's presence and load, the queue and its oldest appeal. Each
/// query says `state <> 'finished'` so that it reads the open appeals' partial index
/// (`appeals_open`) rather than the line's whole history.
pub(super) fn monitor(
    conn: &Connection,
    line: u64,
    now_ms: i64,
) -> Result<MonitorReport, StorageError> {
    let l = sql_id(line);
    let specialists: Vec<MonitorSpecialist> = conn
        .prepare_cached(
            "SELECT ls.specialist_id, sp.name, COALESCE(p.status, 'offline'), ls.max_load,
                 (SELECT COUNT(*) FROM appeals a WHERE a.line_id = ls.line_id
                     AND a.state <> 'finished' AND a.state = 'assigned'
                     AND a.holder = ls.specialist_id)
             FROM line_specialists ls JOIN specialists sp ON sp.id = ls.specialist_id
             LEFT JOIN presence p ON p.specialist_id = ls.specialist_id
             WHERE ls.line_id = ?1 ORDER BY sp.name, sp.id",
        )?
        .query_map([l], |r| {
            Ok(MonitorSpecialist {
                specialist: id(r.get(0)?),
                name: r.get(1)?,
                status: PresenceStatus::from_code(&r.get::<_, String>(2)?)
                    .unwrap_or(PresenceStatus::Offline),
                limit: count(r.get(3)?),
                open_appeals: count(r.get(4)?),
            })
        })?
        .collect::<Result<_, _>>()?;
    let (queued, assigned): (i64, i64) = conn
        .prepare_cached(
            "SELECT TOTAL(state = 'queued'), TOTAL(state = 'assigned') FROM appeals
             WHERE line_id = ?1 AND state <> 'finished'",
        )?
        .query_row([l], |r| {
            Ok((r.get::<_, f64>(0)? as i64, r.get::<_, f64>(1)? as i64))
        })?;
    let oldest_queued = conn
        .prepare_cached(
            "SELECT a.id, a.client_id, c.name, a.opened_at FROM appeals a
             JOIN clients c ON c.id = a.client_id
             WHERE a.line_id = ?1 AND a.state <> 'finished' AND a.state = 'queued'
             ORDER BY a.opened_at, a.id LIMIT 1",
        )?
        .query_row([l], |r| {
            Ok(WaitingAppeal {
                appeal: id(r.get(0)?),
                client: id(r.get(1)?),
                client_name: r.get(2)?,
                opened_ms: r.get(3)?,
            })
        })
        .optional()?;
    Ok(MonitorReport {
        line,
        now_ms,
        specialists,
        queued: count(queued),
        oldest_queued,
        assigned: count(assigned),
    })
}
