//! The SQL of `linedesk-server backup` and `restore` ([`crate::backup`] has the commands): a
//! backup is one SQLite file, the server's database as the online backup API copied it (one
//! read transaction: a consistent snapshot while the server goes on writing, since WAL lets
//! readers and the writer pass each other) plus two tables of its own, `backup_meta` (what the
//! file is, when it was taken) and `backup_recordings` (each call recording's file name and
//! bytes). Restoring copies it back, writes the recordings out and drops those two tables.

use std::path::Path;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::storage::StorageError;

/// What `backup_meta`'s `format` row says of a backup this build can restore.
pub const FORMAT: &str = "linedesk-server backup 1";

/// How often a snapshot tries again while the source is locked (10 ms apart).
const BUSY_TRIES: u32 = 3000;

fn invalid(message: impl Into<String>) -> StorageError {
    StorageError::Invalid(message.into())
}

/// Copy the database at `db` into a new file `to` (which must not exist) through the online
/// backup API, in one step: the copy is the database as one read transaction saw it.
pub fn snapshot(db: &Path, to: &Path) -> Result<(), StorageError> {
    let source = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    source.busy_timeout(std::time::Duration::from_secs(5))?;
    let mut target = Connection::open(to)?;
    copy_all(&source, &mut target)?;
    // A backup is one self-contained file (no -wal beside it).
    let _mode: String = target.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
    Ok(())
}

/// Every page of `source` into `target` in one step (one read transaction of the source);
/// busy or locked (the server's writer checkpointing a moment): try again, for at most 30 s.
fn copy_all(source: &Connection, target: &mut Connection) -> Result<(), StorageError> {
    let backup = Backup::new(source, target)?;
    let mut tries = 0;
    while backup.step(-1)? != StepResult::Done {
        tries += 1;
        if tries > BUSY_TRIES {
            return Err(invalid("the database stayed locked for 30 s: try again"));
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    Ok(())
}

/// Mark `to` (made by [`snapshot`]) as a backup taken at `taken_ms`, and open it to add the
/// recordings ([`Recordings::add`]).
pub fn mark(to: &Path, taken_ms: i64) -> Result<Recordings, StorageError> {
    let conn = Connection::open(to)?;
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         CREATE TABLE backup_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
         CREATE TABLE backup_recordings (name TEXT PRIMARY KEY, bytes BLOB NOT NULL);",
    )?;
    conn.execute(
        "INSERT INTO backup_meta (key, value) VALUES ('format', ?1), ('taken_ms', ?2)",
        rusqlite::params![FORMAT, taken_ms.to_string()],
    )?;
    Ok(Recordings { conn })
}

/// A backup file open to add recordings to.
pub struct Recordings {
    conn: Connection,
}

impl Recordings {
    pub fn add(&self, name: &str, bytes: &[u8]) -> Result<(), StorageError> {
        self.conn.execute(
            "INSERT INTO backup_recordings (name, bytes) VALUES (?1, ?2)",
            rusqlite::params![name, bytes],
        )?;
        Ok(())
    }
}

/// When the backup at `from` was taken (Unix ms), or why it is not a backup this build reads.
pub fn check(from: &Path) -> Result<i64, StorageError> {
    let conn = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let not_a_backup = || {
        invalid(format!(
            "{} is not a linedesk-server backup",
            from.display()
        ))
    };
    let format: Option<String> = conn
        .query_row(
            "SELECT value FROM backup_meta WHERE key = 'format'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(|_| not_a_backup())?;
    match format.as_deref() {
        Some(FORMAT) => {}
        Some(other) => {
            return Err(invalid(format!(
                "{} is a backup of another format ({other:?}); this build reads {FORMAT:?}",
                from.display()
            )));
        }
        None => return Err(not_a_backup()),
    }
    let taken: String = conn.query_row(
        "SELECT value FROM backup_meta WHERE key = 'taken_ms'",
        [],
        |r| r.get(0),
    )?;
    taken.parse().map_err(|_| not_a_backup())
}

/// Writes one recording (its file name and bytes) where the restore puts it.
pub type WriteRecording<'a> = dyn FnMut(&str, &[u8]) -> Result<(), StorageError> + 'a;

/// Copy the backup at `from` into a new database file `db` (which must not exist), handing each
/// recording to `write` (its file name and bytes), then drop the backup's own tables. Returns
/// how many recordings there were.
pub fn restore(
    from: &Path,
    db: &Path,
    write: &mut WriteRecording<'_>,
) -> Result<u64, StorageError> {
    let source = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut target = Connection::open(db)?;
    copy_all(&source, &mut target)?;
    drop(source);
    let mut count = 0u64;
    {
        let mut names = target.prepare("SELECT name FROM backup_recordings ORDER BY name")?;
        let names = names
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        // One recording in memory at a time (each is at most the upload limit).
        let mut read = target.prepare("SELECT bytes FROM backup_recordings WHERE name = ?1")?;
        for name in names {
            let bytes: Vec<u8> = read.query_row([&name], |r| r.get(0))?;
            write(&name, &bytes)?;
            count += 1;
        }
    }
    target.execute_batch(
        "DROP TABLE backup_recordings; DROP TABLE backup_meta; VACUUM;
         PRAGMA journal_mode = WAL;",
    )?;
    Ok(count)
}
