//! W3 over PostgreSQL (migration 6): the staff line and each specialist's client identity on
//! it, the same rows as SQLite's `staff_help.rs`. The rules are `linedesk_line::staff_help`'s.

use linedesk_line::{RepoError, StaffHelpRepo};
use linedesk_protocol::ClientProfile;

use super::db::{Db, id, pg, sql_id};
use super::line_repo::PgRepo;
use crate::storage::StorageError;

impl StaffHelpRepo for PgRepo<'_> {
    fn staff_line(&mut self) -> Result<Option<u64>, RepoError> {
        get_staff_line(self.db).map_err(pg)
    }

    fn staff_client(&mut self, specialist: u64, line: u64) -> Result<Option<u64>, RepoError> {
        Ok(self
            .db
            .opt(
                "SELECT client_id FROM staff_clients WHERE specialist_id = $1 AND line_id = $2",
                &[&sql_id(specialist), &sql_id(line)],
            )
            .map_err(pg)?
            .map(|r| id(r.get(0))))
    }

    fn insert_staff_client(
        &mut self,
        specialist: u64,
        line: u64,
        profile: &ClientProfile,
    ) -> Result<u64, RepoError> {
        let client: i64 = self
            .db
            .one(
                "INSERT INTO clients (line_id, name, position) VALUES ($1, $2, $3) RETURNING id",
                &[&sql_id(line), &profile.name, &profile.position],
            )
            .map_err(pg)?
            .get(0);
        self.db
            .exec(
                "INSERT INTO staff_clients (specialist_id, line_id, client_id) VALUES ($1, $2, $3)",
                &[&sql_id(specialist), &sql_id(line), &client],
            )
            .map_err(pg)?;
        Ok(id(client))
    }
}

fn get_staff_line(db: &Db) -> Result<Option<u64>, tokio_postgres::Error> {
    Ok(db
        .opt("SELECT line_id FROM staff_line", &[])?
        .map(|r| id(r.get(0))))
}

/// The staff line, if one is set.
pub(crate) fn staff_line(db: &Db) -> Result<Option<u64>, StorageError> {
    Ok(get_staff_line(db)?)
}

/// Mark `line` as the staff line (`None`: no staff line); `false` when there is no such line.
pub(crate) fn set_staff_line(db: &Db, line: Option<u64>) -> Result<bool, StorageError> {
    let Some(line) = line else {
        db.exec("DELETE FROM staff_line", &[])?;
        return Ok(true);
    };
    let changed = db.exec(
        "INSERT INTO staff_line (only_one, line_id) SELECT 1, id FROM lines WHERE id = $1
         ON CONFLICT (only_one) DO UPDATE SET line_id = excluded.line_id",
        &[&sql_id(line)],
    )?;
    Ok(changed == 1)
}
