//! The Linedesk app's local database: one SQLite file (bundled SQLite, WAL, FTS5).
//!
//! ```no_run
//! # fn main() -> Result<(), linedesk_store::StoreError> {
//! let store = linedesk_store::Store::open(std::path::Path::new("/tmp/linedesk.db"))?;
//! linedesk_store::demo::seed_if_empty(&store, 1_764_000_000_000)?;
//! let line = &store.lines()?[0];
//! let list = store.client_list(line.id, 1_764_000_000_000)?;
//! # Ok(()) }
//! ```
//!
//! - [`Store::open`] creates the file if missing and applies the numbered migrations of
//!   `migrations/` in one transaction. A file that is not a database, is corrupt, was written
//!   by a newer build or has an edited migration is refused with a typed [`StoreError`] and is
//!   never modified.
//! - Everything the line server must learn (a message, a presence change) is written with an
//!   outbox row in the same transaction ([`Store::outbox_pending`]): the UI shows it at once,
//!   and nothing is lost if the app dies before it is sent.
//! - Times are unix milliseconds (`i64`), passed in by the caller: the store reads no clock.
//! - The demo line ([`demo`]) is the one place where data is invented; the line server
//!   replaces it.

pub mod data_export;
pub mod demo;
mod error;
pub mod migrate;

pub mod appeal_list;
pub mod appeal_notes;
pub mod appeal_types;
pub mod appeals;
pub mod call_quality;
mod chat;
mod client_index;
mod clients;
pub mod colleague_profile;
pub mod collision;
pub mod files;
pub mod groups;
pub mod notices;
mod outbox;
mod presence;
mod profile;
pub mod reference;
pub mod remote_sessions;
pub mod replica;
pub mod search_query;
mod settings;
pub mod sip_account;
pub mod staff_help;
mod ticket_actions;
pub mod tickets;
mod voice_processing;
mod waiting;

use std::io::Read;
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

pub use appeal_list::{AppealListFilter, AppealListStatus, AppealRecord};
pub use appeal_notes::{AppealNote, AppealNoteChange};
pub use call_quality::{CallQualityChange, CallQualityEntry};
pub use chat::{Author, Message, MessageHit, MessageStatus};
pub use clients::{ClientCard, ClientList, ClientRow, CompanyCard, Line};
pub use collision::ColleagueHold;
pub use error::StoreError;
pub use files::{ChatFile, PendingUpload, UploadRow};
pub use outbox::OutboxItem;
pub use profile::Profile;
pub use reference::{KbArticle, QuickReply, ReplyFile};
pub use remote_sessions::RemoteSessionEntry;
pub use replica::{CallEntry, Colleague, RecordingGapEntry};
pub use settings::{Language, Settings};
pub use sip_account::SipAccountRow;
pub use tickets::{TicketHistoryRow, TicketQueue, TicketRow, TicketView};
pub use voice_processing::VoiceProcessing;

use error::Result;

pub struct Store {
    conn: Connection,
}

const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

impl Store {
    /// Open (creating if missing) the database at `path` and bring it to the latest schema.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_at_version(path, migrate::latest_version())
    }

    /// Open and migrate only up to `version`: for tests of migrating old databases forward.
    #[doc(hidden)]
    pub fn open_at_version(path: &Path, version: i64) -> Result<Store> {
        refuse_non_database(path)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )?;
        let damaged = |err: rusqlite::Error| StoreError::Damaged {
            path: path.to_path_buf(),
            detail: err.to_string(),
        };
        // The index of names is ordered by this collation: checking it needs it.
        clients::register_collation(&conn)?;
        // Read-only checks first: nothing is written to a file we are going to refuse.
        let integrity: String = conn
            .query_row("PRAGMA quick_check", [], |row| row.get(0))
            .map_err(damaged)?;
        if integrity != "ok" {
            return Err(StoreError::Damaged {
                path: path.to_path_buf(),
                detail: integrity,
            });
        }
        migrate::check(&conn)?;
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        let store = Store::prepare(conn, version)?;
        // Groups written in before migration 23: their messages are in the clients list.
        if version >= 28 {
            groups::show_earlier_in_list(&store.conn)?;
        }
        // Stopped in the middle of a first sync: the clients so far are found from the start.
        if version >= 33 {
            store.catch_up_client_index()?;
        }
        Ok(store)
    }

    pub fn open_in_memory() -> Result<Store> {
        Store::prepare(Connection::open_in_memory()?, migrate::latest_version())
    }

    fn prepare(mut conn: Connection, version: i64) -> Result<Store> {
        // A page cache of up to 64 MiB (SQLite's default is 2 MiB): at 100,000 clients the
        // name index's pages were read back from the OS at every insert of a first sync
        // (16.5 -> 11.6 s under load, BENCHMARKS.md). Memory is taken only as pages are read.
        conn.execute_batch(
            "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;
             PRAGMA cache_size = -65536;",
        )?;
        clients::register_collation(&conn)?;
        migrate::migrate(&mut conn, version)?;
        Ok(Store { conn })
    }

    /// The schema version this database is at.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )?)
    }
}

/// The collation (`ru_ci`) the store's name indexes are ordered by, on a connection to a store
/// file opened outside [`Store`]: for tests that build an older store by hand.
#[doc(hidden)]
pub fn register_collation(conn: &Connection) -> rusqlite::Result<()> {
    clients::register_collation(conn)
}

/// A non-empty file that does not start with SQLite's header is damaged: refuse it untouched.
fn refuse_non_database(path: &Path) -> Result<()> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(err.into()),
    };
    let mut header = [0u8; 16];
    let mut read = 0;
    while read < header.len() {
        match file.read(&mut header[read..])? {
            0 => break,
            n => read += n,
        }
    }
    if read == 0 || &header == SQLITE_HEADER {
        return Ok(());
    }
    Err(StoreError::Damaged {
        path: path.to_path_buf(),
        detail: "the file is not a SQLite database (wrong header)".into(),
    })
}
