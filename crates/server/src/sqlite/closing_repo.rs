//! A line's closing settings (`line_settings`: A5's auto-finish minutes, A4's closing phrases
//! as JSON) and each appeal's awaited reply (the `appeals` columns `reply_awaited_since`,
//! `auto_finish_at`, `finish_allowed_at`; `auto_finish_at` is indexed for the timer) over
//! SQLite. The rules are `linedesk_line`'s (`closing.rs`).

use linedesk_line::{ClosingRepo, ClosingSettings, ReplyAwaited, RepoError};
use rusqlite::{Connection, OptionalExtension, params};

use super::line_repo::{SqliteRepo, run};
use super::{id, sql_id};
use crate::storage::StorageError;

fn settings_of(minutes: i64, phrases: &str) -> Result<ClosingSettings, RepoError> {
    Ok(ClosingSettings {
        auto_finish_minutes: u32::try_from(minutes)
            .map_err(|e| RepoError::new("auto_finish_minutes", e.to_string()))?,
        closing_phrases: serde_json::from_str(phrases)
            .map_err(|e| RepoError::new("json", e.to_string()))?,
    })
}

/// The line's closing settings (the defaults when none were set).
pub(crate) fn load(conn: &Connection, line: u64) -> Result<ClosingSettings, RepoError> {
    let row = run(|| {
        conn.prepare_cached(
            "SELECT auto_finish_minutes, closing_phrases FROM line_settings WHERE line_id = ?1",
        )?
        .query_row([sql_id(line)], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })
        .optional()
    })?;
    match row {
        Some((minutes, phrases)) => settings_of(minutes, &phrases),
        None => Ok(ClosingSettings::default()),
    }
}

/// Replace the line's closing settings (checked by the caller).
pub(crate) fn save(
    conn: &Connection,
    line: u64,
    settings: &ClosingSettings,
) -> Result<(), StorageError> {
    let phrases = serde_json::to_string(&settings.closing_phrases)
        .map_err(|e| StorageError::Invalid(e.to_string()))?;
    conn.execute(
        "INSERT INTO line_settings (line_id, auto_finish_minutes, closing_phrases)
         VALUES (?1, ?2, ?3)
         ON CONFLICT (line_id) DO UPDATE SET auto_finish_minutes = ?2, closing_phrases = ?3",
        params![sql_id(line), settings.auto_finish_minutes, phrases],
    )?;
    Ok(())
}

impl ClosingRepo for SqliteRepo<'_> {
    fn closing_settings(&mut self, line: u64) -> Result<ClosingSettings, RepoError> {
        load(self.tx, line)
    }

    fn reply_awaited(&mut self, appeal: u64) -> Result<Option<ReplyAwaited>, RepoError> {
        run(|| {
            self.tx
                .prepare_cached(
                    "SELECT reply_awaited_since, auto_finish_at, finish_allowed_at
                     FROM appeals WHERE id = ?1 AND reply_awaited_since IS NOT NULL",
                )?
                .query_row([sql_id(appeal)], |r| {
                    Ok(ReplyAwaited {
                        since_ms: r.get(0)?,
                        auto_finish_at_ms: r.get(1)?,
                        finish_allowed_at_ms: r.get(2)?,
                    })
                })
                .optional()
        })
    }

    fn put_reply_awaited(
        &mut self,
        appeal: u64,
        awaited: Option<ReplyAwaited>,
    ) -> Result<(), RepoError> {
        run(|| {
            self.tx
                .prepare_cached(
                    "UPDATE appeals SET reply_awaited_since = ?2, auto_finish_at = ?3,
                         finish_allowed_at = ?4
                     WHERE id = ?1",
                )?
                .execute(params![
                    sql_id(appeal),
                    awaited.map(|a| a.since_ms),
                    awaited.and_then(|a| a.auto_finish_at_ms),
                    awaited.and_then(|a| a.finish_allowed_at_ms),
                ])
        })?;
        Ok(())
    }

    fn due_auto_finishes(&mut self, now_ms: i64) -> Result<Vec<u64>, RepoError> {
        run(|| {
            self.tx
                .prepare_cached(
                    "SELECT id FROM appeals WHERE auto_finish_at IS NOT NULL
                         AND auto_finish_at <= ?1
                     ORDER BY auto_finish_at, id",
                )?
                .query_map([now_ms], |r| Ok(id(r.get(0)?)))?
                .collect()
        })
    }

    fn awaited_appeals(&mut self, line: u64) -> Result<Vec<u64>, RepoError> {
        run(|| {
            self.tx
                .prepare_cached(
                    "SELECT id FROM appeals INDEXED BY appeals_open
                     WHERE line_id = ?1 AND state <> 'finished'
                         AND reply_awaited_since IS NOT NULL
                     ORDER BY id",
                )?
                .query_map([sql_id(line)], |r| Ok(id(r.get(0)?)))?
                .collect()
        })
    }
}
