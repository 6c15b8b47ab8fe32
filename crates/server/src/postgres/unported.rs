//! The family of the line's repository not carried over to PostgreSQL yet: remote sessions
//! (V2). Every method refuses with `postgres.not_yet` (a typed backend error
//! the wire reports as such), so an action of these families fails whole and changes nothing.

use linedesk_line::remote_password::Outcome;
use linedesk_line::{NewRemote, RemoteRecord, RemoteRepo, RepoError};
use linedesk_protocol::{RemoteEndReason, Role};

use super::line_repo::{PgRepo, not_yet};

const REMOTE: &str = "remote sessions (V2)";

impl RemoteRepo for PgRepo<'_> {
    fn remote_session(&mut self, _session: u64) -> Result<Option<RemoteRecord>, RepoError> {
        Err(not_yet(REMOTE))
    }
    fn live_remote_session(&mut self, _client: u64) -> Result<Option<RemoteRecord>, RepoError> {
        Err(not_yet(REMOTE))
    }
    fn requested_since(&mut self, _requested_ms: i64) -> Result<Vec<RemoteRecord>, RepoError> {
        // Nothing is requested where no session can be: the ring timer finds nothing.
        Ok(Vec::new())
    }
    fn insert_remote_session(&mut self, _session: &NewRemote) -> Result<u64, RepoError> {
        Err(not_yet(REMOTE))
    }
    fn remote_started(&mut self, _session: u64, _at_ms: i64) -> Result<(), RepoError> {
        Err(not_yet(REMOTE))
    }
    fn remote_ended(
        &mut self,
        _session: u64,
        _at_ms: i64,
        _by: Role,
        _reason: RemoteEndReason,
    ) -> Result<(), RepoError> {
        Err(not_yet(REMOTE))
    }
    fn specialist_name(&mut self, _specialist: u64) -> Result<Option<String>, RepoError> {
        Err(not_yet(REMOTE))
    }
    fn line_name(&mut self, _line: u64) -> Result<Option<String>, RepoError> {
        Err(not_yet(REMOTE))
    }
    fn set_remote_password(
        &mut self,
        _client: u64,
        _hash: Option<&str>,
        _at_ms: i64,
    ) -> Result<(), RepoError> {
        Err(not_yet(REMOTE))
    }
    fn remote_password(&mut self, _client: u64) -> Result<Option<(String, i64)>, RepoError> {
        Err(not_yet(REMOTE))
    }
    fn password_failures(
        &mut self,
        _specialist: u64,
        _client: u64,
        _since_ms: i64,
    ) -> Result<Vec<i64>, RepoError> {
        Err(not_yet(REMOTE))
    }
    fn insert_password_attempt(
        &mut self,
        _specialist: u64,
        _client: u64,
        _at_ms: i64,
        _outcome: Outcome,
    ) -> Result<u64, RepoError> {
        Err(not_yet(REMOTE))
    }
    fn settle_password_attempt(
        &mut self,
        _attempt: u64,
        _outcome: Outcome,
    ) -> Result<(), RepoError> {
        Err(not_yet(REMOTE))
    }
}
