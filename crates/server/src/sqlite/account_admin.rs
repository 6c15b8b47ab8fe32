//! The admin's account controls on the SQLite connection: disable and enable an account,
//! reset a password, take a specialist off a line. Each notes a revocation, so the running
//! server closes (or narrows) the live sessions concerned, even when the change came from
//! another process (the CLI).

use linedesk_domain::ids::SpecialistId;
use linedesk_domain::presence::PresenceStatus;
use linedesk_domain::routing::RoutingError;
use linedesk_protocol::Role;
use rusqlite::{Connection, params};

use super::accounts::{account, note, role_code};
use super::{Inner, sql_id};
use crate::storage::{Revoked, StorageError, StoredEvent, Subject};

fn table(role: Role) -> &'static str {
    match role {
        Role::Specialist => "specialists",
        Role::Client => "clients",
        Role::Admin => "admins",
    }
}

/// Delete every token of `subject` and note the revocation.
fn revoke_all(conn: &Connection, subject: Subject, now_ms: i64) -> Result<(), StorageError> {
    conn.execute(
        "DELETE FROM tokens WHERE role = ?1 AND subject_id = ?2",
        params![role_code(subject.role), sql_id(subject.id)],
    )?;
    note(conn, &Revoked::Subject(subject), now_ms)
}

pub(super) fn set_disabled(
    conn: &mut Connection,
    login: &str,
    disabled: bool,
    now_ms: i64,
) -> Result<Option<Subject>, StorageError> {
    let tx = conn.transaction()?;
    let Some(found) = account(&tx, login)? else {
        return Ok(None);
    };
    let subject = found.subject;
    tx.execute(
        &format!(
            "UPDATE {} SET disabled = ?2 WHERE id = ?1",
            table(subject.role)
        ),
        params![sql_id(subject.id), disabled],
    )?;
    if disabled {
        revoke_all(&tx, subject, now_ms)?;
    }
    tx.commit()?;
    Ok(Some(subject))
}

pub(super) fn reset_password(
    conn: &mut Connection,
    login: &str,
    password_hash: &str,
    now_ms: i64,
) -> Result<Option<Subject>, StorageError> {
    let tx = conn.transaction()?;
    let Some(found) = account(&tx, login)? else {
        return Ok(None);
    };
    let subject = found.subject;
    tx.execute(
        &format!(
            "UPDATE {} SET password_hash = ?2 WHERE id = ?1",
            table(subject.role)
        ),
        params![sql_id(subject.id), password_hash],
    )?;
    revoke_all(&tx, subject, now_ms)?;
    tx.commit()?;
    Ok(Some(subject))
}

/// Keep a new token unless the account is disabled, in one statement (a disable running at
/// the same moment cannot slip between the check and the insert).
pub(super) fn issue_token(
    conn: &Connection,
    token_hash: &str,
    subject: Subject,
    expires_ms: i64,
) -> Result<bool, StorageError> {
    let inserted = conn.execute(
        &format!(
            "INSERT INTO tokens (token_hash, role, subject_id, expires_at)
             SELECT ?1, ?2, ?3, ?4 FROM {} WHERE id = ?3 AND disabled = 0",
            table(subject.role)
        ),
        params![
            token_hash,
            role_code(subject.role),
            sql_id(subject.id),
            expires_ms
        ],
    )?;
    Ok(inserted == 1)
}

/// `specialist` no longer serves `line`: the appeals they hold there go to colleagues or the
/// queue (routing treats them as Offline on that line, with the events of each move), and the
/// line is revoked from their live sessions.
pub(super) fn remove_from_line(
    inner: &mut Inner,
    specialist: u64,
    line: u64,
    now_ms: i64,
) -> Result<Vec<StoredEvent>, StorageError> {
    let ((), events) = crate::actions::in_work(inner, now_ms, |w, live| {
        let removed = w.tx.execute(
            "DELETE FROM line_specialists WHERE line_id = ?1 AND specialist_id = ?2",
            params![sql_id(line), sql_id(specialist)],
        )?;
        if removed == 0 {
            return Err(StorageError::Invalid(format!(
                "specialist {specialist} does not serve line {line}"
            )));
        }
        let moves = match w
            .dispatcher(line, live)
            .set_presence(SpecialistId(specialist), PresenceStatus::Offline)
        {
            Ok(moves) => moves,
            Err(RoutingError::UnknownSpecialist(_)) => Vec::new(),
            Err(other) => return Err(StorageError::Invalid(other.to_string())),
        };
        w.record(line, &moves)?;
        note(&w.tx, &Revoked::Line { specialist, line }, now_ms)
    })?;
    Ok(events)
}
