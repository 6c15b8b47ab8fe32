//! Calls (V1) as actions: placing one opens or reuses the client's appeal (A1) through the
//! line's routing (A2), answering fixes both parties, hanging up says who and why. Each
//! appends its event to the line's log in the action's transaction. The media never passes
//! here; the WebRTC signalling is relayed in memory by [`crate::signal`].

use linedesk_protocol::{AppealChannel, CallEndReason, Event, Role};
use rusqlite::{Connection, OptionalExtension, params};

use crate::sqlite::batch::{Work, specialist_only};
use crate::sqlite::{id, sql_id};
use crate::storage::{CallRecord, CallStage, StorageError, Subject};
use crate::{contact, sla_alerts};

fn stage_of(code: &str) -> Result<CallStage, StorageError> {
    match code {
        "ringing" => Ok(CallStage::Ringing),
        "connected" => Ok(CallStage::Connected),
        "ended" => Ok(CallStage::Ended),
        other => Err(StorageError::Corrupt(format!("call state {other:?}"))),
    }
}

/// A call by id, or `None`.
pub(crate) fn load(conn: &Connection, call: u64) -> Result<Option<CallRecord>, StorageError> {
    let row = conn
        .query_row(
            "SELECT line_id, client_id, specialist_id, appeal_id, from_client, state
             FROM calls WHERE id = ?1",
            [sql_id(call)],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, bool>(4)?,
                    r.get::<_, String>(5)?,
                ))
            },
        )
        .optional()?;
    row.map(|(line, client, specialist, appeal, from_client, state)| {
        Ok(CallRecord {
            id: call,
            line: id(line),
            client: id(client),
            specialist: specialist.map(id),
            appeal: id(appeal),
            from_client,
            stage: stage_of(&state)?,
        })
    })
    .transpose()
}

fn known(w: &Work<'_>, call: u64) -> Result<CallRecord, StorageError> {
    load(w.repo.tx, call)?.ok_or_else(|| StorageError::Invalid(format!("no call {call}")))
}

/// The live call (ringing or connected) of `client` on `line`, or of `specialist`.
fn live_call(
    w: &Work<'_>,
    line: u64,
    client: u64,
    specialist: Option<u64>,
) -> Result<Option<u64>, StorageError> {
    Ok(w.repo
        .tx
        .query_row(
            "SELECT id FROM calls WHERE state <> 'ended'
             AND ((line_id = ?1 AND client_id = ?2) OR specialist_id = ?3)",
            params![sql_id(line), sql_id(client), specialist.map(sql_id)],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
        .map(id))
}

/// `PlaceCall`: a specialist calls a client of a line they serve, or a client calls their line.
pub(crate) fn place(
    w: &mut Work<'_>,
    actor: Subject,
    key: &str,
    line: u64,
    client: Option<u64>,
) -> Result<(), StorageError> {
    let (client, appeal, specialist) = match (actor.role, client) {
        (Role::Specialist, Some(client)) => {
            contact::may_contact(w.repo.tx, actor.id, line, client)?;
            if let Some(busy) = live_call(w, line, client, Some(actor.id))? {
                return Err(StorageError::Conflict(format!("call {busy} is still on")));
            }
            // A1: the call opens an appeal, routed to the caller first (A2).
            let appeal = w.appeal_from_specialist(line, client, AppealChannel::Call, actor.id)?;
            // S2: a call to the client is an answer.
            sla_alerts::react(w.repo.tx, appeal, w.now_ms)?;
            (client, appeal, Some(actor.id))
        }
        (Role::Client, None) => {
            let own: i64 = w.repo.tx.query_row(
                "SELECT line_id FROM clients WHERE id = ?1",
                [sql_id(actor.id)],
                |r| r.get(0),
            )?;
            if id(own) != line {
                return Err(StorageError::NotAllowed(format!(
                    "line {line} is not your line"
                )));
            }
            let client = actor.id;
            if let Some(busy) = live_call(w, line, client, None)? {
                return Err(StorageError::Conflict(format!("call {busy} is still on")));
            }
            // It rings the holder of the open appeal (unless they no longer take the client's
            // calls, P4), else whoever routing gives a new appeal to, else the line.
            let appeal = w.appeal_from_client(line, client, AppealChannel::Call)?;
            let holder = w.open_appeal(appeal)?.holder;
            (client, appeal, holder)
        }
        (Role::Specialist, None) => {
            return Err(StorageError::Invalid("say which client to call".into()));
        }
        (Role::Client, Some(_)) => {
            return Err(StorageError::NotAllowed(
                "a client calls their line, not a client".into(),
            ));
        }
        (Role::Admin, _) => return Err(StorageError::NotAllowed("an admin makes no calls".into())),
    };
    w.repo.tx.execute(
        "INSERT INTO calls (line_id, client_id, specialist_id, appeal_id, from_client, state, placed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'ringing', ?6)",
        params![
            sql_id(line),
            sql_id(client),
            specialist.map(sql_id),
            sql_id(appeal),
            actor.role == Role::Client,
            w.now_ms
        ],
    )?;
    let call = id(w.repo.tx.last_insert_rowid());
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
    )?;
    Ok(())
}

/// `AnswerCall`: the callee picks up. A client's call ringing the whole line is answered by any
/// specialist of the line, who takes its queued appeal (A2).
pub(crate) fn answer(w: &mut Work<'_>, actor: Subject, call: u64) -> Result<(), StorageError> {
    let c = known(w, call)?;
    match c.stage {
        CallStage::Ringing => {}
        CallStage::Connected => {
            return Err(StorageError::Conflict(format!("call {call} was answered")));
        }
        CallStage::Ended => return Err(StorageError::Conflict(format!("call {call} has ended"))),
    }
    let specialist = if c.from_client {
        let me = specialist_only(actor)?;
        match c.specialist {
            Some(s) if s != me => {
                return Err(StorageError::NotAllowed(format!(
                    "call {call} rings another specialist"
                )));
            }
            Some(_) => me,
            None => {
                if !w.serves(me, c.line)? {
                    return Err(StorageError::Forbidden(c.line));
                }
                let holder = w.open_appeal(c.appeal)?.holder;
                match holder {
                    None => w.take_appeal(c.line, c.appeal, me)?,
                    Some(h) if h == me => {}
                    Some(_) => {
                        return Err(StorageError::Conflict(format!(
                            "the appeal of call {call} went to a colleague"
                        )));
                    }
                }
                me
            }
        }
    } else {
        if actor != Subject::client(c.client) {
            return Err(StorageError::NotAllowed(format!(
                "call {call} is not yours"
            )));
        }
        c.specialist
            .ok_or_else(|| StorageError::Corrupt(format!("call {call} has no caller")))?
    };
    if c.from_client {
        // S2: picking up the client's call is the first answer.
        sla_alerts::react(w.repo.tx, c.appeal, w.now_ms)?;
    }
    w.repo.tx.execute(
        "UPDATE calls SET state = 'connected', specialist_id = ?2, connected_at = ?3 WHERE id = ?1",
        params![sql_id(call), sql_id(specialist), w.now_ms],
    )?;
    w.append(
        c.line,
        Event::CallConnected {
            call,
            appeal: c.appeal,
            client: c.client,
            specialist,
        },
    )?;
    Ok(())
}

/// `HangUp`: a party ends the call. The reason must fit: `declined` by the callee and
/// `cancelled` by the caller while it rings, `hung_up` once connected; `no_answer` while it
/// rings and `failed` at any time.
pub(crate) fn hang_up(
    w: &mut Work<'_>,
    actor: Subject,
    call: u64,
    reason: CallEndReason,
) -> Result<(), StorageError> {
    let c = known(w, call)?;
    if !c.is_party(actor) {
        return Err(StorageError::NotAllowed(format!(
            "you are not a party of call {call}"
        )));
    }
    let caller = (actor.role == Role::Client) == c.from_client;
    let fits = match (c.stage, reason) {
        (CallStage::Ended, _) => {
            return Err(StorageError::Conflict(format!("call {call} has ended")));
        }
        (CallStage::Ringing, CallEndReason::Declined) => !caller,
        (CallStage::Ringing, CallEndReason::Cancelled) => caller,
        (CallStage::Ringing, CallEndReason::NoAnswer) => true,
        (CallStage::Connected, CallEndReason::HungUp) => true,
        (_, CallEndReason::Failed) => true,
        _ => false,
    };
    if !fits {
        return Err(StorageError::Invalid(format!(
            "{reason:?} does not end a call that is {:?} for its {}",
            c.stage,
            if caller { "caller" } else { "callee" }
        )));
    }
    let connected_at: Option<i64> = w.repo.tx.query_row(
        "SELECT connected_at FROM calls WHERE id = ?1",
        [sql_id(call)],
        |r| r.get(0),
    )?;
    let code = serde_json::to_value(reason)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    w.repo.tx.execute(
        "UPDATE calls SET state = 'ended', ended_at = ?2, end_reason = ?3 WHERE id = ?1",
        params![sql_id(call), w.now_ms, code],
    )?;
    w.append(
        c.line,
        Event::CallEnded {
            call,
            appeal: c.appeal,
            client: c.client,
            specialist: c.specialist,
            by: actor.role,
            reason,
            connected_ms: connected_at.map(|t| (w.now_ms - t).max(0)),
        },
    )?;
    Ok(())
}
