//! C6's groups around a client and W1's specialist profiles over PostgreSQL (migration 4): the
//! same rows as SQLite's `group_repo.rs` and `profile_repo.rs`. The rules are `linedesk_line`'s.

use linedesk_line::profile::{ImageType, ProfileRepo, SpecialistProfile};
use linedesk_line::{GroupRepo, GroupRow, RepoError};

use super::db::{Db, id, pg, sql_id};
use super::line_repo::PgRepo;

impl GroupRepo for PgRepo<'_> {
    fn insert_group(
        &mut self,
        line: u64,
        client: u64,
        title: &str,
        by: u64,
        at_ms: i64,
    ) -> Result<u64, RepoError> {
        let row = self
            .db
            .one(
                "INSERT INTO client_groups (line_id, client_id, title, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[&sql_id(line), &sql_id(client), &title, &sql_id(by), &at_ms],
            )
            .map_err(pg)?;
        Ok(id(row.get(0)))
    }

    fn group(&mut self, group: u64) -> Result<Option<GroupRow>, RepoError> {
        Ok(self
            .db
            .opt(
                "SELECT line_id, client_id, title FROM client_groups WHERE id = $1",
                &[&sql_id(group)],
            )
            .map_err(pg)?
            .map(|r| GroupRow {
                id: group,
                line: id(r.get(0)),
                client: id(r.get(1)),
                title: r.get(2),
            }))
    }

    fn group_specialists(&mut self, group: u64) -> Result<Vec<u64>, RepoError> {
        Ok(self
            .db
            .rows(
                "SELECT specialist_id FROM client_group_members WHERE group_id = $1
                 ORDER BY joined_order",
                &[&sql_id(group)],
            )
            .map_err(pg)?
            .iter()
            .map(|r| id(r.get(0)))
            .collect())
    }

    fn add_group_specialist(
        &mut self,
        group: u64,
        specialist: u64,
        at_ms: i64,
    ) -> Result<(), RepoError> {
        self.db
            .exec(
                "INSERT INTO client_group_members (group_id, specialist_id, joined_at)
                 VALUES ($1, $2, $3)",
                &[&sql_id(group), &sql_id(specialist), &at_ms],
            )
            .map_err(pg)?;
        Ok(())
    }

    fn remove_group_specialist(&mut self, group: u64, specialist: u64) -> Result<(), RepoError> {
        self.db
            .exec(
                "DELETE FROM client_group_members WHERE group_id = $1 AND specialist_id = $2",
                &[&sql_id(group), &sql_id(specialist)],
            )
            .map_err(pg)?;
        Ok(())
    }
}

impl ProfileRepo for PgRepo<'_> {
    fn specialist_profile(
        &mut self,
        specialist: u64,
    ) -> Result<Option<SpecialistProfile>, RepoError> {
        profile(self.db, specialist)
    }

    fn put_specialist_profile(
        &mut self,
        specialist: u64,
        name: &str,
        position: &str,
    ) -> Result<(), RepoError> {
        self.db
            .exec(
                "UPDATE specialists SET name = $2, position = $3 WHERE id = $1",
                &[&sql_id(specialist), &name, &position],
            )
            .map_err(pg)?;
        Ok(())
    }

    fn put_avatar(
        &mut self,
        specialist: u64,
        avatar: Option<(&[u8], ImageType)>,
    ) -> Result<u32, RepoError> {
        let (bytes, kind) = match avatar {
            Some((bytes, kind)) => (Some(bytes), Some(kind.content_type())),
            None => (None, None),
        };
        let version: i32 = self
            .db
            .one(
                "UPDATE specialists SET avatar = $2, avatar_type = $3,
                 avatar_version = CASE WHEN $2::BYTEA IS NULL THEN 0 ELSE avatar_version + 1 END
                 WHERE id = $1 RETURNING avatar_version",
                &[&sql_id(specialist), &bytes, &kind],
            )
            .map_err(pg)?
            .get(0);
        Ok(u32::try_from(version).unwrap_or_default())
    }
}

/// A specialist's name, position and avatar version.
pub(crate) fn profile(db: &Db, specialist: u64) -> Result<Option<SpecialistProfile>, RepoError> {
    Ok(db
        .opt(
            "SELECT name, position, avatar_version FROM specialists WHERE id = $1",
            &[&sql_id(specialist)],
        )
        .map_err(pg)?
        .map(|r| SpecialistProfile {
            name: r.get(0),
            position: r.get(1),
            avatar: u32::try_from(r.get::<_, i32>(2)).unwrap_or_default(),
        }))
}

/// A specialist's avatar: its bytes and type (`None`: none set).
pub(crate) fn avatar(db: &Db, specialist: u64) -> Result<Option<(Vec<u8>, ImageType)>, RepoError> {
    let row = db
        .opt(
            "SELECT avatar, avatar_type FROM specialists WHERE id = $1",
            &[&sql_id(specialist)],
        )
        .map_err(pg)?;
    Ok(row.and_then(|r| {
        let bytes: Option<Vec<u8>> = r.get(0);
        let kind: Option<String> = r.get(1);
        match (bytes, kind) {
            (Some(bytes), Some(kind)) => ImageType::of_content_type(&kind).map(|t| (bytes, t)),
            _ => None,
        }
    }))
}
