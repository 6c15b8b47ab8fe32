//! C6: groups around a client over SQLite (`client_groups`, `client_group_members`, migration 27). The rules
//! are `linedesk_line`'s (`groups.rs`); the messages are the line's log.

use linedesk_line::{GroupRepo, GroupRow, RepoError};
use rusqlite::{OptionalExtension, params};

use super::line_repo::{SqliteRepo, run};
use super::{id, sql_id};

impl GroupRepo for SqliteRepo<'_> {
    fn insert_group(
        &mut self,
        line: u64,
        client: u64,
        title: &str,
        by: u64,
        at_ms: i64,
    ) -> Result<u64, RepoError> {
        run(|| {
            self.tx
                .prepare_cached(
                    "INSERT INTO client_groups (line_id, client_id, title, created_by, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    sql_id(line),
                    sql_id(client),
                    title,
                    sql_id(by),
                    at_ms
                ])
        })?;
        Ok(id(self.tx.last_insert_rowid()))
    }

    fn group(&mut self, group: u64) -> Result<Option<GroupRow>, RepoError> {
        run(|| {
            self.tx
                .prepare_cached(
                    "SELECT line_id, client_id, title FROM client_groups WHERE id = ?1",
                )?
                .query_row([sql_id(group)], |r| {
                    Ok(GroupRow {
                        id: group,
                        line: id(r.get(0)?),
                        client: id(r.get(1)?),
                        title: r.get(2)?,
                    })
                })
                .optional()
        })
    }

    fn group_specialists(&mut self, group: u64) -> Result<Vec<u64>, RepoError> {
        run(|| {
            self.tx
                .prepare_cached(
                    "SELECT specialist_id FROM client_group_members WHERE group_id = ?1
                     ORDER BY rowid",
                )?
                .query_map([sql_id(group)], |r| r.get::<_, i64>(0).map(id))?
                .collect()
        })
    }

    fn add_group_specialist(
        &mut self,
        group: u64,
        specialist: u64,
        at_ms: i64,
    ) -> Result<(), RepoError> {
        run(|| {
            self.tx
                .prepare_cached(
                    "INSERT INTO client_group_members (group_id, specialist_id, joined_at)
                     VALUES (?1, ?2, ?3)",
                )?
                .execute(params![sql_id(group), sql_id(specialist), at_ms])
        })?;
        Ok(())
    }

    fn remove_group_specialist(&mut self, group: u64, specialist: u64) -> Result<(), RepoError> {
        run(|| {
            self.tx
                .prepare_cached(
                    "DELETE FROM client_group_members WHERE group_id = ?1 AND specialist_id = ?2",
                )?
                .execute(params![sql_id(group), sql_id(specialist)])
        })?;
        Ok(())
    }
}
