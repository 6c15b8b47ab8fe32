//! SLA on the server (S2-S5): the level of each new appeal, its deadlines, and the alerts of
//! the timer. The rules (level selection, working-time arithmetic, the clock) are
//! `linedesk-domain`'s; this module stores their results and decides when to say so.
//!
//! The stored timers and their alerts are in `sla_alerts`.
//!
//! - When an appeal opens, the line's levels pick one (S5), the domain's [`SlaClock`] fixes the
//!   reaction and resolution deadlines (S3), and [`Event::SlaStarted`] says what they are.
//! - A deadline is **at risk** once 80% of its working-time budget is used (by the level's
//!   calendar), and **breached** once it passes. Each alert fires once per appeal and deadline
//!   (`sla_alerts::due_alerts`); an appeal found already past a deadline (e.g. after a restart) gets the
//!   breach only, its at-risk alert is skipped as stale.
//! - The first specialist message in the appeal meets the reaction deadline: no reaction
//!   alerts after it. Finishing resolves the appeal: no alerts at all after it.
//! - S4 (waiting extends the resolution deadline) needs a "waiting for the client" state,
//!   which the server's appeals do not have yet, so deadlines never move here.

use chrono::{DateTime, Utc};
use linedesk_domain::sla::{DEFAULT_LEVEL, LevelSet, SupportLevel, parse_calendar, parse_duration};
use rusqlite::{Connection, OptionalExtension, params};

use crate::sqlite::sql_id;
use crate::storage::StorageError;

/// The level a line without configured levels uses: "Default", Monday to Friday 09:00-18:00
/// Moscow time, reaction within 1 working hour, resolution within 8 working hours.
pub const BUILTIN_DEFAULT: [&str; 3] = ["tz Europe/Moscow; Mon-Fri 09-18", "1h", "8h"];

/// An alert says "at risk" when this share (in percent) of a deadline's working-time budget
/// is used.
pub use linedesk_line::AT_RISK_PERCENT;

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

pub(crate) fn corrupt(e: impl std::fmt::Display) -> StorageError {
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
