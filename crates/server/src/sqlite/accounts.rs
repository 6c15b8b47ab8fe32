//! Accounts of all three kinds, admin lookups and token revocation, on the SQLite connection.

use linedesk_protocol::Role;
use rusqlite::{Connection, OptionalExtension, params};

use super::{id, sql_id};
use crate::storage::{Account, LineInfo, Revocation, Revoked, StorageError, Subject, TokenOwner};

/// Revocations older than this are dropped from the log: every live server has read them.
const REVOCATION_MEMORY_MS: i64 = 24 * 60 * 60 * 1000;

pub(crate) fn role_code(role: Role) -> &'static str {
    match role {
        Role::Specialist => "specialist",
        Role::Client => "client",
        Role::Admin => "admin",
    }
}

pub(crate) fn subject_of(role: &str, subject: i64) -> Subject {
    match role {
        "client" => Subject::client(id(subject)),
        "admin" => Subject::admin(id(subject)),
        _ => Subject::specialist(id(subject)),
    }
}

/// Logins are unique across specialists, clients and admins.
pub(super) fn ensure_login_free(conn: &Connection, login: &str) -> Result<(), StorageError> {
    let taken: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM specialists WHERE login = ?1
             UNION ALL SELECT 1 FROM clients WHERE login = ?1
             UNION ALL SELECT 1 FROM admins WHERE login = ?1 LIMIT 1",
            [login],
            |r| r.get(0),
        )
        .optional()?;
    match taken {
        Some(_) => Err(StorageError::Exists {
            what: "login",
            name: login.to_string(),
        }),
        None => Ok(()),
    }
}

pub(super) fn add_admin(
    conn: &Connection,
    login: &str,
    password_hash: &str,
) -> Result<u64, StorageError> {
    if login.trim().is_empty() {
        return Err(StorageError::Invalid("a login cannot be empty".into()));
    }
    ensure_login_free(conn, login)?;
    conn.execute(
        "INSERT INTO admins (login, password_hash) VALUES (?1, ?2)",
        params![login, password_hash],
    )?;
    Ok(id(conn.last_insert_rowid()))
}

/// The account of `login`. A guest's (K1) has no password: its `password_hash` is empty,
/// which no password verifies (the login route treats it as no account at all).
pub(super) fn account(conn: &Connection, login: &str) -> Result<Option<Account>, StorageError> {
    let found: Option<(String, i64, String)> = conn
        .query_row(
            "SELECT 'specialist', id, password_hash FROM specialists WHERE login = ?1
             UNION ALL SELECT 'client', id, COALESCE(password_hash, '') FROM clients
                 WHERE login = ?1
             UNION ALL SELECT 'admin', id, password_hash FROM admins WHERE login = ?1
             LIMIT 1",
            [login],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    Ok(found.map(|(role, subject, password_hash)| Account {
        subject: subject_of(&role, subject),
        login: login.to_string(),
        password_hash,
    }))
}

pub(super) fn lines(conn: &Connection) -> Result<Vec<LineInfo>, StorageError> {
    let mut stmt = conn.prepare_cached("SELECT id, name FROM lines ORDER BY id")?;
    let rows = stmt
        .query_map([], |r| {
            Ok(LineInfo {
                id: id(r.get(0)?),
                name: r.get(1)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub(super) fn note(conn: &Connection, revoked: &Revoked, now_ms: i64) -> Result<(), StorageError> {
    match revoked {
        Revoked::Token(hash) => conn.execute(
            "INSERT INTO revocations (token_hash, at) VALUES (?1, ?2)",
            params![hash, now_ms],
        )?,
        Revoked::Subject(s) => conn.execute(
            "INSERT INTO revocations (role, subject_id, at) VALUES (?1, ?2, ?3)",
            params![role_code(s.role), sql_id(s.id), now_ms],
        )?,
        Revoked::Line { specialist, line } => conn.execute(
            "INSERT INTO revocations (role, subject_id, line_id, at) VALUES (?1, ?2, ?3, ?4)",
            params![
                role_code(Role::Specialist),
                sql_id(*specialist),
                sql_id(*line),
                now_ms
            ],
        )?,
    };
    conn.execute(
        "DELETE FROM revocations WHERE at < ?1",
        [now_ms - REVOCATION_MEMORY_MS],
    )?;
    Ok(())
}

pub(super) fn token_owner(
    conn: &Connection,
    token_hash: &str,
    now_ms: i64,
) -> Result<Option<TokenOwner>, StorageError> {
    let owner: Option<(String, i64, i64)> = conn
        .query_row(
            "SELECT role, subject_id, expires_at FROM tokens
             WHERE token_hash = ?1 AND expires_at > ?2",
            params![token_hash, now_ms],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    Ok(owner.map(|(role, subject, expires_ms)| TokenOwner {
        subject: subject_of(&role, subject),
        expires_ms,
    }))
}

pub(super) fn delete_expired_tokens(conn: &Connection, now_ms: i64) -> Result<usize, StorageError> {
    Ok(conn.execute("DELETE FROM tokens WHERE expires_at <= ?1", [now_ms])?)
}

pub(super) fn revoke_token(
    conn: &mut Connection,
    token_hash: &str,
    now_ms: i64,
) -> Result<bool, StorageError> {
    let tx = conn.transaction()?;
    let deleted = tx.execute(
        "DELETE FROM tokens WHERE token_hash = ?1 AND expires_at > ?2",
        params![token_hash, now_ms],
    )?;
    if deleted > 0 {
        note(&tx, &Revoked::Token(token_hash.to_string()), now_ms)?;
    }
    tx.commit()?;
    Ok(deleted > 0)
}

pub(super) fn revoke_login(
    conn: &mut Connection,
    login: &str,
    now_ms: i64,
) -> Result<Option<(Subject, usize)>, StorageError> {
    let tx = conn.transaction()?;
    let Some(found) = account(&tx, login)? else {
        return Ok(None);
    };
    let subject = found.subject;
    let deleted = tx.execute(
        "DELETE FROM tokens WHERE role = ?1 AND subject_id = ?2",
        params![role_code(subject.role), sql_id(subject.id)],
    )?;
    // Noted even when no token was stored: a session may have been opened just before.
    note(&tx, &Revoked::Subject(subject), now_ms)?;
    tx.commit()?;
    Ok(Some((subject, deleted)))
}

pub(super) fn revocations_after(
    conn: &Connection,
    after: u64,
) -> Result<Vec<Revocation>, StorageError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, token_hash, role, subject_id, line_id FROM revocations WHERE id > ?1
         ORDER BY id",
    )?;
    let rows = stmt
        .query_map([sql_id(after)], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, Option<i64>>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows
        .into_iter()
        .map(|(rid, hash, role, subject, line)| Revocation {
            id: id(rid),
            revoked: match (hash, role, subject, line) {
                (Some(hash), ..) => Revoked::Token(hash),
                (None, _, subject, Some(line)) => Revoked::Line {
                    specialist: id(subject.unwrap_or_default()),
                    line: id(line),
                },
                (None, role, subject, None) => Revoked::Subject(subject_of(
                    role.as_deref().unwrap_or_default(),
                    subject.unwrap_or_default(),
                )),
            },
        })
        .collect())
}

pub(super) fn last_revocation(conn: &Connection) -> Result<u64, StorageError> {
    let last: Option<i64> = conn.query_row("SELECT MAX(id) FROM revocations", [], |r| r.get(0))?;
    Ok(last.map_or(0, id))
}
