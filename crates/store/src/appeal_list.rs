//! A6: the specialist's appeals, filtered by status, date and channel, newest first, with
//! the client's name and line for display. Built from the line's log (`appeals` table of
//! migration 11); "mine" is the appeal's holder, or who finished it.

use serde::{Deserialize, Serialize};

use crate::Store;
use crate::error::Result;

/// Which appeals by where they stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum AppealListStatus {
    Open,
    /// Finished with a result (not spam).
    Finished,
    Spam,
}

/// What [`Store::my_appeals`] lists; every field narrows, `None` does not. A field this
/// version does not know is refused rather than ignored (the IPC boundary takes it as is).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AppealListFilter {
    pub status: Option<AppealListStatus>,
    /// Opened at or after (unix ms).
    pub from: Option<i64>,
    /// Opened before (unix ms).
    pub to: Option<i64>,
    /// `chat`, `call`, `remote`, `file` or `manual`.
    pub channel: Option<String>,
    /// At most this many, the newest (a page of the list); `None`: all.
    pub limit: Option<u32>,
}

/// One appeal of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppealRecord {
    pub id: i64,
    pub line_id: i64,
    pub line_name: String,
    pub client_id: i64,
    pub client_name: String,
    pub channel: String,
    pub opened_at: i64,
    pub finished_at: Option<i64>,
    pub result: Option<String>,
    pub spam: bool,
    /// `first` or `second` once sent to a level of a two-level line.
    pub tier: Option<String>,
}

impl Store {
    /// The appeals of specialist `me` (their server id) that match `filter`, newest first.
    pub fn my_appeals(&self, me: i64, filter: &AppealListFilter) -> Result<Vec<AppealRecord>> {
        let status = filter.status.map(|s| match s {
            AppealListStatus::Open => "open",
            AppealListStatus::Finished => "finished",
            AppealListStatus::Spam => "spam",
        });
        let mut stmt = self.conn.prepare_cached(&format!(
            "{APPEAL_SELECT}
             WHERE a.holder = ?1
               AND (?2 IS NULL
                    OR (?2 = 'open' AND a.finished_at IS NULL)
                    OR (?2 = 'finished' AND a.finished_at IS NOT NULL AND a.spam = 0)
                    OR (?2 = 'spam' AND a.spam = 1))
               AND (?3 IS NULL OR a.opened_at >= ?3)
               AND (?4 IS NULL OR a.opened_at < ?4)
               AND (?5 IS NULL OR a.channel = ?5)
             ORDER BY a.opened_at DESC, a.id DESC
             LIMIT ?6"
        ))?;
        let rows = stmt
            .query_map(
                rusqlite::params![
                    me,
                    status,
                    filter.from,
                    filter.to,
                    filter.channel,
                    filter.limit.map_or(-1, i64::from)
                ],
                appeal_record,
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// A7: every appeal of the client on the line, oldest first (the chat's timeline).
    pub fn appeals_of(&self, line_id: i64, client_id: i64) -> Result<Vec<AppealRecord>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{APPEAL_SELECT}
             WHERE a.line_id = ?1 AND a.client_id = ?2
             ORDER BY a.opened_at, a.id"
        ))?;
        let rows = stmt
            .query_map([line_id, client_id], appeal_record)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}

/// The columns of [`appeal_record`], with the line's and the client's names.
const APPEAL_SELECT: &str = "SELECT a.id, a.line_id, COALESCE(l.name, ''), a.client_id,
        COALESCE(c.name, ''), a.channel, a.opened_at, a.finished_at, a.result, a.spam, a.tier
     FROM appeals a
     LEFT JOIN lines l ON l.id = a.line_id
     LEFT JOIN clients c ON c.id = a.client_id";

/// One row of the appeal queries (columns in their order).
fn appeal_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<AppealRecord> {
    Ok(AppealRecord {
        id: r.get(0)?,
        line_id: r.get(1)?,
        line_name: r.get(2)?,
        client_id: r.get(3)?,
        client_name: r.get(4)?,
        channel: r.get(5)?,
        opened_at: r.get(6)?,
        finished_at: r.get(7)?,
        result: r.get(8)?,
        spam: r.get(9)?,
        tier: r.get(10)?,
    })
}
