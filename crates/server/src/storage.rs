//! What the server keeps, behind a trait so a PostgreSQL backend can follow without touching
//! the handlers. Every write is durable when the call returns.

use linedesk_protocol::{Action, Event};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: u64,
    pub login: String,
    pub password_hash: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub line: u64,
    pub seq: u64,
    pub at_ms: i64,
    pub event: Event,
}

/// The outcome of an idempotent action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Applied now; these events were appended.
    Done(Vec<StoredEvent>),
    /// The key was applied before; nothing changed.
    Duplicate,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    #[error("line {0} is not served by this specialist")]
    Forbidden(u64),
    #[error("{0}")]
    Invalid(String),
    #[error("{what} {name:?} already exists")]
    Exists { what: &'static str, name: String },
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the stored event is unreadable: {0}")]
    Corrupt(String),
    #[error("the database file: {0}")]
    Io(#[from] std::io::Error),
    #[error("the database schema is at version {found}, newer than this server ({known})")]
    NewerThanKnown { found: i64, known: i64 },
}

pub trait Storage: Send + Sync + 'static {
    fn add_line(&self, name: &str) -> Result<u64, StorageError>;
    fn add_client(&self, line: u64, name: &str) -> Result<u64, StorageError>;
    fn add_specialist(
        &self,
        login: &str,
        password_hash: &str,
        name: &str,
    ) -> Result<u64, StorageError>;
    fn serve_line(&self, specialist: u64, line: u64) -> Result<(), StorageError>;
    fn account_by_login(&self, login: &str) -> Result<Option<Account>, StorageError>;
    fn lines_of(&self, specialist: u64) -> Result<Vec<u64>, StorageError>;
    fn save_token(
        &self,
        token_hash: &str,
        specialist: u64,
        expires_ms: i64,
    ) -> Result<(), StorageError>;
    fn token_owner(&self, token_hash: &str, now_ms: i64) -> Result<Option<u64>, StorageError>;
    /// Validate and apply `action` of `specialist` once per `key`, appending its events.
    fn apply(
        &self,
        specialist: u64,
        key: &str,
        action: &Action,
        now_ms: i64,
    ) -> Result<Applied, StorageError>;
    /// Events of `line` with `seq > after`, in order, at most `limit`.
    fn events_after(
        &self,
        line: u64,
        after: u64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StorageError>;
}
