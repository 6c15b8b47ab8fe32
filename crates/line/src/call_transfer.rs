//! A3 for calls (seed 000: calls and appeals move between specialists): a blind transfer of a
//! connected call to a colleague. The rules of who may receive it are the domain's
//! (`linedesk_domain::call_transfer`); this module loads the facts and keeps the legs.
//!
//! ```text
//! TransferCall{call, to, reason}  (A talks with the client on `call`)
//!   -> CallTransferring{call, leg}, CallRinging{leg, specialist: to, from: client}
//!      the client stays with A on `call`; the leg rings the colleague's app like a client's call
//! colleague: AnswerCall{leg}
//!   -> CallConnected{leg}, AppealTransferred (A3, `reason`), CallTransferred{call, leg},
//!      CallEnded{call, transferred}: the client negotiates anew on `leg` as its caller
//! colleague: HangUp{leg, declined} | A: HangUp{leg, cancelled | no_answer}
//!   -> CallEnded{leg}: the call stays with A, who never left it
//! either party of `call` hangs up meanwhile -> the leg ends `cancelled` with it
//! ```
//!
//! Each leg is a call of its own: its signalling, each party's statistics and its recording
//! (uploaded by the leg's specialist) are the leg's, and the legs of one conversation are
//! linked by `TransferLeg::of`, so their recordings together cover it.

use linedesk_domain::appeal::TransferTarget;
use linedesk_domain::call_transfer::{self, CallSide, Receiver};
use linedesk_domain::ids::SpecialistId;
use linedesk_protocol::{CallEndReason, Event, Role};

use crate::appeals;
use crate::call_repo::{CallRecord, CallStage, NewCall, TransferLeg};
use crate::error::LineError;
use crate::repo::Repo;
use crate::sla::instant;
use crate::subject::Subject;
use crate::work::{Work, specialist_only};

/// `TransferCall`: the specialist of connected `call` rings colleague `to` on a new leg.
pub(crate) fn transfer<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    call: u64,
    to: u64,
    reason: &str,
) -> Result<(), LineError> {
    let me = specialist_only(actor)?;
    let c = w
        .repo
        .call(call)?
        .ok_or_else(|| LineError::Invalid(format!("no call {call}")))?;
    if c.consult.is_some() {
        return Err(LineError::Invalid(format!(
            "call {call} is a consultation: transfer the client's call"
        )));
    }
    let side = CallSide {
        connected: c.stage == CallStage::Connected,
        asker_in_call: c.specialist == Some(me),
        transferring: w.repo.live_leg(call)?.is_some(),
        consulting: w.repo.live_consultation(call)?.is_some(),
    };
    let receiver = receiver(w, c.line, me, to)?;
    call_transfer::may_transfer(side, receiver)?;
    // A3: the appeal goes with the call; its own rules (holder, reason) are asked now, on a
    // copy, so a transfer that could not hand the appeal over never rings anyone.
    let row = w.open_appeal(c.appeal)?;
    let reason = reason.trim();
    appeals::restore(&row)?.transfer(
        SpecialistId(me),
        TransferTarget::Colleague(SpecialistId(to)),
        reason,
        instant(w.now_ms)?,
    )?;
    let leg = w.repo.insert_transfer_leg(
        &NewCall {
            line: c.line,
            client: c.client,
            specialist: Some(to),
            appeal: c.appeal,
            // The client places the new leg's media (it offers), as the transferred party
            // does in SIP.
            from_client: true,
            placed_ms: w.now_ms,
        },
        &TransferLeg {
            of: call,
            by: me,
            reason: reason.to_string(),
        },
    )?;
    w.append(
        c.line,
        Event::CallTransferring {
            call,
            leg,
            appeal: c.appeal,
            client: c.client,
            from: me,
            to,
        },
    )?;
    w.append(
        c.line,
        Event::CallRinging {
            call: leg,
            appeal: c.appeal,
            client: c.client,
            specialist: Some(to),
            from: Role::Client,
            key: None,
        },
    )
}

/// Colleague `to` as the line knows them when `me` would hand them a call of `line`.
pub(crate) fn receiver<R: Repo>(
    w: &mut Work<'_, R>,
    line: u64,
    me: u64,
    to: u64,
) -> Result<Receiver, LineError> {
    let presence = match w.serves(to, line)? {
        true => w
            .dispatcher(line)
            .specialist(SpecialistId(to))
            .map(|s| s.presence),
        false => None,
    };
    Ok(Receiver {
        is_asker: to == me,
        presence,
        in_call: w.repo.specialist_call(to)?.is_some(),
    })
}

/// The transferring specialist of a ringing `leg` may end it (`cancelled`, `no_answer` when
/// its ring time is up, or `failed`), though not a party of it: the leg's caller side.
pub(crate) fn transferrer_of<R: Repo>(
    w: &mut Work<'_, R>,
    leg: &CallRecord,
    actor: Subject,
) -> Result<bool, LineError> {
    if actor.role != Role::Specialist || leg.stage != CallStage::Ringing {
        return Ok(false);
    }
    Ok(w.repo
        .transfer_of(leg.id)?
        .is_some_and(|t| t.by == actor.id))
}

/// Leg `leg` was answered by `specialist` (its `CallConnected` is appended): when a transfer
/// made it, the appeal moves (A3), the client is told to go on there, and the call it
/// continues ends `transferred`.
pub(crate) fn answered<R: Repo>(
    w: &mut Work<'_, R>,
    leg: &CallRecord,
    specialist: u64,
) -> Result<(), LineError> {
    let Some(t) = w.repo.transfer_of(leg.id)? else {
        return Ok(());
    };
    let first = w
        .repo
        .call(t.of)?
        .filter(|c| c.stage == CallStage::Connected)
        .ok_or_else(|| LineError::Conflict(format!("call {} has ended", t.of)))?;
    // The appeal follows when the transferring specialist still holds it (they may have
    // handed it on by hand meanwhile: then it stays where it went).
    if w.open_appeal(first.appeal)?.holder == Some(t.by) {
        appeals::transfer(
            w,
            Subject::specialist(t.by),
            first.appeal,
            Some(specialist),
            None,
            &t.reason,
        )?;
    }
    w.append(
        first.line,
        Event::CallTransferred {
            call: first.id,
            leg: leg.id,
            appeal: first.appeal,
            client: first.client,
            from: t.by,
            to: specialist,
        },
    )?;
    crate::calls::record_end(w, &first, Role::Specialist, CallEndReason::Transferred)
}

/// `call` ended: a leg of it still ringing ends `cancelled` with it.
pub(crate) fn call_ended<R: Repo>(
    w: &mut Work<'_, R>,
    call: &CallRecord,
    by: Role,
) -> Result<(), LineError> {
    let Some(leg) = w.repo.live_leg(call.id)? else {
        return Ok(());
    };
    match w.repo.call(leg)? {
        Some(leg) => crate::calls::record_end(w, &leg, by, CallEndReason::Cancelled),
        None => Ok(()),
    }
}
