//! W1: specialists' profiles over SQLite (the `specialists` columns of migration 28: position,
//! avatar, avatar_type, avatar_version). The rules are `linedesk_line`'s (`profile.rs`).

use linedesk_line::RepoError;
use linedesk_line::profile::{ImageType, ProfileRepo, SpecialistProfile};
use rusqlite::{Connection, OptionalExtension, params};

use super::line_repo::{SqliteRepo, run};
use super::sql_id;

impl ProfileRepo for SqliteRepo<'_> {
    fn specialist_profile(
        &mut self,
        specialist: u64,
    ) -> Result<Option<SpecialistProfile>, RepoError> {
        profile(self.tx, specialist)
    }

    fn put_specialist_profile(
        &mut self,
        specialist: u64,
        name: &str,
        position: &str,
    ) -> Result<(), RepoError> {
        run(|| {
            self.tx
                .prepare_cached("UPDATE specialists SET name = ?2, position = ?3 WHERE id = ?1")?
                .execute(params![sql_id(specialist), name, position])
        })?;
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
        run(|| {
            self.tx
                .prepare_cached(
                    "UPDATE specialists SET avatar = ?2, avatar_type = ?3,
                     avatar_version = CASE WHEN ?2 IS NULL THEN 0 ELSE avatar_version + 1 END
                     WHERE id = ?1 RETURNING avatar_version",
                )?
                .query_row(params![sql_id(specialist), bytes, kind], |r| r.get(0))
        })
    }
}

/// A specialist's name, position and avatar version.
pub(crate) fn profile(
    conn: &Connection,
    specialist: u64,
) -> Result<Option<SpecialistProfile>, RepoError> {
    run(|| {
        conn.prepare_cached("SELECT name, position, avatar_version FROM specialists WHERE id = ?1")?
            .query_row([sql_id(specialist)], |r| {
                Ok(SpecialistProfile {
                    name: r.get(0)?,
                    position: r.get(1)?,
                    avatar: r.get(2)?,
                })
            })
            .optional()
    })
}

/// A specialist's avatar: its bytes and type (`None`: none set).
pub(crate) fn avatar(
    conn: &Connection,
    specialist: u64,
) -> Result<Option<(Vec<u8>, ImageType)>, RepoError> {
    let row: Option<(Option<Vec<u8>>, Option<String>)> = run(|| {
        conn.prepare_cached("SELECT avatar, avatar_type FROM specialists WHERE id = ?1")?
            .query_row([sql_id(specialist)], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
    })?;
    Ok(match row {
        Some((Some(bytes), Some(kind))) => ImageType::of_content_type(&kind).map(|t| (bytes, t)),
        _ => None,
    })
}
