//! Reads beside the writer: replays (`events_after`) and downloads (`blobs.rs`) go through
//! read-only connections of their own, so a replay neither waits for the writer's lock nor holds it. WAL lets any number of
//! readers run beside the one writer; each read sees the last commit before it started, and an
//! event is published only after its commit, so a replay following a live event finds it.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OpenFlags, params};

use super::{id, sql_id};
use crate::storage::{StorageError, StoredEvent};

/// Idle read connections kept for the next replay page (more are opened under load and
/// closed after use).
const KEEP_IDLE: usize = 4;

/// Read-only connections to the database file, opened on demand and reused.
pub(crate) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    pub(crate) fn new(path: &Path) -> Readers {
        Readers {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
        }
    }

    fn idle(&self) -> MutexGuard<'_, Vec<Connection>> {
        // A list of connections: usable whatever a panicking holder left.
        self.idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn take(&self) -> Result<Connection, StorageError> {
        if let Some(conn) = self.idle().pop() {
            return Ok(conn);
        }
        // The writer created the file and its WAL; a reader never creates nor writes.
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.execute_batch("PRAGMA query_only = ON; PRAGMA busy_timeout = 5000;")?;
        Ok(conn)
    }

    fn give_back(&self, conn: Connection) {
        let mut idle = self.idle();
        if idle.len() < KEEP_IDLE {
            idle.push(conn);
        }
    }

    /// Run `read` on a reader connection (replays, downloads).
    pub(crate) fn with<T>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        let conn = self.take()?;
        let out = read(&conn);
        // A connection whose read failed is dropped rather than reused.
        if out.is_ok() {
            self.give_back(conn);
        }
        out
    }

    /// [`events_after`] on a reader connection.
    pub(crate) fn events_after(
        &self,
        line: u64,
        after: u64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StorageError> {
        self.with(|conn| events_after(conn, line, after, limit))
    }
}

/// Events of `line` with `seq > after`, in order, at most `limit`.
pub(crate) fn events_after(
    conn: &Connection,
    line: u64,
    after: u64,
    limit: u32,
) -> Result<Vec<StoredEvent>, StorageError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, at, body FROM events WHERE line_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
    )?;
    let rows = stmt
        .query_map(params![sql_id(line), sql_id(after), limit], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(seq, at_ms, body)| {
            let event =
                serde_json::from_str(&body).map_err(|e| StorageError::Corrupt(e.to_string()))?;
            Ok(StoredEvent {
                line,
                seq: id(seq),
                at_ms,
                event,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::SqliteStorage;
    use crate::storage::{Storage, StoredClient};

    #[test]
    fn a_reader_sees_what_the_writer_committed() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("server.db");
        let storage = SqliteStorage::open(&path).expect("open");
        let line = storage.add_line("Линия").expect("line");
        let readers = Readers::new(&path);
        let before = readers.events_after(line, 0, 100).expect("read");
        let client = StoredClient {
            name: "Иванова".into(),
            ..StoredClient::default()
        };
        storage
            .import_clients(line, &[(1, client.clone()), (2, client)])
            .expect("import");
        let after = readers.events_after(line, 0, 100).expect("read");
        assert_eq!(
            after.len(),
            before.len() + 2,
            "the reused reader sees new commits"
        );
        assert_eq!(after, storage.events_after(line, 0, 100).expect("writer"));
        let page = readers.events_after(line, after[0].seq, 1).expect("page");
        assert_eq!(page, [after[1].clone()]);
    }
}
