//! C8's KB drafts over SQLite: kept per line in their own table, never searched for clients
//! (`GET /api/lines/{line}/kb` serves published articles only) and untouched by a KB import.

use linedesk_line::{KbDraftRepo, NewKbDraft, RepoError};
use linedesk_protocol::KbDraft;
use rusqlite::{Connection, params};

use super::line_repo::{SqliteRepo, run};
use super::{id, sql_id};
use crate::storage::StorageError;

impl KbDraftRepo for SqliteRepo<'_> {
    fn insert_kb_draft(&mut self, d: &NewKbDraft<'_>) -> Result<u64, RepoError> {
        run(|| {
            self.tx.execute(
                "INSERT INTO kb_drafts (line_id, specialist_id, subject, text, at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    sql_id(d.line),
                    sql_id(d.specialist),
                    d.subject,
                    d.text,
                    d.at_ms
                ],
            )?;
            Ok(id(self.tx.last_insert_rowid()))
        })
    }
}

/// The line's drafts, oldest first.
pub(crate) fn of_line(conn: &Connection, line: u64) -> Result<Vec<KbDraft>, StorageError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, subject, text, specialist_id, at FROM kb_drafts WHERE line_id = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([sql_id(line)], |r| {
            Ok(KbDraft {
                id: id(r.get(0)?),
                subject: r.get(1)?,
                text: r.get(2)?,
                specialist: id(r.get(3)?),
                at_ms: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
