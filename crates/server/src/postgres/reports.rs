//! R1: the supervisor's reports over PostgreSQL, the same sums and lists as SQLite's
//! `reports.rs` and `report_people.rs` (then folded by `linedesk_line::reports`): S6 by level
//! and specialist with the breached appeals, A6 per specialist with ratings' comments, the calls
//! with their quality, the line now. Optional filters are typed parameters
//! (`$4::BIGINT IS NULL OR ...`); names sort in byte order as SQLite's do.

use linedesk_domain::presence::PresenceStatus;
use linedesk_line::reports::ReportQuery;
use linedesk_line::reports::calls::CallSums;
use linedesk_line::reports::operators::OperatorSums;
use linedesk_line::reports::sla::{OpenSla, SlaSums};
use linedesk_protocol::reports::{
    BreachedAppeal, CallReport, CallRow, CallSpecialistRow, MAX_REPORT_ROWS, MonitorReport,
    MonitorSpecialist, OperatorReport, RatingComment, ReportLine, SlaReport, WaitingAppeal,
};
use tokio_postgres::Row;

use super::db::{Db, id, sql_id};
use crate::storage::StorageError;

fn count(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

fn measure(v: Option<i64>) -> Option<u32> {
    v.map(|v| u32::try_from(v.max(0)).unwrap_or(u32::MAX))
}

const ROWS: i64 = MAX_REPORT_ROWS as i64;

pub(crate) fn report_lines(db: &Db, specialist: u64) -> Result<Vec<ReportLine>, StorageError> {
    Ok(db
        .rows(
            "SELECT l.id, l.name, ls.supervisor FROM line_specialists ls
             JOIN lines l ON l.id = ls.line_id WHERE ls.specialist_id = $1 ORDER BY l.id",
            &[&sql_id(specialist)],
        )?
        .iter()
        .map(|r| ReportLine {
            line: id(r.get(0)),
            name: r.get(1),
            supervisor: r.get(2),
        })
        .collect())
}

/// The appeals of a report: the line's, opened in the period, not spam, of the specialist,
/// level and appeal type asked (`$1`-`$6`).
const APPEALS_OF_PERIOD: &str = "a.line_id = $1 AND a.opened_at >= $2 AND a.opened_at < $3
    AND NOT a.spam AND ($4::BIGINT IS NULL OR a.holder = $4)
    AND ($5::TEXT IS NULL OR s.level = $5) AND ($6::TEXT IS NULL OR s.appeal_type = $6)";

const BREACHED_COLUMNS: &str = "a.id, a.client_id, c.name, a.holder, COALESCE(sp.name, ''),
    s.level, a.opened_at, s.reaction_due, s.reacted_at, s.resolution_due, s.resolved_at,
    COALESCE(NOT s.reaction_met, FALSE), COALESCE(NOT s.resolution_met, FALSE)";

fn breached_row(r: &Row) -> BreachedAppeal {
    BreachedAppeal {
        appeal: id(r.get(0)),
        client: id(r.get(1)),
        client_name: r.get(2),
        specialist: r.get::<_, Option<i64>>(3).map(id),
        specialist_name: r.get(4),
        level: r.get(5),
        opened_ms: r.get(6),
        reaction_due_ms: r.get(7),
        reacted_ms: r.get(8),
        resolution_due_ms: r.get(9),
        resolved_ms: r.get(10),
        reaction_breached: r.get(11),
        resolution_breached: r.get(12),
    }
}

/// S6 over `line` for the period and filters of `q`, evaluated at `now_ms`.
pub(crate) fn sla_report(
    db: &Db,
    line: u64,
    q: &ReportQuery,
    own_only: bool,
    now_ms: i64,
) -> Result<SlaReport, StorageError> {
    let (l, from, to, who) = (sql_id(line), q.from_ms, q.to_ms, q.specialist.map(sql_id));
    let level = q.level.as_deref();
    let kind = q.appeal_type.as_deref();
    let mut decided_total = 0u32;
    let sums: Vec<SlaSums> = db
        .rows(
            "SELECT g.*, COALESCE(sp.name, '') FROM (
                 SELECT s.level, s.holder, COUNT(*),
                     COUNT(*) FILTER (WHERE s.reaction_met),
                     COUNT(*) FILTER (WHERE NOT s.reaction_met),
                     COUNT(*) FILTER (WHERE s.resolution_met),
                     COUNT(*) FILTER (WHERE NOT s.resolution_met),
                     COALESCE(SUM(s.reaction_work_ms), 0)::BIGINT, COUNT(s.reaction_work_ms),
                     COALESCE(SUM(s.resolution_work_ms), 0)::BIGINT, COUNT(s.resolution_work_ms),
                     COUNT(*) FILTER (WHERE NOT s.reaction_met OR NOT s.resolution_met)
                 FROM appeal_sla s
                 WHERE s.line_id = $1 AND s.opened_at >= $2 AND s.opened_at < $3
                     AND NOT s.spam AND ($4::BIGINT IS NULL OR s.holder = $4)
                     AND ($5::TEXT IS NULL OR s.level = $5)
                     AND ($6::TEXT IS NULL OR s.appeal_type = $6)
                 GROUP BY s.holder, s.level) g
             LEFT JOIN specialists sp ON sp.id = g.holder",
            &[&l, &from, &to, &who, &level, &kind],
        )?
        .iter()
        .map(|r| {
            decided_total = decided_total.saturating_add(count(r.get(11)));
            SlaSums {
                level: r.get(0),
                specialist: r.get::<_, Option<i64>>(1).map(id),
                appeals: count(r.get(2)),
                reaction_met: count(r.get(3)),
                reaction_breached: count(r.get(4)),
                resolution_met: count(r.get(5)),
                resolution_breached: count(r.get(6)),
                reaction_work_ms: r.get(7),
                reacted: count(r.get(8)),
                resolution_work_ms: r.get(9),
                resolved: count(r.get(10)),
                specialist_name: r.get(12),
            }
        })
        .collect();
    // The appeals with a deadline still open (few: the ones in work).
    let mut open = Vec::new();
    for r in db.rows(
        &format!(
            "SELECT {BREACHED_COLUMNS}, s.calendar, s.clock, s.reaction_met IS NULL,
                 s.resolution_met IS NULL
             FROM appeal_sla s JOIN appeals a ON a.id = s.appeal_id
             JOIN clients c ON c.id = a.client_id
             LEFT JOIN specialists sp ON sp.id = a.holder
             WHERE s.line_id = $1 AND s.resolution_met IS NULL AND {APPEALS_OF_PERIOD}"
        ),
        &[&l, &from, &to, &who, &level, &kind],
    )? {
        open.push(OpenSla {
            appeal: breached_row(&r),
            calendar: r.get(13),
            clock: serde_json::from_str(r.get::<_, &str>(14))
                .map_err(|e| StorageError::Corrupt(e.to_string()))?,
            reaction_open: r.get(15),
            resolution_open: r.get(16),
        });
    }
    let decided: Vec<BreachedAppeal> = db
        .rows(
            &format!(
                "SELECT {BREACHED_COLUMNS}
                 FROM appeals a JOIN appeal_sla s ON s.appeal_id = a.id
                 JOIN clients c ON c.id = a.client_id
                 LEFT JOIN specialists sp ON sp.id = a.holder
                 WHERE {APPEALS_OF_PERIOD} AND (NOT s.reaction_met OR NOT s.resolution_met)
                 ORDER BY a.opened_at DESC, a.id DESC LIMIT $7"
            ),
            &[&l, &from, &to, &who, &level, &kind, &ROWS],
        )?
        .iter()
        .map(breached_row)
        .collect();
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

/// The line now: every specialist's presence and load, the queue and its oldest appeal.
pub(crate) fn monitor(db: &Db, line: u64, now_ms: i64) -> Result<MonitorReport, StorageError> {
    let l = sql_id(line);
    let specialists: Vec<MonitorSpecialist> = db
        .rows(
            "SELECT ls.specialist_id, sp.name, COALESCE(p.status, 'offline'), ls.max_load,
                 (SELECT COUNT(*) FROM appeals a WHERE a.line_id = ls.line_id
                     AND a.state = 'assigned' AND a.holder = ls.specialist_id)
             FROM line_specialists ls JOIN specialists sp ON sp.id = ls.specialist_id
             LEFT JOIN presence p ON p.specialist_id = ls.specialist_id
             WHERE ls.line_id = $1 ORDER BY sp.name COLLATE \"C\", sp.id",
            &[&l],
        )?
        .iter()
        .map(|r| MonitorSpecialist {
            specialist: id(r.get(0)),
            name: r.get(1),
            status: PresenceStatus::from_code(r.get(2)).unwrap_or(PresenceStatus::Offline),
            limit: count(r.get(3)),
            open_appeals: count(r.get(4)),
        })
        .collect();
    let totals = db.one(
        "SELECT COUNT(*) FILTER (WHERE state = 'queued'), COUNT(*) FILTER (WHERE state = 'assigned')
         FROM appeals WHERE line_id = $1 AND state <> 'finished'",
        &[&l],
    )?;
    let oldest_queued = db
        .opt(
            "SELECT a.id, a.client_id, c.name, a.opened_at FROM appeals a
             JOIN clients c ON c.id = a.client_id
             WHERE a.line_id = $1 AND a.state = 'queued'
             ORDER BY a.opened_at, a.id LIMIT 1",
            &[&l],
        )?
        .map(|r| WaitingAppeal {
            appeal: id(r.get(0)),
            client: id(r.get(1)),
            client_name: r.get(2),
            opened_ms: r.get(3),
        });
    Ok(MonitorReport {
        line,
        now_ms,
        specialists,
        queued: count(totals.get(0)),
        oldest_queued,
        assigned: count(totals.get(1)),
    })
}

/// A6 over `line`'s finished appeals of the period.
pub(crate) fn operator_report(
    db: &Db,
    line: u64,
    q: &ReportQuery,
    own_only: bool,
) -> Result<OperatorReport, StorageError> {
    let (l, from, to, who) = (sql_id(line), q.from_ms, q.to_ms, q.specialist.map(sql_id));
    let sums: Vec<OperatorSums> = db
        .rows(
            "SELECT g.*, sp.name FROM (
                 SELECT s.holder, COUNT(*),
                     COALESCE(SUM(s.reaction_work_ms), 0)::BIGINT, COUNT(s.reaction_work_ms),
                     COALESCE(SUM(s.resolved_at - s.opened_at), 0)::BIGINT, COUNT(s.resolved_at),
                     COUNT(*) FILTER (WHERE s.stars = 1), COUNT(*) FILTER (WHERE s.stars = 2),
                     COUNT(*) FILTER (WHERE s.stars = 3), COUNT(*) FILTER (WHERE s.stars = 4),
                     COUNT(*) FILTER (WHERE s.stars = 5)
                 FROM appeal_sla s
                 WHERE s.line_id = $1 AND s.opened_at >= $2 AND s.opened_at < $3
                     AND s.resolved_at IS NOT NULL AND NOT s.spam AND s.holder IS NOT NULL
                     AND ($4::BIGINT IS NULL OR s.holder = $4)
                 GROUP BY s.holder) g
             JOIN specialists sp ON sp.id = g.holder",
            &[&l, &from, &to, &who],
        )?
        .iter()
        .map(|r| OperatorSums {
            specialist: id(r.get(0)),
            handled: count(r.get(1)),
            reaction_work_ms: r.get(2),
            reacted: count(r.get(3)),
            handling_ms: r.get(4),
            timed: count(r.get(5)),
            stars: [
                count(r.get(6)),
                count(r.get(7)),
                count(r.get(8)),
                count(r.get(9)),
                count(r.get(10)),
            ],
            name: r.get(11),
        })
        .collect();
    let transfers: Vec<(u64, String, u32)> = db
        .rows(
            "SELECT t.from_specialist, sp.name, COUNT(*) FROM appeal_transfers t
             JOIN specialists sp ON sp.id = t.from_specialist
             WHERE t.line_id = $1 AND t.at >= $2 AND t.at < $3
                 AND ($4::BIGINT IS NULL OR t.from_specialist = $4)
             GROUP BY t.from_specialist, sp.name",
            &[&l, &from, &to, &who],
        )?
        .iter()
        .map(|r| (id(r.get(0)), r.get(1), count(r.get(2))))
        .collect();
    const RATED: &str = "FROM appeals a JOIN clients c ON c.id = a.client_id
        LEFT JOIN specialists sp ON sp.id = a.holder
        LEFT JOIN appeal_sla s ON s.appeal_id = a.id
        WHERE a.line_id = $1 AND a.opened_at >= $2 AND a.opened_at < $3 AND NOT a.spam
            AND ($4::BIGINT IS NULL OR a.holder = $4) AND a.stars IS NOT NULL
            AND a.rating_comment IS NOT NULL AND a.rating_comment <> ''";
    let comments_total: i64 = db
        .one(&format!("SELECT COUNT(*) {RATED}"), &[&l, &from, &to, &who])?
        .get(0);
    let comments: Vec<RatingComment> = db
        .rows(
            &format!(
                "SELECT a.id, a.client_id, c.name, a.holder, COALESCE(sp.name, ''), a.stars,
                     a.rating_comment, s.resolved_at {RATED}
                 ORDER BY a.opened_at DESC, a.id DESC LIMIT $5"
            ),
            &[&l, &from, &to, &who, &ROWS],
        )?
        .iter()
        .map(|r| RatingComment {
            appeal: id(r.get(0)),
            client: id(r.get(1)),
            client_name: r.get(2),
            specialist: r.get::<_, Option<i64>>(3).map(id),
            specialist_name: r.get(4),
            stars: u8::try_from(r.get::<_, i64>(5)).unwrap_or(0),
            comment: r.get(6),
            finished_ms: r.get(7),
        })
        .collect();
    Ok(OperatorReport {
        line,
        from_ms: q.from_ms,
        to_ms: q.to_ms,
        own_only,
        rows: linedesk_line::reports::operators::rows(sums, &transfers),
        comments,
        comments_total: count(comments_total),
    })
}

const CALLS_OF_PERIOD: &str = "c.line_id = $1 AND c.placed_at >= $2 AND c.placed_at < $3
    AND ($4::BIGINT IS NULL OR c.specialist_id = $4)";

const MISSED: &str = "(c.state = 'ended' AND c.connected_at IS NULL AND c.from_client
    AND c.transfer_of IS NULL)";

/// `line`'s calls placed in the period, with their quality.
pub(crate) fn call_report(
    db: &Db,
    line: u64,
    q: &ReportQuery,
    own_only: bool,
) -> Result<CallReport, StorageError> {
    let (l, from, to, who) = (sql_id(line), q.from_ms, q.to_ms, q.specialist.map(sql_id));
    let groups: Vec<(Option<u64>, String, CallSums)> = db
        .rows(
            &format!(
                "SELECT c.specialist_id, COALESCE(MAX(sp.name), ''), COUNT(*),
                     COUNT(*) FILTER (WHERE c.connected_at IS NOT NULL),
                     COUNT(*) FILTER (WHERE {MISSED}),
                     COALESCE(SUM(c.ended_at - c.connected_at), 0)::BIGINT,
                     COUNT(c.ended_at - c.connected_at)
                 FROM calls c LEFT JOIN specialists sp ON sp.id = c.specialist_id
                 WHERE {CALLS_OF_PERIOD} GROUP BY c.specialist_id"
            ),
            &[&l, &from, &to, &who],
        )?
        .iter()
        .map(|r| {
            (
                r.get::<_, Option<i64>>(0).map(id),
                r.get(1),
                CallSums {
                    calls: count(r.get(2)),
                    answered: count(r.get(3)),
                    missed: count(r.get(4)),
                    duration_ms: r.get(5),
                    timed: count(r.get(6)),
                },
            )
        })
        .collect();
    let mut all = CallSums::default();
    for (_, _, s) in &groups {
        all.calls += s.calls;
        all.answered += s.answered;
        all.missed += s.missed;
        all.duration_ms += s.duration_ms;
        all.timed += s.timed;
    }
    let mut by_specialist: Vec<CallSpecialistRow> = groups
        .into_iter()
        .map(|(specialist, name, s)| CallSpecialistRow {
            specialist,
            name,
            summary: linedesk_line::reports::calls::summary(s),
        })
        .collect();
    by_specialist.sort_by(|a, b| {
        (a.specialist.is_none(), &a.name, a.specialist).cmp(&(
            b.specialist.is_none(),
            &b.name,
            b.specialist,
        ))
    });
    let mut per_value: [Vec<(u32, u32)>; 3] = Default::default();
    for r in db.rows(
        &format!(
            "WITH q AS (
                 SELECT MIN(st.mos_centi) AS mos, MAX(st.loss_permille) AS loss,
                        MAX(st.jitter_ms) AS jitter
                 FROM calls c JOIN call_stats st ON st.call_id = c.id
                 WHERE {CALLS_OF_PERIOD} GROUP BY c.id)
             SELECT 0::BIGINT, mos, COUNT(*) FROM q GROUP BY mos
             UNION ALL SELECT 1, loss, COUNT(*) FROM q GROUP BY loss
             UNION ALL SELECT 2, jitter, COUNT(*) FROM q GROUP BY jitter"
        ),
        &[&l, &from, &to, &who],
    )? {
        let which: i64 = r.get(0);
        let value = measure(Some(r.get(1))).unwrap_or_default();
        if let Some(list) = usize::try_from(which)
            .ok()
            .and_then(|w| per_value.get_mut(w))
        {
            list.push((value, count(r.get(2))));
        }
    }
    let [mos, loss, jitter] = per_value;
    let calls: Vec<CallRow> = db
        .rows(
            &format!(
                "SELECT c.id, c.appeal_id, c.client_id, cl.name, c.specialist_id,
                     COALESCE(sp.name, ''), c.from_client, c.placed_at,
                     c.ended_at - c.connected_at, {MISSED}, c.end_reason,
                     (SELECT MIN(mos_centi) FROM call_stats WHERE call_id = c.id),
                     (SELECT MAX(loss_permille) FROM call_stats WHERE call_id = c.id),
                     (SELECT MAX(jitter_ms) FROM call_stats WHERE call_id = c.id),
                     r.duration_ms
                 FROM calls c JOIN clients cl ON cl.id = c.client_id
                 LEFT JOIN specialists sp ON sp.id = c.specialist_id
                 LEFT JOIN call_recordings r ON r.call_id = c.id
                 WHERE {CALLS_OF_PERIOD}
                 ORDER BY c.placed_at DESC, c.id DESC LIMIT $5"
            ),
            &[&l, &from, &to, &who, &ROWS],
        )?
        .iter()
        .map(|r| CallRow {
            call: id(r.get(0)),
            appeal: id(r.get(1)),
            client: id(r.get(2)),
            client_name: r.get(3),
            specialist: r.get::<_, Option<i64>>(4).map(id),
            specialist_name: r.get(5),
            from_client: r.get(6),
            placed_ms: r.get(7),
            duration_ms: r.get(8),
            missed: r.get(9),
            end_reason: r.get(10),
            mos_centi: measure(r.get(11)),
            loss_permille: measure(r.get(12)),
            jitter_ms: measure(r.get(13)),
            recording_ms: r.get(14),
        })
        .collect();
    Ok(CallReport {
        line,
        from_ms: q.from_ms,
        to_ms: q.to_ms,
        own_only,
        total: linedesk_line::reports::calls::summary(all),
        by_specialist,
        distribution: linedesk_line::reports::calls::distribution(&mos, &loss, &jitter),
        calls_total: all.calls,
        calls,
    })
}
