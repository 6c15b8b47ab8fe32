//! `linedesk-server backup --to FILE` and `restore --from FILE --data-dir DIR`: a SQLite line
//! server's whole data dir in one file, taken while the server runs.
//!
//! A data dir holds `server.db` (with `-wal` and `-shm` while a server has it open: accounts,
//! lines, event logs, chat files and KB files as blobs, everything but recordings) and
//! `recordings/call-N.ogg` (each written whole, fsync'd and renamed before the call's row
//! names it). A backup is the database through SQLite's online backup API (one read
//! transaction: every action acknowledged before the backup began is in it, and nothing half
//! done) with the recordings' files added after the snapshot, so every recording the snapshot
//! names is there (see [`crate::sqlite::backup`] for the file's layout).
//!
//! `restore` refuses a target with anything in it unless forced (then the old `server.db`,
//! its `-wal`/`-shm` and `recordings/` are replaced), builds the database beside its final
//! name and renames it into place last: a restore that fails leaves no `server.db` behind.
//! A PostgreSQL server is backed up with `pg_dump` (see README).

use std::path::{Path, PathBuf};

use crate::sqlite::backup as sql;
use crate::storage::StorageError;

/// The database file of a data dir.
pub const DATABASE: &str = "server.db";
/// The recordings' folder of a data dir.
pub const RECORDINGS: &str = "recordings";

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} has no server.db: not a line server's data dir")]
    NotADataDir(PathBuf),
    #[error("{0} exists already: a backup never overwrites a file")]
    TargetExists(PathBuf),
    #[error("{0} is not empty: restore into an empty folder, or pass --force to replace it")]
    TargetNotEmpty(PathBuf),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Storage(#[from] StorageError),
}

impl BackupError {
    /// A stable code for scripts and tests.
    pub fn code(&self) -> &'static str {
        match self {
            BackupError::NotADataDir(_) => "backup.not_a_data_dir",
            BackupError::TargetExists(_) => "backup.target_exists",
            BackupError::TargetNotEmpty(_) => "backup.target_not_empty",
            BackupError::Io { .. } => "backup.io",
            BackupError::Storage(_) => "backup.storage",
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What a backup or a restore copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Copied {
    /// When the backup was taken (Unix ms).
    pub taken_ms: i64,
    pub recordings: u64,
}

/// Back up the data dir `data_dir` into the new file `to`, while its server runs or not.
pub fn backup(data_dir: &Path, to: &Path, now_ms: i64) -> Result<Copied, BackupError> {
    let db = data_dir.join(DATABASE);
    if !db.is_file() {
        return Err(BackupError::NotADataDir(data_dir.to_path_buf()));
    }
    if to.exists() {
        return Err(BackupError::TargetExists(to.to_path_buf()));
    }
    // Written beside its name and renamed when whole: `to` is a complete backup or absent.
    let part = part_of(to);
    let _ = std::fs::remove_file(&part);
    let made = (|| {
        sql::snapshot(&db, &part)?;
        let recordings = sql::mark(&part, now_ms)?;
        let mut count = 0;
        for (name, path) in recording_files(&data_dir.join(RECORDINGS))? {
            let bytes = std::fs::read(&path).map_err(io(&path))?;
            recordings.add(&name, &bytes)?;
            count += 1;
        }
        drop(recordings);
        sync(&part)?;
        std::fs::rename(&part, to).map_err(io(to))?;
        Ok(Copied {
            taken_ms: now_ms,
            recordings: count,
        })
    })();
    if made.is_err() {
        let _ = std::fs::remove_file(&part);
    }
    made
}

/// Restore the backup `from` into the data dir `data_dir` (made if missing).
pub fn restore(from: &Path, data_dir: &Path, force: bool) -> Result<Copied, BackupError> {
    let taken_ms = sql::check(from)?;
    std::fs::create_dir_all(data_dir).map_err(io(data_dir))?;
    let mut entries = std::fs::read_dir(data_dir).map_err(io(data_dir))?;
    if entries.next().is_some() {
        if !force {
            return Err(BackupError::TargetNotEmpty(data_dir.to_path_buf()));
        }
        for name in ["server.db", "server.db-wal", "server.db-shm"] {
            remove_if_there(&data_dir.join(name))?;
        }
        let recordings = data_dir.join(RECORDINGS);
        if recordings.exists() {
            std::fs::remove_dir_all(&recordings).map_err(io(&recordings))?;
        }
    }
    let recordings_dir = data_dir.join(RECORDINGS);
    std::fs::create_dir_all(&recordings_dir).map_err(io(&recordings_dir))?;
    let db = data_dir.join(DATABASE);
    let part = part_of(&db);
    remove_if_there(&part)?;
    let mut write = |name: &str, bytes: &[u8]| -> Result<(), StorageError> {
        // Names come from the backup file: only a plain `call-N.ogg` is written.
        if !is_recording_name(name) {
            return Err(StorageError::Invalid(format!(
                "the backup names a recording {name:?}, not call-N.ogg"
            )));
        }
        let path = recordings_dir.join(name);
        std::fs::write(&path, bytes)?;
        std::fs::File::open(&path)?.sync_all()?;
        Ok(())
    };
    let restored = sql::restore(from, &part, &mut write);
    let recordings = match restored {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_file(&part);
            return Err(e.into());
        }
    };
    sync(&part)?;
    std::fs::rename(&part, &db).map_err(io(&db))?;
    Ok(Copied {
        taken_ms,
        recordings,
    })
}

fn part_of(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".part");
    PathBuf::from(name)
}

fn remove_if_there(path: &Path) -> Result<(), BackupError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(path)(e)),
        _ => Ok(()),
    }
}

fn sync(path: &Path) -> Result<(), BackupError> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io(path))
}

/// `call-N.ogg`, N digits.
fn is_recording_name(name: &str) -> bool {
    name.strip_prefix("call-")
        .and_then(|rest| rest.strip_suffix(".ogg"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The finished recordings in `dir` (not the `.part` of one being written), by name.
fn recording_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, BackupError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(dir)(e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io(dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_recording_name(&name) {
            files.push((name, entry.path()));
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests;
