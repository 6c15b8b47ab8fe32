//! Chat files over SQLite: one row per file with its bytes (see migration 9 for why in the
//! database) and its SHA-256; a retried upload is found by its uploader and key.

use linedesk_line::{FileRepo, KeyOwner, NewFile, RepoError};
use linedesk_protocol::SharedFile;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use super::line_repo::{SqliteRepo, run};
use super::{id, sql_id};
use crate::storage::{StorageError, StoredFile};

/// Who uploaded, as the `files.uploader` column spells it (keys are per uploader).
pub(crate) fn uploader(owner: KeyOwner) -> String {
    match owner {
        KeyOwner::Client(c) => format!("client:{c}"),
        KeyOwner::Specialist(s) => format!("specialist:{s}"),
    }
}

impl FileRepo for SqliteRepo<'_> {
    fn file_by_key(&mut self, owner: KeyOwner, key: &str) -> Result<Option<SharedFile>, RepoError> {
        run(|| {
            self.tx
                .query_row(
                    "SELECT id, name, size, appeal_id FROM files WHERE uploader = ?1 AND key = ?2",
                    params![uploader(owner), key],
                    |r| {
                        Ok(SharedFile {
                            file: id(r.get(0)?),
                            name: r.get(1)?,
                            size: id(r.get(2)?),
                            appeal: r.get::<_, Option<i64>>(3)?.map(id),
                            duplicate: true,
                        })
                    },
                )
                .optional()
        })
    }

    fn insert_file(&mut self, f: &NewFile<'_>) -> Result<u64, RepoError> {
        run(|| {
            self.tx.execute(
                "INSERT INTO files (line_id, client_id, from_specialist, appeal_id, name, size,
                     sha256, bytes, uploader, key, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    sql_id(f.line),
                    sql_id(f.client),
                    f.from_specialist.map(sql_id),
                    f.appeal.map(sql_id),
                    f.name,
                    sql_id(f.bytes.len() as u64),
                    format!("{:x}", Sha256::digest(f.bytes)),
                    f.bytes,
                    uploader(f.uploader),
                    f.key,
                    f.at_ms
                ],
            )?;
            Ok(id(self.tx.last_insert_rowid()))
        })
    }
}

/// A stored file with its bytes.
pub(crate) fn load(conn: &Connection, file: u64) -> Result<Option<StoredFile>, StorageError> {
    Ok(conn
        .query_row(
            "SELECT line_id, client_id, name, bytes FROM files WHERE id = ?1",
            [sql_id(file)],
            |r| {
                Ok(StoredFile {
                    line: id(r.get(0)?),
                    client: id(r.get(1)?),
                    name: r.get(2)?,
                    bytes: r.get(3)?,
                })
            },
        )
        .optional()?)
}
