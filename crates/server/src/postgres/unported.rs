//! The families of the line's repository not carried over to PostgreSQL yet: calls (V1) and
//! remote sessions (V2). Every method refuses with `postgres.not_yet` (a typed backend error
//! the wire reports as such), so an action of these families fails whole and changes nothing.

use linedesk_line::remote_password::Outcome;
use linedesk_line::{
    CallRecord, CallRepo, Consult, NewCall, NewRemote, RecordingRow, RemoteRecord, RemoteRepo,
    RepoError, TransferLeg,
};
use linedesk_protocol::{CallEndReason, CallQuality, RemoteEndReason, Role};

use super::line_repo::{PgRepo, not_yet};

const CALLS: &str = "calls (V1)";
const REMOTE: &str = "remote sessions (V2)";

impl CallRepo for PgRepo<'_> {
    fn call(&mut self, _call: u64) -> Result<Option<CallRecord>, RepoError> {
        Err(not_yet(CALLS))
    }
    fn live_call(
        &mut self,
        _line: u64,
        _client: u64,
        _specialist: Option<u64>,
    ) -> Result<Option<u64>, RepoError> {
        Err(not_yet(CALLS))
    }
    fn ringing_since(&mut self, _placed_ms: i64) -> Result<Vec<CallRecord>, RepoError> {
        // Nothing rings where no call can be placed: the ring timer finds nothing.
        Ok(Vec::new())
    }
    fn insert_call(&mut self, _call: &NewCall) -> Result<u64, RepoError> {
        Err(not_yet(CALLS))
    }
    fn call_connected(
        &mut self,
        _call: u64,
        _specialist: u64,
        _at_ms: i64,
    ) -> Result<(), RepoError> {
        Err(not_yet(CALLS))
    }
    fn call_connected_at(&mut self, _call: u64) -> Result<Option<i64>, RepoError> {
        Err(not_yet(CALLS))
    }
    fn call_ended(
        &mut self,
        _call: u64,
        _at_ms: i64,
        _reason: CallEndReason,
    ) -> Result<(), RepoError> {
        Err(not_yet(CALLS))
    }
    fn insert_call_stats(
        &mut self,
        _call: u64,
        _party: Role,
        _at_ms: i64,
        _quality: &CallQuality,
    ) -> Result<bool, RepoError> {
        Err(not_yet(CALLS))
    }
    fn recording_sha(&mut self, _call: u64) -> Result<Option<String>, RepoError> {
        Err(not_yet(CALLS))
    }
    fn insert_recording(&mut self, _recording: &RecordingRow) -> Result<(), RepoError> {
        Err(not_yet(CALLS))
    }
    fn insert_transfer_leg(
        &mut self,
        _call: &NewCall,
        _leg: &TransferLeg,
    ) -> Result<u64, RepoError> {
        Err(not_yet(CALLS))
    }
    fn transfer_of(&mut self, _call: u64) -> Result<Option<TransferLeg>, RepoError> {
        Err(not_yet(CALLS))
    }
    fn live_leg(&mut self, _call: u64) -> Result<Option<u64>, RepoError> {
        Err(not_yet(CALLS))
    }
    fn specialist_call(&mut self, _specialist: u64) -> Result<Option<u64>, RepoError> {
        // No call is ever live on this backend yet.
        Ok(None)
    }
    fn insert_consultation(
        &mut self,
        _call: &NewCall,
        _consult: &Consult,
    ) -> Result<u64, RepoError> {
        Err(not_yet(CALLS))
    }
    fn live_consultation(&mut self, _call: u64) -> Result<Option<u64>, RepoError> {
        Err(not_yet(CALLS))
    }
}

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
