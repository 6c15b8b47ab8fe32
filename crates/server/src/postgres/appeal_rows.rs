//! An appeal's SLA timer (S2-S6), closing (A4, A5) and type (S5) over PostgreSQL: the same
//! rows as SQLite's `sla_repo.rs`, `closing_repo.rs` and `appeal_type_repo.rs`. The rules are
//! `linedesk_line`'s.

use linedesk_domain::sla::{LevelSet, SupportLevel};
use linedesk_line::{
    AlertDeadline, AppealTypeRepo, ClosingRepo, ClosingSettings, ReplyAwaited, RepoError, SlaRepo,
    SlaTimer,
};
use tokio_postgres::Row;

use super::db::{Db, id, pg, sql_id};
use super::line_repo::PgRepo;
use crate::sqlite::reports::outcome_columns;
use crate::storage::StorageError;

fn json_error(e: serde_json::Error) -> RepoError {
    RepoError::new("json", e.to_string())
}

const TIMER_COLUMNS: &str = "appeal_id, line_id, level, calendar, clock, reaction_risk_at,
    reaction_due, resolution_risk_at, resolution_due, reaction_risk_fired, reaction_breach_fired,
    resolution_risk_fired, resolution_breach_fired";

fn timer_of(r: &Row) -> Result<SlaTimer, RepoError> {
    let clock: String = r.try_get(4).map_err(pg)?;
    Ok(SlaTimer {
        appeal: id(r.try_get(0).map_err(pg)?),
        line: id(r.try_get(1).map_err(pg)?),
        level: r.try_get(2).map_err(pg)?,
        calendar: r.try_get(3).map_err(pg)?,
        clock: serde_json::from_str(&clock).map_err(json_error)?,
        reaction: AlertDeadline {
            risk_ms: r.try_get(5).map_err(pg)?,
            due_ms: r.try_get(6).map_err(pg)?,
            risk_fired: r.try_get(9).map_err(pg)?,
            breach_fired: r.try_get(10).map_err(pg)?,
        },
        resolution: AlertDeadline {
            risk_ms: r.try_get(7).map_err(pg)?,
            due_ms: r.try_get(8).map_err(pg)?,
            risk_fired: r.try_get(11).map_err(pg)?,
            breach_fired: r.try_get(12).map_err(pg)?,
        },
    })
}

impl SlaRepo for PgRepo<'_> {
    fn sla_level_rows(&mut self, line: u64) -> Result<Vec<SupportLevel>, RepoError> {
        self.db
            .rows(
                "SELECT body FROM sla_levels WHERE line_id = $1 ORDER BY position",
                &[&sql_id(line)],
            )
            .map_err(pg)?
            .iter()
            .map(|r| serde_json::from_str(r.get::<_, &str>(0)).map_err(json_error))
            .collect()
    }

    fn insert_sla_timer(
        &mut self,
        t: &SlaTimer,
        next_alert_ms: Option<i64>,
    ) -> Result<(), RepoError> {
        let clock = serde_json::to_string(&t.clock).map_err(json_error)?;
        self.db
            .exec(
                "INSERT INTO appeal_sla (appeal_id, line_id, level, calendar, clock,
                     reaction_risk_at, reaction_due, resolution_risk_at, resolution_due,
                     next_alert_at, opened_at, holder, spam, stars)
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, a.opened_at, a.holder, a.spam,
                     a.stars
                 FROM appeals a WHERE a.id = $1",
                &[
                    &sql_id(t.appeal),
                    &sql_id(t.line),
                    &t.level,
                    &t.calendar,
                    &clock,
                    &t.reaction.risk_ms,
                    &t.reaction.due_ms,
                    &t.resolution.risk_ms,
                    &t.resolution.due_ms,
                    &next_alert_ms,
                ],
            )
            .map_err(pg)?;
        Ok(())
    }

    fn sla_timer(&mut self, appeal: u64) -> Result<Option<SlaTimer>, RepoError> {
        self.db
            .opt(
                &format!("SELECT {TIMER_COLUMNS} FROM appeal_sla WHERE appeal_id = $1"),
                &[&sql_id(appeal)],
            )
            .map_err(pg)?
            .as_ref()
            .map(timer_of)
            .transpose()
    }

    fn put_sla_timer(&mut self, t: &SlaTimer, next_alert_ms: Option<i64>) -> Result<(), RepoError> {
        let clock = serde_json::to_string(&t.clock).map_err(json_error)?;
        // S6: the decided figures, kept for the reports.
        let o = outcome_columns(t)?;
        self.db
            .exec(
                "UPDATE appeal_sla SET clock = $2, reacted_at = $3, resolved_at = $4,
                     reaction_risk_fired = $5, reaction_breach_fired = $6,
                     resolution_risk_fired = $7, resolution_breach_fired = $8, next_alert_at = $9,
                     resolution_risk_at = $10, resolution_due = $11,
                     reaction_work_ms = $12, reaction_met = $13, resolution_work_ms = $14,
                     resolution_met = $15
                 WHERE appeal_id = $1",
                &[
                    &sql_id(t.appeal),
                    &clock,
                    &t.clock.reacted_at().map(|a| a.timestamp_millis()),
                    &t.clock.resolved_at().map(|a| a.timestamp_millis()),
                    &t.reaction.risk_fired,
                    &t.reaction.breach_fired,
                    &t.resolution.risk_fired,
                    &t.resolution.breach_fired,
                    &next_alert_ms,
                    &t.resolution.risk_ms,
                    &t.resolution.due_ms,
                    &o.reaction_work_ms,
                    &o.reaction_met,
                    &o.resolution_work_ms,
                    &o.resolution_met,
                ],
            )
            .map_err(pg)?;
        Ok(())
    }

    fn due_sla_timers(&mut self, now_ms: i64) -> Result<Vec<SlaTimer>, RepoError> {
        self.db
            .rows(
                &format!(
                    "SELECT {TIMER_COLUMNS} FROM appeal_sla
                     WHERE next_alert_at IS NOT NULL AND next_alert_at <= $1
                     ORDER BY next_alert_at, appeal_id"
                ),
                &[&now_ms],
            )
            .map_err(pg)?
            .iter()
            .map(timer_of)
            .collect()
    }
}

/// Replace `line`'s levels with `set` inside the caller's transaction.
pub(crate) fn set_levels(db: &Db, line: u64, set: &LevelSet) -> Result<(), StorageError> {
    if db
        .opt("SELECT 1 FROM lines WHERE id = $1", &[&sql_id(line)])?
        .is_none()
    {
        return Err(StorageError::Invalid(format!("no line {line}")));
    }
    db.exec(
        "DELETE FROM sla_levels WHERE line_id = $1",
        &[&sql_id(line)],
    )?;
    for (position, level) in set.levels().iter().enumerate() {
        let body =
            serde_json::to_string(level).map_err(|e| StorageError::Corrupt(e.to_string()))?;
        db.exec(
            "INSERT INTO sla_levels (line_id, position, name, body) VALUES ($1, $2, $3, $4)",
            &[
                &sql_id(line),
                &i64::try_from(position).unwrap_or(i64::MAX),
                &level.name,
                &body,
            ],
        )?;
    }
    Ok(())
}

/// The line's closing settings (the defaults when none were set).
pub(crate) fn closing_settings(db: &Db, line: u64) -> Result<ClosingSettings, RepoError> {
    let row = db
        .opt(
            "SELECT auto_finish_minutes, closing_phrases FROM line_settings WHERE line_id = $1",
            &[&sql_id(line)],
        )
        .map_err(pg)?;
    match row {
        Some(r) => Ok(ClosingSettings {
            auto_finish_minutes: u32::try_from(r.get::<_, i64>(0))
                .map_err(|e| RepoError::new("auto_finish_minutes", e.to_string()))?,
            closing_phrases: serde_json::from_str(r.get::<_, &str>(1)).map_err(json_error)?,
        }),
        None => Ok(ClosingSettings::default()),
    }
}

/// Replace the line's closing settings (checked by the caller).
pub(crate) fn save_closing_settings(
    db: &Db,
    line: u64,
    settings: &ClosingSettings,
) -> Result<(), StorageError> {
    let phrases = serde_json::to_string(&settings.closing_phrases)
        .map_err(|e| StorageError::Invalid(e.to_string()))?;
    db.exec(
        "INSERT INTO line_settings (line_id, auto_finish_minutes, closing_phrases)
         VALUES ($1, $2, $3)
         ON CONFLICT (line_id) DO UPDATE SET auto_finish_minutes = EXCLUDED.auto_finish_minutes,
             closing_phrases = EXCLUDED.closing_phrases",
        &[
            &sql_id(line),
            &i64::from(settings.auto_finish_minutes),
            &phrases,
        ],
    )?;
    Ok(())
}

impl ClosingRepo for PgRepo<'_> {
    fn closing_settings(&mut self, line: u64) -> Result<ClosingSettings, RepoError> {
        closing_settings(self.db, line)
    }

    fn reply_awaited(&mut self, appeal: u64) -> Result<Option<ReplyAwaited>, RepoError> {
        Ok(self
            .db
            .opt(
                "SELECT reply_awaited_since, auto_finish_at, finish_allowed_at
                 FROM appeals WHERE id = $1 AND reply_awaited_since IS NOT NULL",
                &[&sql_id(appeal)],
            )
            .map_err(pg)?
            .map(|r| ReplyAwaited {
                since_ms: r.get(0),
                auto_finish_at_ms: r.get(1),
                finish_allowed_at_ms: r.get(2),
            }))
    }

    fn put_reply_awaited(
        &mut self,
        appeal: u64,
        awaited: Option<ReplyAwaited>,
    ) -> Result<(), RepoError> {
        self.db
            .exec(
                "UPDATE appeals SET reply_awaited_since = $2, auto_finish_at = $3,
                     finish_allowed_at = $4
                 WHERE id = $1",
                &[
                    &sql_id(appeal),
                    &awaited.map(|a| a.since_ms),
                    &awaited.and_then(|a| a.auto_finish_at_ms),
                    &awaited.and_then(|a| a.finish_allowed_at_ms),
                ],
            )
            .map_err(pg)?;
        Ok(())
    }

    fn due_auto_finishes(&mut self, now_ms: i64) -> Result<Vec<u64>, RepoError> {
        Ok(self
            .db
            .rows(
                "SELECT id FROM appeals WHERE auto_finish_at IS NOT NULL AND auto_finish_at <= $1
                 ORDER BY auto_finish_at, id",
                &[&now_ms],
            )
            .map_err(pg)?
            .iter()
            .map(|r| id(r.get(0)))
            .collect())
    }

    fn awaited_appeals(&mut self, line: u64) -> Result<Vec<u64>, RepoError> {
        Ok(self
            .db
            .rows(
                "SELECT id FROM appeals
                 WHERE line_id = $1 AND state <> 'finished' AND reply_awaited_since IS NOT NULL
                 ORDER BY id",
                &[&sql_id(line)],
            )
            .map_err(pg)?
            .iter()
            .map(|r| id(r.get(0)))
            .collect())
    }
}

impl AppealTypeRepo for PgRepo<'_> {
    fn appeal_type(&mut self, appeal: u64) -> Result<Option<String>, RepoError> {
        Ok(self
            .db
            .opt(
                "SELECT appeal_type FROM appeals WHERE id = $1",
                &[&sql_id(appeal)],
            )
            .map_err(pg)?
            .and_then(|r| r.get(0)))
    }

    fn put_appeal_type(&mut self, appeal: u64, appeal_type: &str) -> Result<(), RepoError> {
        self.db
            .exec(
                "UPDATE appeals SET appeal_type = $2 WHERE id = $1",
                &[&sql_id(appeal), &appeal_type],
            )
            .map_err(pg)?;
        self.db
            .exec(
                "UPDATE appeal_sla SET appeal_type = $2 WHERE appeal_id = $1",
                &[&sql_id(appeal), &appeal_type],
            )
            .map_err(pg)?;
        Ok(())
    }
}
