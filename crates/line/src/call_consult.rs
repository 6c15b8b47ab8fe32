//! A3 for calls, consultative transfer: the specialist of a connected call consults a colleague
//! first, then hands the client over or goes back. The rules are the domain's
//! (`linedesk_domain::call_consult`); this module loads the facts and keeps the consultation,
//! a call row of its own between the two specialists (its own signalling; the client is no
//! party of it and sees none of its events).
//!
//! ```text
//! A, in `call` with the client (the app holds the client): ConsultCall{call, to: B}
//!   -> CallConsulting{call, consultation} (rings B)
//! B: AnswerCall{consultation} -> ConsultationConnected; A offers, B answers, they talk
//! A: HandOverCall{consultation, reason}
//!   -> ConsultationEnded{transferred}, then as a blind transfer answered at once: a leg of
//!      `call` connected with B (CallConnected{leg}), AppealTransferred (A3), CallTransferred
//!      {call, leg} (the client offers anew on `leg`), CallEnded{call, transferred}
//! A or B: HangUp{consultation, hung_up | cancelled | declined | no_answer | failed}
//!   -> ConsultationEnded: A goes back to the client, who never left `call`
//! A: JoinConsultation{consultation} -> ConsultationJoined: the three talk (A's app mixes);
//!   then HandOverCall as above, or HangUp of either call by any of its parties
//! `call` ends meanwhile -> the consultation ends with it (`by`: none), unless it was joined:
//!   then A and B talk on
//! ```
//!
//! A consultation keeps no recording and no statistics: it is the specialists' talk, not the
//! client's conversation (each specialist's part of that is their leg's recording).

use linedesk_domain::appeal::TransferTarget;
use linedesk_domain::call_consult::{self, Consultation, Ending, Party};
use linedesk_domain::call_transfer::CallSide;
use linedesk_domain::ids::SpecialistId;
use linedesk_protocol::{CallEndReason, Event, Role};

use crate::appeals;
use crate::call_repo::{CallRecord, CallStage, Consult, NewCall, TransferLeg};
use crate::error::{LineError, RepoError};
use crate::repo::Repo;
use crate::sla::instant;
use crate::subject::Subject;
use crate::work::{Work, specialist_only};

fn colleague(c: &CallRecord) -> Result<u64, LineError> {
    c.specialist.ok_or_else(|| {
        LineError::Repo(RepoError::new(
            "corrupt",
            format!("consultation {} has no colleague", c.id),
        ))
    })
}

/// `ConsultCall`: the specialist of connected `call` rings colleague `to` on a consultation.
pub(crate) fn consult<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    call: u64,
    to: u64,
) -> Result<(), LineError> {
    let me = specialist_only(actor)?;
    let c = w
        .repo
        .call(call)?
        .ok_or_else(|| LineError::Invalid(format!("no call {call}")))?;
    if c.consult.is_some() {
        return Err(LineError::Invalid(format!(
            "call {call} is a consultation: consult about the client's call"
        )));
    }
    let side = CallSide {
        connected: c.stage == CallStage::Connected,
        asker_in_call: c.specialist == Some(me),
        transferring: w.repo.live_leg(call)?.is_some(),
        consulting: w.repo.live_consultation(call)?.is_some(),
    };
    let receiver = crate::call_transfer::receiver(w, c.line, me, to)?;
    call_consult::may_consult(side, receiver)?;
    let consultation = w.repo.insert_consultation(
        &NewCall {
            line: c.line,
            client: c.client,
            specialist: Some(to),
            appeal: c.appeal,
            // The consulting specialist places it (and offers its media).
            from_client: false,
            placed_ms: w.now_ms,
        },
        &Consult { of: call, by: me },
    )?;
    w.append(
        c.line,
        Event::CallConsulting {
            call,
            consultation,
            appeal: c.appeal,
            client: c.client,
            from: me,
            to,
        },
    )
}

/// `AnswerCall` of a ringing consultation: only the colleague it rings picks it up.
pub(crate) fn answer<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    c: &CallRecord,
    k: Consult,
) -> Result<(), LineError> {
    let me = specialist_only(actor)?;
    let to = colleague(c)?;
    if me != to {
        return Err(LineError::NotAllowed(format!(
            "consultation {} rings another specialist",
            c.id
        )));
    }
    w.repo.call_connected(c.id, me, w.now_ms)?;
    w.append(
        c.line,
        Event::ConsultationConnected {
            call: k.of,
            consultation: c.id,
            appeal: c.appeal,
            client: c.client,
            from: k.by,
            to,
        },
    )
}

/// `HangUp` of a consultation by one of its two specialists, the way the domain lets them.
pub(crate) fn hang_up<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    c: &CallRecord,
    k: Consult,
    reason: CallEndReason,
) -> Result<(), LineError> {
    let party = match actor.role {
        Role::Specialist if actor.id == k.by => Party::Consulting,
        Role::Specialist if Some(actor.id) == c.specialist => Party::Colleague,
        _ => {
            return Err(LineError::NotAllowed(format!(
                "you are not a party of consultation {}",
                c.id
            )));
        }
    };
    if c.stage == CallStage::Ended {
        return Err(LineError::Conflict(format!(
            "consultation {} has ended",
            c.id
        )));
    }
    let ending = match reason {
        CallEndReason::Cancelled => Some(Ending::Cancel),
        CallEndReason::Declined => Some(Ending::Decline),
        CallEndReason::NoAnswer => Some(Ending::NoAnswer),
        CallEndReason::HungUp => Some(Ending::HangUp),
        CallEndReason::Failed => Some(Ending::Fail),
        // Only `HandOverCall` ends a consultation transferred.
        CallEndReason::Transferred => None,
    };
    let answered = c.stage == CallStage::Connected;
    if !ending.is_some_and(|e| call_consult::may_end(answered, party, e)) {
        return Err(LineError::Invalid(format!(
            "{reason:?} does not end a consultation that is {:?} for the {}",
            c.stage,
            match party {
                Party::Consulting => "consulting specialist",
                Party::Colleague => "colleague",
            }
        )));
    }
    end(w, c, k, Some(actor.id), reason)
}

/// `HandOverCall`: the consulting specialist hands the client over to the colleague they
/// talk with. The consultation ends, and a leg of the client's call connects the client with
/// the colleague at once; the rest is a blind transfer's answer (`call_transfer::answered`).
pub(crate) fn hand_over<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    consultation: u64,
    reason: &str,
) -> Result<(), LineError> {
    let me = specialist_only(actor)?;
    let c = w
        .repo
        .call(consultation)?
        .ok_or_else(|| LineError::Invalid(format!("no consultation {consultation}")))?;
    let k = c
        .consult
        .ok_or_else(|| LineError::Invalid(format!("call {consultation} is not a consultation")))?;
    let first = w
        .repo
        .call(k.of)?
        .ok_or_else(|| LineError::Invalid(format!("no call {}", k.of)))?;
    call_consult::may_hand_over(Consultation {
        asker_consults: k.by == me,
        live: c.stage != CallStage::Ended,
        answered: c.stage == CallStage::Connected,
        call_connected: first.stage == CallStage::Connected && first.specialist == Some(me),
    })?;
    let to = colleague(&c)?;
    // A3: the appeal goes with the client; its own rules (holder, reason) are asked on a copy
    // first, so a hand-over that could not move the appeal changes nothing.
    let row = w.open_appeal(first.appeal)?;
    let reason = reason.trim();
    appeals::restore(&row)?.transfer(
        SpecialistId(me),
        TransferTarget::Colleague(SpecialistId(to)),
        reason,
        instant(w.now_ms)?,
    )?;
    end(w, &c, k, Some(me), CallEndReason::Transferred)?;
    let leg = w.repo.insert_transfer_leg(
        &NewCall {
            line: first.line,
            client: first.client,
            specialist: Some(to),
            appeal: first.appeal,
            // The client places the leg's media, as in a blind transfer.
            from_client: true,
            placed_ms: w.now_ms,
        },
        &TransferLeg {
            of: first.id,
            by: me,
            reason: reason.to_string(),
        },
    )?;
    w.repo.call_connected(leg, to, w.now_ms)?;
    w.append(
        first.line,
        Event::CallConnected {
            call: leg,
            appeal: first.appeal,
            client: first.client,
            specialist: to,
        },
    )?;
    let leg = w
        .repo
        .call(leg)?
        .ok_or_else(|| LineError::Repo(RepoError::new("corrupt", "the new leg is gone")))?;
    crate::call_transfer::answered(w, &leg, to)
}

/// `JoinConsultation`: the consulting specialist brings the client into the consultation
/// they hold with the colleague (issue 14): the three talk, the specialist's app mixing.
pub(crate) fn join<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    consultation: u64,
) -> Result<(), LineError> {
    let me = specialist_only(actor)?;
    let c = w
        .repo
        .call(consultation)?
        .ok_or_else(|| LineError::Invalid(format!("no consultation {consultation}")))?;
    let k = c
        .consult
        .ok_or_else(|| LineError::Invalid(format!("call {consultation} is not a consultation")))?;
    let first = w
        .repo
        .call(k.of)?
        .ok_or_else(|| LineError::Invalid(format!("no call {}", k.of)))?;
    let joined = w.repo.consultation_joined_at(c.id)?.is_some();
    call_consult::may_join(
        Consultation {
            asker_consults: k.by == me,
            live: c.stage != CallStage::Ended,
            answered: c.stage == CallStage::Connected,
            call_connected: first.stage == CallStage::Connected && first.specialist == Some(me),
        },
        joined,
    )?;
    let to = colleague(&c)?;
    w.repo.consultation_joined(c.id, w.now_ms)?;
    w.append(
        c.line,
        Event::ConsultationJoined {
            call: k.of,
            consultation: c.id,
            appeal: c.appeal,
            client: c.client,
            from: me,
            to,
        },
    )
}

/// The client's `call` ended: a consultation about it still on ends with it, unless it was
/// joined (the two specialists talk on).
pub(crate) fn call_ended<R: Repo>(w: &mut Work<'_, R>, call: &CallRecord) -> Result<(), LineError> {
    let Some(id) = w.repo.live_consultation(call.id)? else {
        return Ok(());
    };
    let Some(c) = w.repo.call(id)? else {
        return Ok(());
    };
    let Some(k) = c.consult else {
        return Ok(());
    };
    if !call_consult::ends_with_call(w.repo.consultation_joined_at(id)?.is_some()) {
        return Ok(());
    }
    let reason = match c.stage {
        CallStage::Connected => CallEndReason::HungUp,
        _ => CallEndReason::Cancelled,
    };
    end(w, &c, k, None, reason)
}

/// The consultation `c` ends now, `by` a specialist (or the line), for `reason`.
pub(crate) fn end<R: Repo>(
    w: &mut Work<'_, R>,
    c: &CallRecord,
    k: Consult,
    by: Option<u64>,
    reason: CallEndReason,
) -> Result<(), LineError> {
    let to = colleague(c)?;
    let connected_at = w.repo.call_connected_at(c.id)?;
    w.repo.call_ended(c.id, w.now_ms, reason)?;
    w.append(
        c.line,
        Event::ConsultationEnded {
            call: k.of,
            consultation: c.id,
            appeal: c.appeal,
            client: c.client,
            from: k.by,
            to,
            by,
            reason,
            connected_ms: connected_at.map(|t| (w.now_ms - t).max(0)),
        },
    )
}
