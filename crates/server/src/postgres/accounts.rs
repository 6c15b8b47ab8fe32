//! Accounts of all three kinds, tokens, the revocation log and account controls over
//! PostgreSQL: the same rows as SQLite's `accounts.rs` and `account_admin.rs`.

use linedesk_protocol::Role;

use super::db::{Db, id, sql_id};
use crate::sqlite::accounts::{role_code, subject_of};
use crate::storage::{Account, LineInfo, Revocation, Revoked, StorageError, Subject, TokenOwner};

/// Revocations older than this are dropped from the log: every live server has read them.
const REVOCATION_MEMORY_MS: i64 = 24 * 60 * 60 * 1000;

fn table(role: Role) -> &'static str {
    match role {
        Role::Specialist => "specialists",
        Role::Client => "clients",
        Role::Admin => "admins",
    }
}

/// Logins are unique across specialists, clients and admins.
pub(crate) fn ensure_login_free(db: &Db, login: &str) -> Result<(), StorageError> {
    let taken = db.opt(
        "SELECT 1 FROM specialists WHERE login = $1
         UNION ALL SELECT 1 FROM clients WHERE login = $1
         UNION ALL SELECT 1 FROM admins WHERE login = $1 LIMIT 1",
        &[&login],
    )?;
    match taken {
        Some(_) => Err(StorageError::Exists {
            what: "login",
            name: login.to_string(),
        }),
        None => Ok(()),
    }
}

pub(crate) fn add_admin(db: &Db, login: &str, password_hash: &str) -> Result<u64, StorageError> {
    if login.trim().is_empty() {
        return Err(StorageError::Invalid("a login cannot be empty".into()));
    }
    ensure_login_free(db, login)?;
    let row = db
        .one(
            "INSERT INTO admins (login, password_hash) VALUES ($1, $2) RETURNING id",
            &[&login, &password_hash],
        )
        .map_err(|e| super::db::exists("login", login, e))?;
    Ok(id(row.get(0)))
}

/// The account of `login`; a guest's has an empty password hash, which nothing verifies.
pub(crate) fn account(db: &Db, login: &str) -> Result<Option<Account>, StorageError> {
    let found = db.opt(
        "SELECT 'specialist', id, password_hash FROM specialists WHERE login = $1
         UNION ALL SELECT 'client', id, COALESCE(password_hash, '') FROM clients WHERE login = $1
         UNION ALL SELECT 'admin', id, password_hash FROM admins WHERE login = $1
         LIMIT 1",
        &[&login],
    )?;
    Ok(found.map(|r| Account {
        subject: subject_of(r.get(0), r.get(1)),
        login: login.to_string(),
        password_hash: r.get(2),
    }))
}

pub(crate) fn lines(db: &Db) -> Result<Vec<LineInfo>, StorageError> {
    Ok(db
        .rows("SELECT id, name FROM lines ORDER BY id", &[])?
        .iter()
        .map(|r| LineInfo {
            id: id(r.get(0)),
            name: r.get(1),
        })
        .collect())
}

pub(crate) fn note(db: &Db, revoked: &Revoked, now_ms: i64) -> Result<(), StorageError> {
    match revoked {
        Revoked::Token(hash) => db.exec(
            "INSERT INTO revocations (token_hash, at) VALUES ($1, $2)",
            &[hash, &now_ms],
        )?,
        Revoked::Subject(s) => db.exec(
            "INSERT INTO revocations (role, subject_id, at) VALUES ($1, $2, $3)",
            &[&role_code(s.role), &sql_id(s.id), &now_ms],
        )?,
        Revoked::Line { specialist, line } => db.exec(
            "INSERT INTO revocations (role, subject_id, line_id, at) VALUES ($1, $2, $3, $4)",
            &[
                &role_code(Role::Specialist),
                &sql_id(*specialist),
                &sql_id(*line),
                &now_ms,
            ],
        )?,
    };
    db.exec(
        "DELETE FROM revocations WHERE at < $1",
        &[&(now_ms - REVOCATION_MEMORY_MS)],
    )?;
    Ok(())
}

pub(crate) fn save_token(
    db: &Db,
    token_hash: &str,
    subject: Subject,
    expires_ms: i64,
) -> Result<(), StorageError> {
    db.exec(
        "INSERT INTO tokens (token_hash, role, subject_id, expires_at) VALUES ($1, $2, $3, $4)",
        &[
            &token_hash,
            &role_code(subject.role),
            &sql_id(subject.id),
            &expires_ms,
        ],
    )?;
    Ok(())
}

pub(crate) fn token_owner(
    db: &Db,
    token_hash: &str,
    now_ms: i64,
) -> Result<Option<TokenOwner>, StorageError> {
    Ok(db
        .opt(
            "SELECT role, subject_id, expires_at FROM tokens
             WHERE token_hash = $1 AND expires_at > $2",
            &[&token_hash, &now_ms],
        )?
        .map(|r| TokenOwner {
            subject: subject_of(r.get(0), r.get(1)),
            expires_ms: r.get(2),
        }))
}

pub(crate) fn delete_expired_tokens(db: &Db, now_ms: i64) -> Result<usize, StorageError> {
    let deleted = db.exec("DELETE FROM tokens WHERE expires_at <= $1", &[&now_ms])?;
    Ok(usize::try_from(deleted).unwrap_or(usize::MAX))
}

pub(crate) fn revoke_token(db: &Db, token_hash: &str, now_ms: i64) -> Result<bool, StorageError> {
    db.transaction(|db| {
        let deleted = db.exec(
            "DELETE FROM tokens WHERE token_hash = $1 AND expires_at > $2",
            &[&token_hash, &now_ms],
        )?;
        if deleted > 0 {
            note(db, &Revoked::Token(token_hash.to_string()), now_ms)?;
        }
        Ok(deleted > 0)
    })
}

fn revoke_all(db: &Db, subject: Subject, now_ms: i64) -> Result<usize, StorageError> {
    let deleted = db.exec(
        "DELETE FROM tokens WHERE role = $1 AND subject_id = $2",
        &[&role_code(subject.role), &sql_id(subject.id)],
    )?;
    // Noted even when no token was stored: a session may have been opened just before.
    note(db, &Revoked::Subject(subject), now_ms)?;
    if subject.role == Role::Specialist {
        // W3: their staff-line client identities' tokens were issued to them.
        let clients = db.rows(
            "SELECT client_id FROM staff_clients WHERE specialist_id = $1",
            &[&sql_id(subject.id)],
        )?;
        for row in clients {
            let client = Subject {
                role: Role::Client,
                id: id(row.get(0)),
            };
            db.exec(
                "DELETE FROM tokens WHERE role = $1 AND subject_id = $2",
                &[&role_code(client.role), &sql_id(client.id)],
            )?;
            note(db, &Revoked::Subject(client), now_ms)?;
        }
    }
    Ok(usize::try_from(deleted).unwrap_or(usize::MAX))
}

pub(crate) fn revoke_login(
    db: &Db,
    login: &str,
    now_ms: i64,
) -> Result<Option<(Subject, usize)>, StorageError> {
    db.transaction(|db| {
        let Some(found) = account(db, login)? else {
            return Ok(None);
        };
        let deleted = revoke_all(db, found.subject, now_ms)?;
        Ok(Some((found.subject, deleted)))
    })
}

pub(crate) fn revocations_after(db: &Db, after: u64) -> Result<Vec<Revocation>, StorageError> {
    Ok(db
        .rows(
            "SELECT id, token_hash, role, subject_id, line_id FROM revocations WHERE id > $1
             ORDER BY id",
            &[&sql_id(after)],
        )?
        .iter()
        .map(|r| {
            let hash: Option<String> = r.get(1);
            let role: Option<String> = r.get(2);
            let subject: Option<i64> = r.get(3);
            let line: Option<i64> = r.get(4);
            Revocation {
                id: id(r.get(0)),
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
            }
        })
        .collect())
}

pub(crate) fn last_revocation(db: &Db) -> Result<u64, StorageError> {
    let last: Option<i64> = db.one("SELECT MAX(id) FROM revocations", &[])?.get(0);
    Ok(last.map_or(0, id))
}

pub(crate) fn set_disabled(
    db: &Db,
    login: &str,
    disabled: bool,
    now_ms: i64,
) -> Result<Option<Subject>, StorageError> {
    db.transaction(|db| {
        let Some(found) = account(db, login)? else {
            return Ok(None);
        };
        let subject = found.subject;
        db.exec(
            &format!(
                "UPDATE {} SET disabled = $2 WHERE id = $1",
                table(subject.role)
            ),
            &[&sql_id(subject.id), &disabled],
        )?;
        if disabled {
            revoke_all(db, subject, now_ms)?;
        }
        Ok(Some(subject))
    })
}

pub(crate) fn reset_password(
    db: &Db,
    login: &str,
    password_hash: &str,
    now_ms: i64,
) -> Result<Option<Subject>, StorageError> {
    db.transaction(|db| {
        let Some(found) = account(db, login)? else {
            return Ok(None);
        };
        let subject = found.subject;
        db.exec(
            &format!(
                "UPDATE {} SET password_hash = $2 WHERE id = $1",
                table(subject.role)
            ),
            &[&sql_id(subject.id), &password_hash],
        )?;
        revoke_all(db, subject, now_ms)?;
        Ok(Some(subject))
    })
}

/// Keep a login's new token unless the account is disabled (then `false`).
pub(crate) fn issue_token(
    db: &Db,
    token_hash: &str,
    subject: Subject,
    expires_ms: i64,
) -> Result<bool, StorageError> {
    let inserted = db.exec(
        &format!(
            "INSERT INTO tokens (token_hash, role, subject_id, expires_at)
             SELECT $1, $2, $3, $4 FROM {} WHERE id = $3 AND NOT disabled",
            table(subject.role)
        ),
        &[
            &token_hash,
            &role_code(subject.role),
            &sql_id(subject.id),
            &expires_ms,
        ],
    )?;
    Ok(inserted == 1)
}
