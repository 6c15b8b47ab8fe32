//! Issue 18: a call through the company's PBX, kept on the client's appeal like a line call.
//! The SIP and the media never pass here (the specialist's app talks to the PBX); once the
//! call ended, the app says it took place (`LogPbxCall`): the client's open appeal, or a new
//! one routed to this specialist first (A1/A2), gets the call, stored ended, so that its
//! recording is uploaded and attached as a line call's (`calls::may_record`).

use linedesk_protocol::{AppealChannel, CallEndReason, Event, MAX_PBX_CALL_MS};

use crate::call_repo::NewCall;
use crate::error::LineError;
use crate::repo::Repo;
use crate::subject::Subject;
use crate::work::{Work, specialist_only};

/// What one `LogPbxCall` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PbxCall {
    pub line: u64,
    pub client: u64,
    /// The client called (else the specialist did).
    pub inbound: bool,
    /// How long they talked, up to now.
    pub connected_ms: u64,
}

/// `LogPbxCall`: the call is on the client's appeal (opened or reused, A1), connected
/// `connected_ms` before now and ended now. No C9 confirmation: the call took place already,
/// and its record must not be lost because a colleague holds the appeal.
pub(crate) fn log<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    key: &str,
    call: PbxCall,
) -> Result<(), LineError> {
    let me = specialist_only(actor)?;
    if call.connected_ms > MAX_PBX_CALL_MS {
        return Err(LineError::Invalid(format!(
            "a PBX call of {} ms: at most {MAX_PBX_CALL_MS}",
            call.connected_ms
        )));
    }
    w.may_contact(me, call.line, call.client)?;
    let appeal = w.appeal_from_specialist(call.line, call.client, AppealChannel::Call, me)?;
    // S2: talking to the client is an answer, whoever called.
    crate::sla_timers::react(&mut w.repo, appeal, w.now_ms)?;
    // Bounded by MAX_PBX_CALL_MS above, so it fits.
    let talked = i64::try_from(call.connected_ms).unwrap_or(i64::MAX);
    let connected_at = w.now_ms.saturating_sub(talked);
    let id = w.repo.insert_call(&NewCall {
        line: call.line,
        client: call.client,
        specialist: Some(me),
        appeal,
        from_client: call.inbound,
        placed_ms: connected_at,
    })?;
    w.repo.call_connected(id, me, connected_at)?;
    w.repo.call_ended(id, w.now_ms, CallEndReason::HungUp)?;
    w.append(
        call.line,
        Event::PbxCallLogged {
            call: id,
            appeal,
            client: call.client,
            specialist: me,
            inbound: call.inbound,
            connected_ms: call.connected_ms,
            key: Some(key.to_string()),
        },
    )
}
