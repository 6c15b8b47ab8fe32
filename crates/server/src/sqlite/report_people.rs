//! R1 over SQLite, the reports about people and calls: operator statistics (A6) and calls
//! with their quality; each a few aggregate queries over the period (see `reports.rs`).

use linedesk_line::reports::ReportQuery;
use linedesk_line::reports::calls::CallSums;
use linedesk_line::reports::operators::OperatorSums;
use linedesk_protocol::reports::{
    CallReport, CallRow, CallSpecialistRow, MAX_REPORT_ROWS, OperatorReport, RatingComment,
};
use rusqlite::{Connection, params};

use super::id;
use super::reports::count;
use crate::storage::StorageError;

fn total(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<u32> {
    Ok(count(r.get::<_, f64>(i)? as i64))
}

/// A6 over `line` for the period of `q` (appeals opened in it and finished, i.e. resolved;
/// transfers made in it), of `q.specialist` when given. The sums read the reports' covering
/// index of `appeal_sla` (migration 20), the comments the partial index of commented appeals.
pub(super) fn operator_report(
    conn: &Connection,
    line: u64,
    q: &ReportQuery,
    own_only: bool,
) -> Result<OperatorReport, StorageError> {
    let p = params![
        super::sql_id(line),
        q.from_ms,
        q.to_ms,
        q.specialist.map(super::sql_id)
    ];
    let sums: Vec<OperatorSums> = conn
        .prepare_cached(
            "SELECT g.*, sp.name FROM (
                 SELECT s.holder, COUNT(*),
                     TOTAL(s.reaction_work_ms), COUNT(s.reaction_work_ms),
                     TOTAL(s.resolved_at - s.opened_at), COUNT(s.resolved_at),
                     TOTAL(s.stars = 1), TOTAL(s.stars = 2), TOTAL(s.stars = 3),
                     TOTAL(s.stars = 4), TOTAL(s.stars = 5)
                 FROM appeal_sla s INDEXED BY appeal_sla_report
                 WHERE s.line_id = ?1 AND s.opened_at >= ?2 AND s.opened_at < ?3
                     AND s.resolved_at IS NOT NULL AND s.spam = 0 AND s.holder IS NOT NULL
                     AND (?4 IS NULL OR s.holder = ?4)
                 GROUP BY s.holder) g
             JOIN specialists sp ON sp.id = g.holder",
        )?
        .query_map(p, |r| {
            Ok(OperatorSums {
                specialist: id(r.get(0)?),
                handled: count(r.get(1)?),
                reaction_work_ms: r.get::<_, f64>(2)? as i64,
                reacted: count(r.get(3)?),
                handling_ms: r.get::<_, f64>(4)? as i64,
                timed: count(r.get(5)?),
                stars: [
                    total(r, 6)?,
                    total(r, 7)?,
                    total(r, 8)?,
                    total(r, 9)?,
                    total(r, 10)?,
                ],
                name: r.get(11)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let transfers: Vec<(u64, String, u32)> = conn
        .prepare_cached(
            "SELECT t.from_specialist, sp.name, COUNT(*) FROM appeal_transfers t
             JOIN specialists sp ON sp.id = t.from_specialist
             WHERE t.line_id = ?1 AND t.at >= ?2 AND t.at < ?3
                 AND (?4 IS NULL OR t.from_specialist = ?4)
             GROUP BY t.from_specialist",
        )?
        .query_map(p, |r| Ok((id(r.get(0)?), r.get(1)?, count(r.get(2)?))))?
        .collect::<Result<_, _>>()?;
    const RATED: &str = "FROM appeals a JOIN clients c ON c.id = a.client_id
        LEFT JOIN specialists sp ON sp.id = a.holder
        LEFT JOIN appeal_sla s ON s.appeal_id = a.id
        WHERE a.line_id = ?1 AND a.opened_at >= ?2 AND a.opened_at < ?3 AND a.spam = 0
            AND (?4 IS NULL OR a.holder = ?4) AND a.stars IS NOT NULL
            AND a.rating_comment IS NOT NULL AND a.rating_comment <> ''";
    let comments_total: i64 = conn
        .prepare_cached(&format!("SELECT COUNT(*) {RATED}"))?
        .query_row(p, |r| r.get(0))?;
    let comments: Vec<RatingComment> = conn
        .prepare_cached(&format!(
            "SELECT a.id, a.client_id, c.name, a.holder, COALESCE(sp.name, ''), a.stars,
                 a.rating_comment, s.resolved_at {RATED}
             ORDER BY a.opened_at DESC, a.id DESC LIMIT ?5"
        ))?
        .query_map(
            params![
                super::sql_id(line),
                q.from_ms,
                q.to_ms,
                q.specialist.map(super::sql_id),
                MAX_REPORT_ROWS
            ],
            |r| {
                Ok(RatingComment {
                    appeal: id(r.get(0)?),
                    client: id(r.get(1)?),
                    client_name: r.get(2)?,
                    specialist: r.get::<_, Option<i64>>(3)?.map(id),
                    specialist_name: r.get(4)?,
                    stars: u8::try_from(r.get::<_, i64>(5)?).unwrap_or(0),
                    comment: r.get(6)?,
                    finished_ms: r.get(7)?,
                })
            },
        )?
        .collect::<Result<_, _>>()?;
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

/// The calls of a report: the line's, placed in the period, of the specialist asked.
const CALLS_OF_PERIOD: &str = "c.line_id = ?1 AND c.placed_at >= ?2 AND c.placed_at < ?3
    AND (?4 IS NULL OR c.specialist_id = ?4)";

/// A client's call that rang and nobody took (a transfer's leg is not a missed call).
const MISSED: &str = "(c.state = 'ended' AND c.connected_at IS NULL AND c.from_client = 1
    AND c.transfer_of IS NULL)";

/// Calls over `line` for the period of `q`: sums per specialist, the quality distributions
/// and the newest calls.
pub(super) fn call_report(
    conn: &Connection,
    line: u64,
    q: &ReportQuery,
    own_only: bool,
) -> Result<CallReport, StorageError> {
    let p = params![
        super::sql_id(line),
        q.from_ms,
        q.to_ms,
        q.specialist.map(super::sql_id)
    ];
    let groups: Vec<(Option<u64>, String, CallSums)> = conn
        .prepare_cached(&format!(
            "SELECT c.specialist_id, COALESCE(sp.name, ''), COUNT(*),
                 TOTAL(c.connected_at IS NOT NULL), TOTAL({MISSED}),
                 TOTAL(c.ended_at - c.connected_at),
                 COUNT(c.ended_at - c.connected_at)
             FROM calls c LEFT JOIN specialists sp ON sp.id = c.specialist_id
             WHERE {CALLS_OF_PERIOD} GROUP BY c.specialist_id"
        ))?
        .query_map(p, |r| {
            Ok((
                r.get::<_, Option<i64>>(0)?.map(id),
                r.get(1)?,
                CallSums {
                    calls: count(r.get(2)?),
                    answered: total(r, 3)?,
                    missed: total(r, 4)?,
                    duration_ms: r.get::<_, f64>(5)? as i64,
                    timed: count(r.get(6)?),
                },
            ))
        })?
        .collect::<Result<_, _>>()?;
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
    // Each measured call once, with its worse party's figures, counted per value.
    let mut per_value: [Vec<(u32, u32)>; 3] = Default::default();
    let mut stmt = conn.prepare_cached(&format!(
        "WITH q AS (
             SELECT MIN(st.mos_centi) AS mos, MAX(st.loss_permille) AS loss,
                    MAX(st.jitter_ms) AS jitter
             FROM calls c JOIN call_stats st ON st.call_id = c.id
             WHERE {CALLS_OF_PERIOD} GROUP BY c.id)
         SELECT 0, mos, COUNT(*) FROM q GROUP BY mos
         UNION ALL SELECT 1, loss, COUNT(*) FROM q GROUP BY loss
         UNION ALL SELECT 2, jitter, COUNT(*) FROM q GROUP BY jitter"
    ))?;
    let mut rows = stmt.query(p)?;
    while let Some(r) = rows.next()? {
        let which: i64 = r.get(0)?;
        let value = u32::try_from(r.get::<_, i64>(1)?.max(0)).unwrap_or(u32::MAX);
        if let Some(list) = usize::try_from(which)
            .ok()
            .and_then(|w| per_value.get_mut(w))
        {
            list.push((value, count(r.get(2)?)));
        }
    }
    let [mos, loss, jitter] = per_value;
    let calls: Vec<CallRow> = conn
        .prepare_cached(&format!(
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
             ORDER BY c.placed_at DESC, c.id DESC LIMIT ?5"
        ))?
        .query_map(
            params![
                super::sql_id(line),
                q.from_ms,
                q.to_ms,
                q.specialist.map(super::sql_id),
                MAX_REPORT_ROWS
            ],
            |r| {
                let measure = |i: usize| -> rusqlite::Result<Option<u32>> {
                    Ok(r.get::<_, Option<i64>>(i)?
                        .map(|v| u32::try_from(v.max(0)).unwrap_or(u32::MAX)))
                };
                Ok(CallRow {
                    call: id(r.get(0)?),
                    appeal: id(r.get(1)?),
                    client: id(r.get(2)?),
                    client_name: r.get(3)?,
                    specialist: r.get::<_, Option<i64>>(4)?.map(id),
                    specialist_name: r.get(5)?,
                    from_client: r.get(6)?,
                    placed_ms: r.get(7)?,
                    duration_ms: r.get(8)?,
                    missed: r.get(9)?,
                    end_reason: r.get(10)?,
                    mos_centi: measure(11)?,
                    loss_permille: measure(12)?,
                    jitter_ms: measure(13)?,
                    recording_ms: r.get(14)?,
                })
            },
        )?
        .collect::<Result<_, _>>()?;
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
