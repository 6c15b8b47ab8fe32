//! The remote sessions' part of the repository (V2): the sessions, the client's session
//! password (its hash; hashing and verifying are the caller's, outside any lock) and the
//! attempts at it. A backend implements [`RemoteRepo`]; the rules are in `remote_sessions.rs`
//! and `remote_password.rs`.

use linedesk_protocol::{RemoteEndReason, RemoteMode, Role};

use crate::error::RepoError;
use crate::remote_password::Outcome;
use crate::subject::Subject;

/// Where a remote session stands (V2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteStage {
    /// Asked by request; the client has not answered.
    Requested,
    /// Accepted, or the password matched: its signalling is relayed.
    Started,
    Ended,
}

/// A remote session as stored: its two parties and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteRecord {
    pub id: u64,
    pub line: u64,
    pub client: u64,
    pub specialist: u64,
    pub appeal: u64,
    pub mode: RemoteMode,
    pub stage: RemoteStage,
    /// When it started (ms since the epoch), for its duration.
    pub started_ms: Option<i64>,
}

impl RemoteRecord {
    /// Whether `who` is one of the session's parties.
    pub fn is_party(&self, who: Subject) -> bool {
        who == Subject::client(self.client) || who == Subject::specialist(self.specialist)
    }

    /// The other party of `who` (`None` when `who` is not a party).
    pub fn other(&self, who: Subject) -> Option<Subject> {
        if who == Subject::client(self.client) {
            Some(Subject::specialist(self.specialist))
        } else if who == Subject::specialist(self.specialist) {
            Some(Subject::client(self.client))
        } else {
            None
        }
    }
}

/// A session as it is asked for; the backend gives the id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRemote {
    pub line: u64,
    pub client: u64,
    pub specialist: u64,
    pub appeal: u64,
    pub mode: RemoteMode,
    pub requested_ms: i64,
}

/// The remote sessions' rows, inside the action's transaction.
pub trait RemoteRepo {
    fn remote_session(&mut self, session: u64) -> Result<Option<RemoteRecord>, RepoError>;
    /// The client's session that has not ended, if any.
    fn live_remote_session(&mut self, client: u64) -> Result<Option<RemoteRecord>, RepoError>;
    /// The sessions still waiting for the client's answer that were asked for at or before
    /// `requested_ms`, oldest first.
    fn requested_since(&mut self, requested_ms: i64) -> Result<Vec<RemoteRecord>, RepoError>;
    /// Insert a requested session; its id.
    fn insert_remote_session(&mut self, session: &NewRemote) -> Result<u64, RepoError>;
    fn remote_started(&mut self, session: u64, at_ms: i64) -> Result<(), RepoError>;
    fn remote_ended(
        &mut self,
        session: u64,
        at_ms: i64,
        by: Role,
        reason: RemoteEndReason,
    ) -> Result<(), RepoError>;
    /// A specialist's display name (`None`: no such specialist).
    fn specialist_name(&mut self, specialist: u64) -> Result<Option<String>, RepoError>;
    /// A line's name (`None`: no such line).
    fn line_name(&mut self, line: u64) -> Result<Option<String>, RepoError>;

    /// Set (`Some(hash)`, valid from `at_ms`) or clear the client's session password.
    fn set_remote_password(
        &mut self,
        client: u64,
        hash: Option<&str>,
        at_ms: i64,
    ) -> Result<(), RepoError>;
    /// The client's session password hash and when it was set (`None`: none set).
    fn remote_password(&mut self, client: u64) -> Result<Option<(String, i64)>, RepoError>;
    /// When `specialist`'s attempts for `client` after `since_ms` that count as failures
    /// (`wrong`, and `pending` ones not settled yet) were made.
    fn password_failures(
        &mut self,
        specialist: u64,
        client: u64,
        since_ms: i64,
    ) -> Result<Vec<i64>, RepoError>;
    /// Keep one attempt; its id.
    fn insert_password_attempt(
        &mut self,
        specialist: u64,
        client: u64,
        at_ms: i64,
        outcome: Outcome,
    ) -> Result<u64, RepoError>;
    /// Settle a reserved attempt.
    fn settle_password_attempt(&mut self, attempt: u64, outcome: Outcome) -> Result<(), RepoError>;
}
