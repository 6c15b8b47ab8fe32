//! The app's whole data dir in one file and back: `linedesk --export-data FILE` and
//! `linedesk --import-data FILE [--force]`.
//!
//! The data dir holds SQLite databases (the store `linedesk.db`, the embedded line server's
//! `server.db`, each with `-wal`/`-shm` while open) and plain files (recordings, downloads,
//! exports, the upload queue). An export is one SQLite file: each database as SQLite's online
//! backup API copied it (one read transaction: consistent while the app writes), each other
//! file as its bytes, under its path relative to the data dir. `-wal`, `-shm`, `-journal` and
//! `.part` files are never exported (the snapshots hold what they held).
//!
//! An import refuses a data dir with anything in it unless forced (then the dir's contents are
//! replaced), refuses any path that is not a plain relative one, and writes every file under a
//! `.part` name first, renaming it once whole.

use std::path::{Component, Path, PathBuf};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

/// What `export_meta`'s `format` row says of an export this build can import.
pub const FORMAT: &str = "linedesk data export 1";

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{0} is not a folder")]
    NoDataDir(PathBuf),
    #[error("{0} exists already: an export never overwrites a file")]
    TargetExists(PathBuf),
    #[error("{0} is not empty: import into an empty folder, or pass --force to replace it")]
    TargetNotEmpty(PathBuf),
    #[error("{0} is not a Linedesk data export")]
    NotAnExport(PathBuf),
    #[error("the export names {0:?}, not a plain path inside the data dir")]
    BadPath(String),
    #[error("{0} stayed locked for 30 s: try again")]
    Locked(PathBuf),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl ExportError {
    /// A stable code for scripts and tests.
    pub fn code(&self) -> &'static str {
        match self {
            ExportError::NoDataDir(_) => "export.no_data_dir",
            ExportError::TargetExists(_) => "export.target_exists",
            ExportError::TargetNotEmpty(_) => "export.target_not_empty",
            ExportError::NotAnExport(_) => "export.not_an_export",
            ExportError::BadPath(_) => "export.bad_path",
            ExportError::Locked(_) => "export.locked",
            ExportError::Io { .. } => "export.io",
            ExportError::Sqlite(_) => "export.sqlite",
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ExportError + '_ {
    move |source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What an export or an import carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Carried {
    pub taken_ms: i64,
    pub databases: u64,
    pub files: u64,
}

/// Never exported: what SQLite keeps beside an open database, and files being written.
fn skipped(name: &str) -> bool {
    [".db-wal", ".db-shm", ".db-journal", ".part"]
        .iter()
        .any(|end| name.ends_with(end))
}

fn is_database(name: &str) -> bool {
    name.ends_with(".db")
}

/// Export the data dir `dir` into the new file `to` (the app may be running).
pub fn export(dir: &Path, to: &Path, now_ms: i64) -> Result<Carried, ExportError> {
    if !dir.is_dir() {
        return Err(ExportError::NoDataDir(dir.to_path_buf()));
    }
    if to.exists() {
        return Err(ExportError::TargetExists(to.to_path_buf()));
    }
    let part = part_of(to);
    let _ = std::fs::remove_file(&part);
    let made = write_export(dir, to, &part, now_ms);
    if made.is_err() {
        let _ = std::fs::remove_file(&part);
    }
    made
}

fn write_export(dir: &Path, to: &Path, part: &Path, now_ms: i64) -> Result<Carried, ExportError> {
    let mut files = Vec::new();
    walk(dir, dir, to, &mut files)?;
    let out = Connection::open(part)?;
    out.execute_batch(
        "PRAGMA synchronous = FULL;
         CREATE TABLE export_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
         CREATE TABLE export_files (path TEXT PRIMARY KEY, database INTEGER NOT NULL,
                                    bytes BLOB NOT NULL);",
    )?;
    out.execute(
        "INSERT INTO export_meta (key, value) VALUES ('format', ?1), ('taken_ms', ?2)",
        rusqlite::params![FORMAT, now_ms.to_string()],
    )?;
    let mut carried = Carried {
        taken_ms: now_ms,
        databases: 0,
        files: 0,
    };
    let snapshot = part_of(&part.with_extension("snapshot"));
    for (relative, path) in files {
        let name = relative.rsplit('/').next().unwrap_or_default();
        let database = is_database(name);
        let bytes = if database {
            let _ = std::fs::remove_file(&snapshot);
            snapshot_into(&path, &snapshot)?;
            let bytes = std::fs::read(&snapshot).map_err(io(&snapshot));
            let _ = std::fs::remove_file(&snapshot);
            carried.databases += 1;
            bytes?
        } else {
            carried.files += 1;
            std::fs::read(&path).map_err(io(&path))?
        };
        out.execute(
            "INSERT INTO export_files (path, database, bytes) VALUES (?1, ?2, ?3)",
            rusqlite::params![relative, database, bytes],
        )?;
    }
    drop(out);
    std::fs::File::open(part)
        .and_then(|f| f.sync_all())
        .map_err(io(part))?;
    std::fs::rename(part, to).map_err(io(to))?;
    Ok(carried)
}

/// The database at `db` copied through the online backup API into the new file `to`, in one
/// step (one read transaction), as one self-contained file.
fn snapshot_into(db: &Path, to: &Path) -> Result<(), ExportError> {
    let source = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    source.busy_timeout(std::time::Duration::from_secs(5))?;
    let mut target = Connection::open(to)?;
    {
        let backup = Backup::new(&source, &mut target)?;
        // -1: every page in one step, under one read lock of the source; busy or locked (a
        // checkpoint of the app's writer): try again, for at most 30 s.
        let mut tries = 0;
        while backup.step(-1)? != StepResult::Done {
            tries += 1;
            if tries > 3000 {
                return Err(ExportError::Locked(db.to_path_buf()));
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
    let _mode: String = target.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
    Ok(())
}

/// Every file under `dir` (not the export being written), with its path relative to `root`.
fn walk(
    root: &Path,
    dir: &Path,
    exporting: &Path,
    out: &mut Vec<(String, PathBuf)>,
) -> Result<(), ExportError> {
    let mut entries = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(io(dir))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let kind = entry.file_type().map_err(io(&path))?;
        if kind.is_dir() {
            walk(root, &path, exporting, out)?;
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_target = path == exporting || path == part_of(exporting);
        if !kind.is_file() || skipped(&name) || is_target {
            continue;
        }
        let relative = path
            .strip_prefix(root)
            .map_err(|_| ExportError::BadPath(path.display().to_string()))?
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        out.push((relative, path));
    }
    Ok(())
}

/// Import the export `from` into the data dir `dir` (made if missing; the app not running).
pub fn import(from: &Path, dir: &Path, force: bool) -> Result<Carried, ExportError> {
    let export = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let not_export = || ExportError::NotAnExport(from.to_path_buf());
    let format: Option<String> = export
        .query_row(
            "SELECT value FROM export_meta WHERE key = 'format'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(|_| not_export())?;
    if format.as_deref() != Some(FORMAT) {
        return Err(not_export());
    }
    let taken_ms: i64 = export
        .query_row(
            "SELECT value FROM export_meta WHERE key = 'taken_ms'",
            [],
            |r| r.get::<_, String>(0),
        )?
        .parse()
        .map_err(|_| not_export())?;
    let listed = {
        let mut stmt = export.prepare("SELECT path, database FROM export_files ORDER BY path")?;
        stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?)))?
            .collect::<Result<Vec<_>, _>>()?
    };
    // Every path checked before anything is written.
    for (path, _) in &listed {
        plain(path)?;
    }
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut entries = std::fs::read_dir(dir).map_err(io(dir))?;
    if entries.next().is_some() {
        if !force {
            return Err(ExportError::TargetNotEmpty(dir.to_path_buf()));
        }
        empty(dir)?;
    }
    let mut carried = Carried {
        taken_ms,
        databases: 0,
        files: 0,
    };
    let mut read = export.prepare("SELECT bytes FROM export_files WHERE path = ?1")?;
    for (relative, database) in listed {
        let path = dir.join(plain(&relative)?);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        // One file in memory at a time.
        let bytes: Vec<u8> = read.query_row([&relative], |r| r.get(0))?;
        let part = part_of(&path);
        std::fs::write(&part, &bytes).map_err(io(&part))?;
        std::fs::File::open(&part)
            .and_then(|f| f.sync_all())
            .map_err(io(&part))?;
        std::fs::rename(&part, &path).map_err(io(&path))?;
        if database {
            carried.databases += 1;
        } else {
            carried.files += 1;
        }
    }
    Ok(carried)
}

/// `relative` as a path inside the data dir: normal components only.
fn plain(relative: &str) -> Result<PathBuf, ExportError> {
    let path = Path::new(relative);
    let ok = !relative.is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)));
    if ok {
        Ok(path.to_path_buf())
    } else {
        Err(ExportError::BadPath(relative.to_string()))
    }
}

/// Remove everything inside `dir` (not `dir` itself).
fn empty(dir: &Path) -> Result<(), ExportError> {
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        if path.is_dir() {
            std::fs::remove_dir_all(&path).map_err(io(&path))?;
        } else {
            std::fs::remove_file(&path).map_err(io(&path))?;
        }
    }
    Ok(())
}

fn part_of(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".part");
    PathBuf::from(name)
}

#[cfg(test)]
mod tests;
