//! The calls' part of the repository (V1): the calls, each party's statistics and the
//! recording's row. A backend implements [`CallRepo`]; the rules are in `calls.rs`.

use linedesk_protocol::{CallEndReason, CallQuality, Role};

use crate::error::RepoError;
use crate::subject::Subject;

/// Where a call stands (V1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallStage {
    Ringing,
    Connected,
    Ended,
}

/// A call as stored: its two parties and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    pub id: u64,
    pub line: u64,
    pub client: u64,
    /// The specialist party; `None` while a client's call rings the whole line.
    pub specialist: Option<u64>,
    pub appeal: u64,
    pub from_client: bool,
    pub stage: CallStage,
    /// When the call is a consultation (a specialist-to-specialist call about the client's
    /// call `of`, placed by specialist `by`, ringing `specialist`): the client is no party of
    /// it.
    pub consult: Option<Consult>,
}

/// What a consultation is about and who placed it (A3, consultative transfer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Consult {
    /// The client's call it is about.
    pub of: u64,
    /// The consulting specialist (its caller).
    pub by: u64,
}

impl CallRecord {
    /// The other party of `who`, when `who` is a party and the other one is known.
    pub fn other(&self, who: Subject) -> Option<Subject> {
        if let Some(k) = self.consult {
            return match who.role {
                Role::Specialist if who.id == k.by => self.specialist.map(Subject::specialist),
                Role::Specialist if Some(who.id) == self.specialist => {
                    Some(Subject::specialist(k.by))
                }
                _ => None,
            };
        }
        match who.role {
            Role::Client if who.id == self.client => self.specialist.map(Subject::specialist),
            Role::Specialist if Some(who.id) == self.specialist => {
                Some(Subject::client(self.client))
            }
            _ => None,
        }
    }

    /// Whether `who` is one of the call's parties.
    pub fn is_party(&self, who: Subject) -> bool {
        if let Some(k) = self.consult {
            return who.role == Role::Specialist
                && (who.id == k.by || Some(who.id) == self.specialist);
        }
        match who.role {
            Role::Client => who.id == self.client,
            Role::Specialist => Some(who.id) == self.specialist,
            Role::Admin => false,
        }
    }
}

/// A call as it starts ringing; the backend gives the id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCall {
    pub line: u64,
    pub client: u64,
    pub specialist: Option<u64>,
    pub appeal: u64,
    pub from_client: bool,
    pub placed_ms: i64,
}

/// A recording's row: the bytes are the backend's, kept before this row says they are
/// complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingRow {
    pub call: u64,
    pub bytes: u64,
    pub duration_ms: u64,
    /// The bytes' SHA-256, hex: the same upload again is a duplicate.
    pub sha256: String,
    pub uploaded_by: u64,
    pub uploaded_ms: i64,
}

/// A leg of a call made by a transfer (A3): which call it continues, who handed it over and
/// why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferLeg {
    /// The call (leg) it continues.
    pub of: u64,
    /// The specialist who handed the call over.
    pub by: u64,
    pub reason: String,
}

/// The calls' rows, inside the action's transaction.
pub trait CallRepo {
    fn call(&mut self, call: u64) -> Result<Option<CallRecord>, RepoError>;
    /// The live call (ringing or connected) of `client` on `line`, or of `specialist`.
    fn live_call(
        &mut self,
        line: u64,
        client: u64,
        specialist: Option<u64>,
    ) -> Result<Option<u64>, RepoError>;
    /// The calls still ringing that were placed at or before `placed_ms`, oldest first.
    fn ringing_since(&mut self, placed_ms: i64) -> Result<Vec<CallRecord>, RepoError>;
    /// Insert a ringing call; its id.
    fn insert_call(&mut self, call: &NewCall) -> Result<u64, RepoError>;
    /// The call connected with `specialist` at `at_ms`.
    fn call_connected(&mut self, call: u64, specialist: u64, at_ms: i64) -> Result<(), RepoError>;
    /// When the call connected (`None`: it never did).
    fn call_connected_at(&mut self, call: u64) -> Result<Option<i64>, RepoError>;
    /// The call ended at `at_ms` for `reason`.
    fn call_ended(&mut self, call: u64, at_ms: i64, reason: CallEndReason)
    -> Result<(), RepoError>;
    /// Keep `party`'s statistics of `call`; `false` when that party's are in already.
    fn insert_call_stats(
        &mut self,
        call: u64,
        party: Role,
        at_ms: i64,
        quality: &CallQuality,
    ) -> Result<bool, RepoError>;
    /// The SHA-256 of the call's recording, when one was uploaded.
    fn recording_sha(&mut self, call: u64) -> Result<Option<String>, RepoError>;
    fn insert_recording(&mut self, recording: &RecordingRow) -> Result<(), RepoError>;
    /// Insert a ringing leg continuing `leg.of` (a transfer); its id.
    fn insert_transfer_leg(&mut self, call: &NewCall, leg: &TransferLeg) -> Result<u64, RepoError>;
    /// What `call` continues, when a transfer made it.
    fn transfer_of(&mut self, call: u64) -> Result<Option<TransferLeg>, RepoError>;
    /// The live (ringing) leg a transfer of `call` made, if any.
    fn live_leg(&mut self, call: u64) -> Result<Option<u64>, RepoError>;
    /// The live call (ringing or connected) `specialist` is a party of, if any.
    fn specialist_call(&mut self, specialist: u64) -> Result<Option<u64>, RepoError>;
    /// Insert a ringing consultation about `consult.of` (`call.specialist`: the colleague);
    /// its id.
    fn insert_consultation(&mut self, call: &NewCall, consult: &Consult) -> Result<u64, RepoError>;
    /// The live consultation (ringing or connected) about `call`, if any.
    fn live_consultation(&mut self, call: u64) -> Result<Option<u64>, RepoError>;
    /// Consultation `consultation` became a three-way join at `at_ms` (issue 14).
    fn consultation_joined(&mut self, consultation: u64, at_ms: i64) -> Result<(), RepoError>;
    /// When consultation `consultation` was joined with the client, if it was.
    fn consultation_joined_at(&mut self, consultation: u64) -> Result<Option<i64>, RepoError>;
}
