//! The SQLite side of the widget's guests (K1) and of the KB articles the line's rules read:
//! a guest is a `clients` row marked `guest` with the login `guest-<id>` and no password
//! (so no password login, but the admin's revoke and disable find it), and their first token
//! is kept in the same transaction as the card and its `ClientUpserted`.

use linedesk_line::{GuestRepo, KbArticleRepo, RepoError};
use linedesk_protocol::{ClientProfile, GuestSignIn};
use rusqlite::{Connection, OptionalExtension, params};

use super::line_repo::{SqliteRepo, run};
use super::{Inner, account_admin, batch, id, sql_id};
use crate::storage::{StorageError, StoredEvent, Subject};

impl GuestRepo for SqliteRepo<'_> {
    fn line_exists(&mut self, line: u64) -> Result<bool, RepoError> {
        run(|| {
            Ok(self
                .tx
                .prepare_cached("SELECT 1 FROM lines WHERE id = ?1")?
                .query_row([sql_id(line)], |r| r.get::<_, i64>(0))
                .optional()?
                .is_some())
        })
    }

    fn insert_guest(&mut self, line: u64, profile: &ClientProfile) -> Result<u64, RepoError> {
        run(|| {
            self.tx.execute(
                "INSERT INTO clients (line_id, name, email, phone, guest) VALUES (?1, ?2, ?3, ?4, 1)",
                params![sql_id(line), profile.name, profile.email, profile.phone],
            )?;
            let client = self.tx.last_insert_rowid();
            // Logins are unique across accounts: a specialist or admin who already has this
            // one leaves the guest without a login (still a client; only the revoke and
            // disable by login cannot name them).
            self.tx.execute(
                "UPDATE clients SET login = 'guest-' || id WHERE id = ?1
                 AND NOT EXISTS (SELECT 1 FROM specialists WHERE login = 'guest-' || ?1)
                 AND NOT EXISTS (SELECT 1 FROM admins WHERE login = 'guest-' || ?1)",
                [client],
            )?;
            Ok(id(client))
        })
    }
}

impl KbArticleRepo for SqliteRepo<'_> {
    fn kb_article_title(&mut self, line: u64, article: u64) -> Result<Option<String>, RepoError> {
        run(|| {
            self.tx
                .prepare_cached("SELECT title FROM kb_articles WHERE id = ?1 AND line_id = ?2")?
                .query_row(params![sql_id(article), sql_id(line)], |r| r.get(0))
                .optional()
        })
    }
}

/// Add the guest of `sign_in` by the line's rules and keep their first token (`token_hash`,
/// until `expires_ms`), in one transaction; the guest and the events for the hub.
pub(super) fn add_guest(
    inner: &mut Inner,
    sign_in: &GuestSignIn,
    token_hash: &str,
    expires_ms: i64,
    now_ms: i64,
) -> Result<(Subject, Vec<StoredEvent>), StorageError> {
    batch::in_work(inner, now_ms, |w| {
        let client = linedesk_line::register_guest(w, sign_in)?;
        let subject = Subject::client(client);
        if !account_admin::issue_token(w.repo.tx, token_hash, subject, expires_ms)? {
            return Err(StorageError::Invalid(
                "the guest could not be signed in".into(),
            ));
        }
        Ok(subject)
    })
}

/// Whether `client` is a guest (no such client: not one).
pub(super) fn is_guest(conn: &Connection, client: u64) -> Result<bool, StorageError> {
    Ok(conn
        .prepare_cached("SELECT guest FROM clients WHERE id = ?1")?
        .query_row([sql_id(client)], |r| r.get::<_, bool>(0))
        .optional()?
        .unwrap_or(false))
}
