//! A7: what happened to a client's appeals besides opening and finishing (transfers with their
//! reason, ratings with the client's comment), and C8's KB articles that answered the client
//! without an appeal, from the line's log, for the chat's timeline.

use serde::{Deserialize, Serialize};

use crate::Store;
use crate::error::Result;

/// One note of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppealNote {
    /// The appeal (0 for `article_helped`: no appeal).
    pub appeal: i64,
    /// `transferred`, `rated`, `article_helped`, `call_back`, `call_transferred`,
    /// `call_consulted` or `typed` (S5: the appeal's type).
    pub kind: String,
    /// Who handed it on or chose the type (`None` for a rating, a type given at
    /// registration); `by_me` when it was this app's specialist.
    pub by_name: Option<String>,
    pub by_me: bool,
    /// The colleague it went to, by name.
    pub to_name: Option<String>,
    /// `queue`, `colleague`, `tier:first`, `tier:second`, `line:<name>`; the stars of a rating;
    /// the article's id; `registered` or `chosen` for a type.
    pub target: String,
    /// The reason of a transfer; the client's comment on a rating (empty: none); the article's
    /// title; the type. Text typed by people: shown as text, never as HTML.
    pub detail: String,
    pub at: i64,
}

/// What one event of the line's log adds to the notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppealNoteChange {
    pub client: i64,
    pub appeal: i64,
    pub kind: &'static str,
    pub by: Option<i64>,
    pub to: Option<i64>,
    pub target: String,
    pub detail: String,
    pub at: i64,
}

pub(crate) fn record(
    tx: &rusqlite::Transaction<'_>,
    line: i64,
    n: &AppealNoteChange,
) -> Result<()> {
    tx.execute(
        "INSERT INTO appeal_notes
             (line_id, client_id, appeal_id, kind, by_id, to_id, target, detail, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        rusqlite::params![
            line, n.client, n.appeal, n.kind, n.by, n.to, n.target, n.detail, n.at
        ],
    )?;
    Ok(())
}

impl Store {
    /// The notes of the client's appeals on the line, oldest first.
    pub fn appeal_notes_of(&self, line_id: i64, client_id: i64) -> Result<Vec<AppealNote>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT n.appeal_id, n.kind, b.name,
                    n.by_id IS NOT NULL AND n.by_id =
                        (SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'server_me'),
                    t.name,
                    CASE WHEN n.target LIKE 'line:%'
                         THEN 'line:' || COALESCE(
                             (SELECT name FROM lines WHERE id = CAST(substr(n.target, 6) AS INTEGER)),
                             substr(n.target, 6))
                         ELSE n.target END,
                    n.detail, n.at
             FROM appeal_notes n
             LEFT JOIN colleagues b ON b.line_id = n.line_id AND b.specialist_id = n.by_id
             LEFT JOIN colleagues t ON t.line_id = n.line_id AND t.specialist_id = n.to_id
             WHERE n.line_id = ?1 AND n.client_id = ?2
             ORDER BY n.at, n.id",
        )?;
        let notes = stmt
            .query_map([line_id, client_id], |r| {
                Ok(AppealNote {
                    appeal: r.get(0)?,
                    kind: r.get(1)?,
                    by_name: r.get(2)?,
                    by_me: r.get(3)?,
                    to_name: r.get(4)?,
                    target: r.get(5)?,
                    detail: r.get(6)?,
                    at: r.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(notes)
    }
}
