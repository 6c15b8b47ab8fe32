//! The header bell's notices (new appeals, messages, calls, SLA alerts), kept across restarts:
//! a specialist who restarts the app still sees what was announced before. Only the newest
//! [`KEPT_NOTICES`] stay. The app decides what a notice says; the store only keeps it.

use rusqlite::params;

use crate::Store;
use crate::error::Result;

/// How many notices the bell keeps.
pub const KEPT_NOTICES: i64 = 200;

/// A notice to keep: `kind` is the app's code for it (`appeal`, `message`, `call`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotice<'a> {
    pub at_ms: i64,
    pub kind: &'a str,
    pub line_id: i64,
    pub client_id: i64,
    pub title: &'a str,
    pub body: &'a str,
}

/// A kept notice; `id` grows with every notice, across restarts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNotice {
    pub id: i64,
    pub at_ms: i64,
    pub kind: String,
    pub line_id: i64,
    pub client_id: i64,
    pub title: String,
    pub body: String,
}

impl Store {
    /// Keep a notice (and drop those past the newest [`KEPT_NOTICES`]); returns its id.
    pub fn push_notice(&self, n: &NewNotice<'_>) -> Result<i64> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO notices (at_ms, kind, line_id, client_id, title, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![n.at_ms, n.kind, n.line_id, n.client_id, n.title, n.body],
        )?;
        let id = tx.last_insert_rowid();
        tx.execute(
            "DELETE FROM notices WHERE id <= ?1",
            params![id - KEPT_NOTICES],
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// The kept notices newer than `after`, oldest first.
    pub fn notices_after(&self, after: i64) -> Result<Vec<StoredNotice>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, at_ms, kind, line_id, client_id, title, body FROM notices
             WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![after, KEPT_NOTICES], |r| {
            Ok(StoredNotice {
                id: r.get(0)?,
                at_ms: r.get(1)?,
                kind: r.get(2)?,
                line_id: r.get(3)?,
                client_id: r.get(4)?,
                title: r.get(5)?,
                body: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(i: i64) -> NewNotice<'static> {
        NewNotice {
            at_ms: 1_000 + i,
            kind: "message",
            line_id: 1,
            client_id: 4,
            title: "Клиент 4",
            body: "Здравствуйте",
        }
    }

    #[test]
    fn the_newest_200_are_kept_across_a_reopen() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("linedesk.db");
        {
            let store = Store::open(&path).expect("open");
            for i in 0..KEPT_NOTICES + 5 {
                store.push_notice(&notice(i)).expect("kept");
            }
        }
        let store = Store::open(&path).expect("reopen");
        let all = store.notices_after(0).expect("all");
        assert_eq!(all.len() as i64, KEPT_NOTICES);
        assert_eq!(all.first().map(|n| n.id), Some(6), "the oldest five went");
        assert_eq!(all.last().map(|n| n.at_ms), Some(1_000 + KEPT_NOTICES + 4));
        assert_eq!(all[0].title, "Клиент 4");
        assert_eq!(store.notices_after(KEPT_NOTICES + 4).expect("one").len(), 1);
        // Ids go on growing after the reopen: the bell's "after" cursor stays valid.
        let next = store.push_notice(&notice(999)).expect("kept");
        assert_eq!(next, KEPT_NOTICES + 6);
    }
}
