//! The admin's account controls on the SQLite connection: disable and enable an account,
//! reset a password, take a specialist off a line. Each notes a revocation, so the running
//! server closes (or narrows) the live sessions concerned, even when the change came from
//! another process (the CLI).

use linedesk_domain::ids::SpecialistId;
use linedesk_protocol::Role;
use rusqlite::{Connection, params};

use super::accounts::{account, note, role_code};
use super::line_repo::SqliteRepo;
use super::{Inner, sql_id};
use crate::storage::{Revoked, StorageError, StoredEvent, Subject};

fn table(role: Role) -> &'static str {
    match role {
        Role::Specialist => "specialists",
        Role::Client => "clients",
        Role::Admin => "admins",
    }
}

/// Delete every token of `subject` and note the revocation; a specialist's staff-line client
/// identities (W3: their tokens were issued to the specialist) lose theirs with them.
fn revoke_all(conn: &Connection, subject: Subject, now_ms: i64) -> Result<(), StorageError> {
    let mut subjects = vec![subject];
    if subject.role == Role::Specialist {
        let mut stmt =
            conn.prepare_cached("SELECT client_id FROM staff_clients WHERE specialist_id = ?1")?;
        let clients = stmt
            .query_map([sql_id(subject.id)], |r| r.get::<_, i64>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        subjects.extend(clients.into_iter().map(|c| Subject {
            role: Role::Client,
            id: u64::try_from(c).unwrap_or_default(),
        }));
    }
    for subject in subjects {
        conn.execute(
            "DELETE FROM tokens WHERE role = ?1 AND subject_id = ?2",
            params![role_code(subject.role), sql_id(subject.id)],
        )?;
        note(conn, &Revoked::Subject(subject), now_ms)?;
    }
    Ok(())
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

/// `specialist` no longer serves `line` (the rules: `linedesk_line::remove_from_line`), and
/// the line is revoked from their live sessions.
pub(super) fn remove_from_line(
    inner: &mut Inner,
    specialist: u64,
    line: u64,
    now_ms: i64,
) -> Result<Vec<StoredEvent>, StorageError> {
    let ((), events) = super::batch::in_work(inner, now_ms, |w| {
        linedesk_line::remove_from_line(w, specialist, line)?;
        note(w.repo.tx, &Revoked::Line { specialist, line }, now_ms)
    })?;
    Ok(events)
}

/// The revocation log says `specialist` was taken off `line`. When this process's routing
/// still has them, another process (the CLI) did it: the line's routing is rebuilt from what
/// is stored, so nothing is routed to them from now on. `true` when it was rebuilt.
pub(super) fn resync_team(
    inner: &mut Inner,
    line: u64,
    specialist: u64,
) -> Result<bool, StorageError> {
    let Inner { conn, routing } = inner;
    let stale = routing
        .get(&line)
        .is_some_and(|d| d.specialist(SpecialistId(specialist)).is_some());
    if !stale {
        return Ok(false);
    }
    let rebuilt = linedesk_line::rebuild_line(&mut SqliteRepo { tx: conn }, line)?;
    if rebuilt.specialist(SpecialistId(specialist)).is_some() {
        // Served again since (added back): nothing to catch up on.
        return Ok(false);
    }
    routing.insert(line, rebuilt);
    Ok(true)
}
