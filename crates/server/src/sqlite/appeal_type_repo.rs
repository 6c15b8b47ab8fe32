//! S5: an appeal's type over SQLite (`appeals.appeal_type`, copied to `appeal_sla` for the
//! SLA report's filter). The rules are `linedesk_line`'s (`appeal_type.rs`).

use linedesk_line::{AppealTypeRepo, RepoError};
use rusqlite::{OptionalExtension, params};

use super::line_repo::{SqliteRepo, run};
use super::sql_id;

impl AppealTypeRepo for SqliteRepo<'_> {
    fn appeal_type(&mut self, appeal: u64) -> Result<Option<String>, RepoError> {
        run(|| {
            self.tx
                .prepare_cached("SELECT appeal_type FROM appeals WHERE id = ?1")?
                .query_row([sql_id(appeal)], |r| r.get::<_, Option<String>>(0))
                .optional()
        })
        .map(Option::flatten)
    }

    fn put_appeal_type(&mut self, appeal: u64, appeal_type: &str) -> Result<(), RepoError> {
        run(|| {
            self.tx
                .prepare_cached("UPDATE appeals SET appeal_type = ?2 WHERE id = ?1")?
                .execute(params![sql_id(appeal), appeal_type])?;
            self.tx
                .prepare_cached("UPDATE appeal_sla SET appeal_type = ?2 WHERE appeal_id = ?1")?
                .execute(params![sql_id(appeal), appeal_type])
        })?;
        Ok(())
    }
}
