//! The store's one error type.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The file is not a SQLite database, or SQLite finds it corrupt. It was not modified.
    #[error("the database file {path} is damaged: {detail}")]
    Damaged { path: PathBuf, detail: String },
    /// The database has migrations this build does not know: it was written by a newer app.
    #[error("the database is at schema version {found}, newer than this build knows ({known})")]
    NewerThanKnown { found: i64, known: i64 },
    /// A migration applied to this database differs from the one shipped with this build.
    #[error("migration {version} ({name}) differs from the one applied to this database")]
    MigrationChanged { version: i64, name: String },
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: i64 },
    #[error("invalid {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    /// A stable code for logs and boundaries.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Damaged { .. } => "store.damaged",
            StoreError::NewerThanKnown { .. } => "store.newer_than_known",
            StoreError::MigrationChanged { .. } => "store.migration_changed",
            StoreError::NotFound { .. } => "store.not_found",
            StoreError::Invalid { .. } => "store.invalid",
            StoreError::Sqlite(_) => "store.sqlite",
            StoreError::Io(_) => "store.io",
        }
    }

    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> StoreError {
        StoreError::Invalid {
            field,
            reason: reason.into(),
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;
