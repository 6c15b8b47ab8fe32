//! Remote sessions (V2) as actions, the way calls are: asking opens or reuses the client's
//! appeal (A1) through the line's routing (A2); by request the session starts when the client
//! accepts, by password when the password matched (checked before the transaction, see
//! [`crate::remote_password`], and handed in as a [`Gate`]); either party ends it. The screen
//! never passes here; the server relays the WebRTC signalling in memory, and only for a
//! started session.
//!
//! A session whose party's connection drops stays as it is until a party ends it: the
//! assistant ends it (`failed`) when its peer connection goes, and a specialist asking the
//! same client again ends their own stale session (`failed`) first. A colleague's live session
//! with the client is a conflict.

use linedesk_protocol::{AppealChannel, Event, RemoteEndReason, RemoteMode, Role};

use crate::error::{LineError, RepoError};
use crate::remote_password::client_only;
use crate::remote_repo::{NewRemote, RemoteRecord, RemoteStage};
use crate::repo::Repo;
use crate::subject::Subject;
use crate::work::{Work, specialist_only};

/// What was settled about a password before the action's transaction (argon2 runs outside
/// the storage lock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// Nothing to settle.
    Open,
    /// `SetRemotePassword`: the new hash (`None`: clear it).
    NewHash(Option<String>),
    /// `RequestRemoteSession` by password: the password matched.
    PasswordMatched,
}

/// `SetRemotePassword`: the client sets or clears the password (hashed beforehand).
pub(crate) fn set_password<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    gate: &Gate,
) -> Result<(), LineError> {
    client_only(actor.role)?;
    let Gate::NewHash(hash) = gate else {
        return Err(LineError::Repo(RepoError::new(
            "unhashed",
            "the password was not hashed",
        )));
    };
    Ok(w.repo
        .set_remote_password(actor.id, hash.as_deref(), w.now_ms)?)
}

/// `RequestRemoteSession`: a specialist asks a client of a line they serve.
pub(crate) fn request<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    key: &str,
    (line, client, mode): (u64, u64, RemoteMode),
    gate: &Gate,
) -> Result<(), LineError> {
    let specialist = specialist_only(actor)?;
    w.may_contact(specialist, line, client)?;
    match (mode, gate) {
        (RemoteMode::ByPassword, Gate::PasswordMatched) | (RemoteMode::ByRequest, Gate::Open) => {}
        (RemoteMode::ByPassword, _) => {
            return Err(LineError::Invalid(
                "a session by password needs the password".into(),
            ));
        }
        (RemoteMode::ByRequest, _) => {
            return Err(LineError::Invalid(
                "a session by request takes no password".into(),
            ));
        }
    }
    if let Some(stale) = w.repo.live_remote_session(client)? {
        if stale.specialist != specialist {
            return Err(LineError::Conflict(format!(
                "client {client} is in a remote session with a colleague"
            )));
        }
        // The specialist asks again: their previous session was lost on the way.
        finish(w, &stale, Role::Specialist, RemoteEndReason::Failed)?;
    }
    // A1: the session opens an appeal, routed to the asking specialist first (A2).
    let appeal = w.appeal_from_specialist(line, client, AppealChannel::Remote, specialist)?;
    let specialist_name = w
        .repo
        .specialist_name(specialist)?
        .ok_or_else(|| LineError::Invalid(format!("no specialist {specialist}")))?;
    let line_name = w
        .repo
        .line_name(line)?
        .ok_or_else(|| LineError::Invalid(format!("no line {line}")))?;
    let session = w.repo.insert_remote_session(&NewRemote {
        line,
        client,
        specialist,
        appeal,
        mode,
        requested_ms: w.now_ms,
    })?;
    w.append(
        line,
        Event::RemoteRequested {
            session,
            appeal,
            client,
            specialist,
            specialist_name,
            line_name,
            mode,
            key: Some(key.to_string()),
        },
    )?;
    if mode == RemoteMode::ByPassword {
        start(w, session)?;
    }
    Ok(())
}

fn known<R: Repo>(w: &mut Work<'_, R>, session: u64) -> Result<RemoteRecord, LineError> {
    w.repo
        .remote_session(session)?
        .ok_or_else(|| LineError::Invalid(format!("no remote session {session}")))
}

fn start<R: Repo>(w: &mut Work<'_, R>, session: u64) -> Result<(), LineError> {
    let s = known(w, session)?;
    w.repo.remote_started(session, w.now_ms)?;
    // S2: work on the client's question has visibly started.
    crate::sla_timers::react(&mut w.repo, s.appeal, w.now_ms)?;
    w.append(
        s.line,
        Event::RemoteStarted {
            session,
            appeal: s.appeal,
            client: s.client,
            specialist: s.specialist,
            mode: s.mode,
        },
    )
}

/// `AnswerRemoteSession`: the client accepts or declines a request.
pub(crate) fn answer<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    session: u64,
    accept: bool,
) -> Result<(), LineError> {
    let s = known(w, session)?;
    if actor != Subject::client(s.client) {
        return Err(LineError::NotAllowed(format!(
            "remote session {session} is not yours to answer"
        )));
    }
    match s.stage {
        RemoteStage::Requested => {}
        RemoteStage::Started => {
            return Err(LineError::Conflict(format!(
                "remote session {session} was answered"
            )));
        }
        RemoteStage::Ended => {
            return Err(LineError::Conflict(format!(
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
pub(crate) fn end<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    session: u64,
    reason: Option<RemoteEndReason>,
) -> Result<(), LineError> {
    let s = known(w, session)?;
    if !s.is_party(actor) {
        return Err(LineError::NotAllowed(format!(
            "you are not a party of remote session {session}"
        )));
    }
    let by = actor.role;
    let implied = match (by, s.stage) {
        (_, RemoteStage::Ended) => {
            return Err(LineError::Conflict(format!(
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
            return Err(LineError::Invalid(format!(
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

/// The session `s` ends now, `by` a side, for `reason`: stored and announced to both parties.
pub(crate) fn finish<R: Repo>(
    w: &mut Work<'_, R>,
    s: &RemoteRecord,
    by: Role,
    reason: RemoteEndReason,
) -> Result<(), LineError> {
    w.repo.remote_ended(s.id, w.now_ms, by, reason)?;
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
    )
}
