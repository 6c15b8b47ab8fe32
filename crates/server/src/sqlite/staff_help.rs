//! W3 over SQLite (migration 29): the staff line and each specialist's client identity on it.
//! The rules are `linedesk_line::staff_help`'s; the identity's token is kept in the same
//! transaction as the identity (when it is new) and its `ClientUpserted`.

use linedesk_line::{RepoError, StaffHelpRepo};
use linedesk_protocol::ClientProfile;
use rusqlite::{Connection, OptionalExtension, params};

use super::line_repo::{SqliteRepo, run};
use super::{Inner, account_admin, batch, id, sql_id};
use crate::storage::{StaffHelp, StorageError, StoredEvent, Subject};

impl StaffHelpRepo for SqliteRepo<'_> {
    fn staff_line(&mut self) -> Result<Option<u64>, RepoError> {
        run(|| staff_line(self.tx))
    }

    fn staff_client(&mut self, specialist: u64, line: u64) -> Result<Option<u64>, RepoError> {
        run(|| {
            self.tx
                .prepare_cached(
                    "SELECT client_id FROM staff_clients WHERE specialist_id = ?1 AND line_id = ?2",
                )?
                .query_row(params![sql_id(specialist), sql_id(line)], |r| {
                    r.get::<_, i64>(0)
                })
                .optional()
                .map(|c| c.map(id))
        })
    }

    fn insert_staff_client(
        &mut self,
        specialist: u64,
        line: u64,
        profile: &ClientProfile,
    ) -> Result<u64, RepoError> {
        run(|| {
            self.tx.execute(
                "INSERT INTO clients (line_id, name, position) VALUES (?1, ?2, ?3)",
                params![sql_id(line), profile.name, profile.position],
            )?;
            let client = self.tx.last_insert_rowid();
            self.tx.execute(
                "INSERT INTO staff_clients (specialist_id, line_id, client_id) VALUES (?1, ?2, ?3)",
                params![sql_id(specialist), sql_id(line), client],
            )?;
            Ok(id(client))
        })
    }
}

fn staff_line(conn: &Connection) -> rusqlite::Result<Option<u64>> {
    conn.prepare_cached("SELECT line_id FROM staff_line")?
        .query_row([], |r| r.get::<_, i64>(0))
        .optional()
        .map(|l| l.map(id))
}

/// The staff line, if one is set.
pub(super) fn get_staff_line(conn: &Connection) -> Result<Option<u64>, StorageError> {
    Ok(staff_line(conn)?)
}

/// Mark `line` as the staff line (`None`: no staff line); `false` when there is no such line.
pub(super) fn set_staff_line(conn: &Connection, line: Option<u64>) -> Result<bool, StorageError> {
    let Some(line) = line else {
        conn.execute("DELETE FROM staff_line", [])?;
        return Ok(true);
    };
    let exists = conn
        .prepare_cached("SELECT 1 FROM lines WHERE id = ?1")?
        .query_row([sql_id(line)], |r| r.get::<_, i64>(0))
        .optional()?
        .is_some();
    if exists {
        conn.execute(
            "INSERT INTO staff_line (only_one, line_id) VALUES (1, ?1)
             ON CONFLICT (only_one) DO UPDATE SET line_id = excluded.line_id",
            [sql_id(line)],
        )?;
    }
    Ok(exists)
}

/// `specialist`'s client on the staff line (made now when new) and a token for it
/// (`token_hash` until `expires_ms`), in one transaction.
pub(super) fn staff_client_token(
    inner: &mut Inner,
    specialist: u64,
    token_hash: &str,
    expires_ms: i64,
    now_ms: i64,
) -> Result<(StaffHelp, Vec<StoredEvent>), StorageError> {
    batch::in_work(inner, now_ms, |w| {
        let (line, client) = linedesk_line::staff_client_for(w, specialist)?;
        if !account_admin::issue_token(w.repo.tx, token_hash, Subject::client(client), expires_ms)?
        {
            return Err(StorageError::Invalid(
                "the staff line's client is disabled".into(),
            ));
        }
        Ok(StaffHelp { line, client })
    })
}
