//! Calls (V1) as actions: placing one opens or reuses the client's appeal (A1) through the
//! line's routing (A2), answering fixes both parties, hanging up says who and why; each party
//! reports its statistics once, and the specialist's recording is attached to the appeal.
//! The media never passes here; the server relays the WebRTC signalling in memory.

use linedesk_domain::call_quality::{self, CodecImpairment, Measured};
use linedesk_protocol::{AppealChannel, CallEndReason, CallQuality, Event, RecordingGap, Role};

use crate::call_repo::{CallRecord, CallStage, NewCall, RecordingRow};
use crate::error::{LineError, RepoError};
use crate::repo::Repo;
use crate::subject::Subject;
use crate::work::{Work, specialist_only};

fn known<R: Repo>(w: &mut Work<'_, R>, call: u64) -> Result<CallRecord, LineError> {
    w.repo
        .call(call)?
        .ok_or_else(|| LineError::Invalid(format!("no call {call}")))
}

fn not_busy<R: Repo>(
    w: &mut Work<'_, R>,
    line: u64,
    client: u64,
    specialist: Option<u64>,
) -> Result<(), LineError> {
    match w.repo.live_call(line, client, specialist)? {
        Some(busy) => Err(LineError::Conflict(format!("call {busy} is still on"))),
        None => Ok(()),
    }
}

/// `PlaceCall`: a specialist calls a client of a line they serve, or a client calls their line.
/// C9: a specialist calls a client whose appeal a colleague holds only when `confirmed`.
pub(crate) fn place<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    key: &str,
    line: u64,
    client: Option<u64>,
    confirmed: bool,
) -> Result<(), LineError> {
    let (client, appeal, specialist) = match (actor.role, client) {
        (Role::Specialist, Some(client)) => {
            w.may_contact(actor.id, line, client)?;
            w.past_colleague_hold(actor.id, line, client, confirmed)?;
            not_busy(w, line, client, Some(actor.id))?;
            // A1: the call opens an appeal, routed to the caller first (A2).
            let appeal = w.appeal_from_specialist(line, client, AppealChannel::Call, actor.id)?;
            // S2: a call to the client is an answer.
            crate::sla_timers::react(&mut w.repo, appeal, w.now_ms)?;
            (client, appeal, Some(actor.id))
        }
        (Role::Client, None) => {
            let own = w.repo.client(actor.id)?.map(|c| c.line);
            if own != Some(line) {
                return Err(LineError::NotAllowed(format!(
                    "line {line} is not your line"
                )));
            }
            let client = actor.id;
            not_busy(w, line, client, None)?;
            // It rings the holder of the open appeal (unless they no longer take the client's
            // calls, P4), else whoever routing gives a new appeal to, else the line.
            let appeal = w.appeal_from_client(line, client, AppealChannel::Call)?;
            let holder = w.open_appeal(appeal)?.holder;
            (client, appeal, holder)
        }
        (Role::Specialist, None) => {
            return Err(LineError::Invalid("say which client to call".into()));
        }
        (Role::Client, Some(_)) => {
            return Err(LineError::NotAllowed(
                "a client calls their line, not a client".into(),
            ));
        }
        (Role::Admin, _) => return Err(LineError::NotAllowed("an admin makes no calls".into())),
    };
    let call = w.repo.insert_call(&NewCall {
        line,
        client,
        specialist,
        appeal,
        from_client: actor.role == Role::Client,
        placed_ms: w.now_ms,
    })?;
    w.append(
        line,
        Event::CallRinging {
            call,
            appeal,
            client,
            specialist,
            from: actor.role,
            key: Some(key.to_string()),
        },
    )
}

/// `AnswerCall`: the callee picks up. A client's call ringing the whole line is answered by any
/// specialist of the line, who takes its queued appeal (A2).
pub(crate) fn answer<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    call: u64,
) -> Result<(), LineError> {
    let c = known(w, call)?;
    match c.stage {
        CallStage::Ringing => {}
        CallStage::Connected => {
            return Err(LineError::Conflict(format!("call {call} was answered")));
        }
        CallStage::Ended => return Err(LineError::Conflict(format!("call {call} has ended"))),
    }
    if let Some(k) = c.consult {
        return crate::call_consult::answer(w, actor, &c, k);
    }
    let specialist = if c.from_client {
        let me = specialist_only(actor)?;
        match c.specialist {
            Some(s) if s != me => {
                return Err(LineError::NotAllowed(format!(
                    "call {call} rings another specialist"
                )));
            }
            Some(_) => me,
            None => {
                if !w.serves(me, c.line)? {
                    return Err(LineError::Forbidden(c.line));
                }
                match w.open_appeal(c.appeal)?.holder {
                    None => w.take_appeal(c.line, c.appeal, me)?,
                    Some(h) if h == me => {}
                    Some(_) => {
                        return Err(LineError::Conflict(format!(
                            "the appeal of call {call} went to a colleague"
                        )));
                    }
                }
                me
            }
        }
    } else {
        if actor != Subject::client(c.client) {
            return Err(LineError::NotAllowed(format!("call {call} is not yours")));
        }
        c.specialist.ok_or_else(|| {
            LineError::Repo(RepoError::new(
                "corrupt",
                format!("call {call} has no caller"),
            ))
        })?
    };
    if c.from_client {
        // S2: picking up the client's call is the first answer.
        crate::sla_timers::react(&mut w.repo, c.appeal, w.now_ms)?;
    }
    w.repo.call_connected(call, specialist, w.now_ms)?;
    w.append(
        c.line,
        Event::CallConnected {
            call,
            appeal: c.appeal,
            client: c.client,
            specialist,
        },
    )?;
    // A leg of a transfer: the client and the appeal move here now.
    crate::call_transfer::answered(w, &c, specialist)
}

/// `HangUp`: a party ends the call. The reason must fit: `declined` by the callee and
/// `cancelled` by the caller while it rings, `hung_up` once connected; `no_answer` while it
/// rings and `failed` at any time.
pub(crate) fn hang_up<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    call: u64,
    reason: CallEndReason,
) -> Result<(), LineError> {
    let c = known(w, call)?;
    if let Some(k) = c.consult {
        return crate::call_consult::hang_up(w, actor, &c, k, reason);
    }
    // The transferring specialist ends a leg still ringing their colleague, as its caller.
    let transferrer = crate::call_transfer::transferrer_of(w, &c, actor)?;
    if !c.is_party(actor) && !transferrer {
        return Err(LineError::NotAllowed(format!(
            "you are not a party of call {call}"
        )));
    }
    let caller = transferrer || (actor.role == Role::Client) == c.from_client;
    let fits = match (c.stage, reason) {
        (CallStage::Ended, _) => {
            return Err(LineError::Conflict(format!("call {call} has ended")));
        }
        (CallStage::Ringing, CallEndReason::Declined) => !caller,
        (CallStage::Ringing, CallEndReason::Cancelled) => caller,
        (CallStage::Ringing, CallEndReason::NoAnswer) => true,
        (CallStage::Connected, CallEndReason::HungUp) => true,
        (_, CallEndReason::Failed) => true,
        _ => false,
    };
    if !fits {
        return Err(LineError::Invalid(format!(
            "{reason:?} does not end a call that is {:?} for its {}",
            c.stage,
            if caller { "caller" } else { "callee" }
        )));
    }
    close_call(w, &c, actor.role, reason)
}

/// The call `c` ends now, `by` a side, for `reason`: stored and announced to both parties
/// (a hang-up, or the line's ring time running out, `crate::unanswered`); a transfer of it
/// still ringing the colleague ends with it.
pub(crate) fn close_call<R: Repo>(
    w: &mut Work<'_, R>,
    c: &CallRecord,
    by: Role,
    reason: CallEndReason,
) -> Result<(), LineError> {
    if let Some(k) = c.consult {
        // A consultation rang out (the line's ring timer).
        return crate::call_consult::end(w, c, k, None, reason);
    }
    record_end(w, c, by, reason)?;
    // A transfer of it still ringing the colleague, or a consultation about it, ends with it.
    crate::call_transfer::call_ended(w, c, by)?;
    crate::call_consult::call_ended(w, c)
}

/// The call `c` ends now: stored and announced, nothing else follows from it.
pub(crate) fn record_end<R: Repo>(
    w: &mut Work<'_, R>,
    c: &CallRecord,
    by: Role,
    reason: CallEndReason,
) -> Result<(), LineError> {
    let connected_at = w.repo.call_connected_at(c.id)?;
    w.repo.call_ended(c.id, w.now_ms, reason)?;
    w.append(
        c.line,
        Event::CallEnded {
            call: c.id,
            appeal: c.appeal,
            client: c.client,
            specialist: c.specialist,
            by,
            reason,
            connected_ms: connected_at.map(|t| (w.now_ms - t).max(0)),
        },
    )
}

/// `RequestCallBack`: a client asks their line to call them back (nobody took their call, or
/// they cannot talk now). The request goes on the client's open appeal, or opens one routed
/// as a call's would be (A1/A2), so it waits where the specialists look.
pub(crate) fn request_call_back<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    line: u64,
) -> Result<(), LineError> {
    if actor.role != Role::Client {
        return Err(LineError::NotAllowed(
            "a call-back is requested by a client".into(),
        ));
    }
    let own = w.repo.client(actor.id)?.map(|c| c.line);
    if own != Some(line) {
        return Err(LineError::NotAllowed(format!(
            "line {line} is not your line"
        )));
    }
    let appeal = w.appeal_from_client(line, actor.id, AppealChannel::Call)?;
    w.append(
        line,
        Event::CallBackRequested {
            appeal,
            client: actor.id,
        },
    )
}

/// `CallStats`: a party of a call that connected reports its measurements, once.
pub(crate) fn stats<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    call: u64,
    q: &CallQuality,
) -> Result<(), LineError> {
    q.check()
        .map_err(|(field, why)| LineError::Invalid(format!("{field}: {why}")))?;
    let q = &estimated(q);
    let c = known(w, call)?;
    if !c.is_party(actor) {
        return Err(LineError::NotAllowed(format!(
            "you are not a party of call {call}"
        )));
    }
    if c.stage == CallStage::Ringing {
        return Err(LineError::Invalid(format!("call {call} never connected")));
    }
    if c.consult.is_some() {
        return Err(LineError::Invalid(format!(
            "call {call} is a consultation: it keeps no statistics"
        )));
    }
    if !w.repo.insert_call_stats(call, actor.role, w.now_ms, q)? {
        return Err(LineError::Conflict(format!(
            "your statistics of call {call} are in already"
        )));
    }
    w.append(
        c.line,
        Event::CallStats {
            call,
            appeal: c.appeal,
            client: c.client,
            specialist: c.specialist,
            from: actor.role,
            quality: *q,
        },
    )
}

/// `q` with its MOS: as the sender estimated it, or, when it did not (`mos_centi` 0: a
/// browser's call), estimated here by the engine's rule (the domain's E-model over the loss
/// and late packets, the jitter and half the round trip; see `linedesk_engine`'s report).
pub fn estimated(q: &CallQuality) -> CallQuality {
    if q.mos_centi != 0 {
        return *q;
    }
    let measured = Measured {
        one_way_delay_ms: q.rtt_ms.map_or(0.0, |rtt| f64::from(rtt) / 2.0),
        loss_percent: f64::from(q.loss_permille.saturating_add(q.late_permille)) / 10.0,
        jitter_ms: f64::from(q.jitter_ms),
    };
    let mos = call_quality::mos(&measured, CodecImpairment::opus(0));
    CallQuality {
        // 1.0-4.5 by construction: 100-450.
        mos_centi: (mos * 100.0).round().clamp(100.0, 450.0) as u16,
        ..*q
    }
}

/// A recording of `call` by `actor` whose bytes hash to `sha256`: the call to attach it to, or
/// `None` when the same bytes were attached before (a duplicate upload; nothing to do). Only
/// the call's specialist uploads, only for a call that connected, and only once: different
/// bytes for a recorded call are a conflict (the first upload is the record). The backend
/// keeps the bytes, then calls [`recorded`] in the same transaction.
pub fn may_record<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    call: u64,
    sha256: &str,
) -> Result<Option<CallRecord>, LineError> {
    let c = known(w, call)?;
    if c.consult.is_some() {
        return Err(LineError::NotAllowed(format!(
            "call {call} is a consultation: it is not recorded"
        )));
    }
    if actor.role != Role::Specialist || c.specialist != Some(actor.id) {
        return Err(LineError::NotAllowed(format!(
            "only the specialist of call {call} uploads its recording"
        )));
    }
    if c.stage == CallStage::Ringing {
        return Err(LineError::Invalid(format!("call {call} never connected")));
    }
    match w.repo.recording_sha(call)? {
        Some(same) if same == sha256 => Ok(None),
        Some(_) => Err(LineError::Conflict(format!(
            "call {call} has a different recording already"
        ))),
        None => Ok(Some(c)),
    }
}

/// The recording's bytes of `call` (`may_record` said yes) are kept: its row and
/// `Event::CallRecorded` on the call's appeal, with where the specialist paused it (`gaps`,
/// checked against the recording's length: in order, none past its end).
pub fn recorded<R: Repo>(
    w: &mut Work<'_, R>,
    call: &CallRecord,
    recording: &RecordingRow,
    gaps: &[RecordingGap],
) -> Result<(), LineError> {
    RecordingGap::check_list(gaps, recording.duration_ms)
        .map_err(|e| LineError::Invalid(format!("the recording's gaps: {e}")))?;
    w.repo.insert_recording(recording)?;
    w.append(
        call.line,
        Event::CallRecorded {
            call: call.id,
            appeal: call.appeal,
            client: call.client,
            bytes: recording.bytes,
            duration_ms: recording.duration_ms,
            gaps: gaps.to_vec(),
        },
    )
}
