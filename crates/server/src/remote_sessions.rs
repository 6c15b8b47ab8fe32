//! Remote sessions (V2) as actions, the way calls are: asking opens or reuses the client's
//! appeal (A1) through the line's routing (A2); by request the session starts when the client
//! accepts, by password when the password matched (checked before the transaction, see
//! [`crate::remote_password`]); either party ends it. Each step appends its event to the
//! line's log in the action's transaction. The screen never passes here; the WebRTC signalling
//! is relayed in memory by [`crate::signal`], and only for a started session.
//!
//! A session whose party's connection drops stays as it is until a party ends it: the
//! assistant ends it (`failed`) when its peer connection goes, and a specialist asking the
//! same client again ends their own stale session (`failed`) first. A colleague's live session
//! with the client is a conflict.

use linedesk_protocol::{AppealChannel, Event, RemoteEndReason, RemoteMode, Role};
use rusqlite::{Connection, OptionalExtension, params};

use crate::contact;
use crate::sla_alerts;
use crate::sqlite::batch::{Work, specialist_only};
use crate::sqlite::{id, sql_id};
use crate::storage::{RemoteRecord, RemoteStage, StorageError, Subject};

/// What was settled about a password before the action's transaction (argon2 runs outside
/// the storage lock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Gate {
    /// Nothing to settle.
    Open,
    /// `SetRemotePassword`: the new hash (`None`: clear it).
    NewHash(Option<String>),
    /// `RequestRemoteSession` by password: the password matched.
    PasswordMatched,
}

fn mode_code(mode: RemoteMode) -> &'static str {
    match mode {
        RemoteMode::ByRequest => "by_request",
        RemoteMode::ByPassword => "by_password",
    }
}

fn mode_of(code: &str) -> Result<RemoteMode, StorageError> {
    match code {
        "by_request" => Ok(RemoteMode::ByRequest),
        "by_password" => Ok(RemoteMode::ByPassword),
        other => Err(StorageError::Corrupt(format!("remote mode {other:?}"))),
    }
}

fn stage_of(code: &str) -> Result<RemoteStage, StorageError> {
    match code {
        "requested" => Ok(RemoteStage::Requested),
        "started" => Ok(RemoteStage::Started),
        "ended" => Ok(RemoteStage::Ended),
        other => Err(StorageError::Corrupt(format!("remote state {other:?}"))),
    }
}

/// A remote session by id, or `None`.
pub(crate) fn load(conn: &Connection, session: u64) -> Result<Option<RemoteRecord>, StorageError> {
    let row = conn
        .query_row(
            "SELECT line_id, client_id, specialist_id, appeal_id, mode, state, started_at
             FROM remote_sessions WHERE id = ?1",
            [sql_id(session)],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<i64>>(6)?,
                ))
            },
        )
        .optional()?;
    row.map(
        |(line, client, specialist, appeal, mode, state, started_ms)| {
            Ok(RemoteRecord {
                id: session,
                line: id(line),
                client: id(client),
                specialist: id(specialist),
                appeal: id(appeal),
                mode: mode_of(&mode)?,
                stage: stage_of(&state)?,
                started_ms,
            })
        },
    )
    .transpose()
}

/// Whether `specialist` has done an action under `key` already (a resend).
pub(crate) fn key_used(
    conn: &Connection,
    specialist: u64,
    key: &str,
) -> Result<bool, StorageError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM actions WHERE specialist_id = ?1 AND key = ?2",
            params![sql_id(specialist), key],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
        .is_some())
}

/// `SetRemotePassword`: the client sets or clears the password (hashed beforehand).
pub(crate) fn set_password(
    w: &mut Work<'_>,
    actor: Subject,
    gate: &Gate,
) -> Result<(), StorageError> {
    if actor.role != Role::Client {
        return Err(StorageError::NotAllowed(
            "only a client sets their session password".into(),
        ));
    }
    let Gate::NewHash(hash) = gate else {
        return Err(StorageError::Corrupt("the password was not hashed".into()));
    };
    crate::remote_password::set(w.repo.tx, actor.id, hash.as_deref(), w.now_ms)
}

/// `RequestRemoteSession`: a specialist asks a client of a line they serve.
pub(crate) fn request(
    w: &mut Work<'_>,
    actor: Subject,
    key: &str,
    (line, client, mode): (u64, u64, RemoteMode),
    gate: &Gate,
) -> Result<(), StorageError> {
    let specialist = specialist_only(actor)?;
    // `specialist` may ask `client` for a session: they serve `line` and the client is on it.
    contact::may_contact(w.repo.tx, specialist, line, client)?;
    match (mode, gate) {
        (RemoteMode::ByPassword, Gate::PasswordMatched) | (RemoteMode::ByRequest, Gate::Open) => {}
        (RemoteMode::ByPassword, _) => {
            return Err(StorageError::Invalid(
                "a session by password needs the password".into(),
            ));
        }
        (RemoteMode::ByRequest, _) => {
            return Err(StorageError::Invalid(
                "a session by request takes no password".into(),
            ));
        }
    }
    if let Some(stale) = live_session(w, client)? {
        if stale.specialist != specialist {
            return Err(StorageError::Conflict(format!(
                "client {client} is in a remote session with a colleague"
            )));
        }
        // The specialist asks again: their previous session was lost on the way.
        finish(w, &stale, Role::Specialist, RemoteEndReason::Failed)?;
    }
    // A1: the session opens an appeal, routed to the asking specialist first (A2).
    let appeal = w.appeal_from_specialist(line, client, AppealChannel::Remote, specialist)?;
    let specialist_name: String = w.repo.tx.query_row(
        "SELECT name FROM specialists WHERE id = ?1",
        [sql_id(specialist)],
        |r| r.get(0),
    )?;
    w.repo.tx.execute(
        "INSERT INTO remote_sessions
            (line_id, client_id, specialist_id, appeal_id, mode, state, requested_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'requested', ?6)",
        params![
            sql_id(line),
            sql_id(client),
            sql_id(specialist),
            sql_id(appeal),
            mode_code(mode),
            w.now_ms
        ],
    )?;
    let session = id(w.repo.tx.last_insert_rowid());
    w.append(
        line,
        Event::RemoteRequested {
            session,
            appeal,
            client,
            specialist,
            specialist_name,
            mode,
            key: Some(key.to_string()),
        },
    )?;
    if mode == RemoteMode::ByPassword {
        start(w, session)?;
    }
    Ok(())
}

fn live_session(w: &Work<'_>, client: u64) -> Result<Option<RemoteRecord>, StorageError> {
    let live: Option<i64> = w
        .repo
        .tx
        .query_row(
            "SELECT id FROM remote_sessions WHERE client_id = ?1 AND state <> 'ended'",
            [sql_id(client)],
            |r| r.get(0),
        )
        .optional()?;
    match live {
        Some(session) => load(w.repo.tx, id(session)),
        None => Ok(None),
    }
}

fn known(w: &Work<'_>, session: u64) -> Result<RemoteRecord, StorageError> {
    load(w.repo.tx, session)?
        .ok_or_else(|| StorageError::Invalid(format!("no remote session {session}")))
}

fn start(w: &mut Work<'_>, session: u64) -> Result<(), StorageError> {
    let s = known(w, session)?;
    w.repo.tx.execute(
        "UPDATE remote_sessions SET state = 'started', started_at = ?2 WHERE id = ?1",
        params![sql_id(session), w.now_ms],
    )?;
    // S2: work on the client's question has visibly started.
    sla_alerts::react(w.repo.tx, s.appeal, w.now_ms)?;
    w.append(
        s.line,
        Event::RemoteStarted {
            session,
            appeal: s.appeal,
            client: s.client,
            specialist: s.specialist,
            mode: s.mode,
        },
    )?;
    Ok(())
}

/// `AnswerRemoteSession`: the client accepts or declines a request.
pub(crate) fn answer(
    w: &mut Work<'_>,
    actor: Subject,
    session: u64,
    accept: bool,
) -> Result<(), StorageError> {
    let s = known(w, session)?;
    if actor != Subject::client(s.client) {
        return Err(StorageError::NotAllowed(format!(
            "remote session {session} is not yours to answer"
        )));
    }
    match s.stage {
        RemoteStage::Requested => {}
        RemoteStage::Started => {
            return Err(StorageError::Conflict(format!(
                "remote session {session} was answered"
            )));
        }
        RemoteStage::Ended => {
            return Err(StorageError::Conflict(format!(
                "remote session {session} has ended"
            )));
        }
    }
    if accept {
        start(w, session)
    } else {
        finish(w, &s, Role::Client, RemoteEndReason::Declined)
    }
}

/// `EndRemoteSession`: a party ends the session, withdraws a request or declines it. Without
/// a reason it follows from who ends it; `failed` fits either party at any time, `refused`
/// only the client while asked; others must be the one that follows.
pub(crate) fn end(
    w: &mut Work<'_>,
    actor: Subject,
    session: u64,
    reason: Option<RemoteEndReason>,
) -> Result<(), StorageError> {
    let s = known(w, session)?;
    if !s.is_party(actor) {
        return Err(StorageError::NotAllowed(format!(
            "you are not a party of remote session {session}"
        )));
    }
    let by = actor.role;
    let implied = match (by, s.stage) {
        (_, RemoteStage::Ended) => {
            return Err(StorageError::Conflict(format!(
                "remote session {session} has ended"
            )));
        }
        (Role::Client, RemoteStage::Requested) => RemoteEndReason::Declined,
        (Role::Client, _) => RemoteEndReason::EndedByClient,
        _ => RemoteEndReason::EndedBySpecialist,
    };
    let reason = match reason {
        None => implied,
        Some(RemoteEndReason::Failed) => RemoteEndReason::Failed,
        Some(RemoteEndReason::Refused)
            if by == Role::Client && s.stage == RemoteStage::Requested =>
        {
            RemoteEndReason::Refused
        }
        Some(given) if given == implied => given,
        Some(given) => {
            return Err(StorageError::Invalid(format!(
                "{given:?} does not end a session that is {:?} for its {}",
                s.stage,
                if by == Role::Client {
                    "client"
                } else {
                    "specialist"
                }
            )));
        }
    };
    finish(w, &s, by, reason)
}

fn finish(
    w: &mut Work<'_>,
    s: &RemoteRecord,
    by: Role,
    reason: RemoteEndReason,
) -> Result<(), StorageError> {
    let code = serde_json::to_value(reason)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let by_code = if by == Role::Client {
        "client"
    } else {
        "specialist"
    };
    w.repo.tx.execute(
        "UPDATE remote_sessions SET state = 'ended', ended_at = ?2, ended_by = ?3, end_reason = ?4
         WHERE id = ?1",
        params![sql_id(s.id), w.now_ms, by_code, code],
    )?;
    w.append(
        s.line,
        Event::RemoteEnded {
            session: s.id,
            appeal: s.appeal,
            client: s.client,
            specialist: s.specialist,
            mode: s.mode,
            by,
            reason,
            duration_ms: s
                .started_ms
                .map(|t| u64::try_from(w.now_ms - t).unwrap_or(0)),
        },
    )?;
    Ok(())
}
