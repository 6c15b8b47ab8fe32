//! The remote sessions' repository ([`linedesk_line::RemoteRepo`]) over SQLite: the sessions,
//! the clients' session password hashes and the attempts at them, and the reads the server
//! needs (signalling, the attempts' audit). The rules are `linedesk_line::remote_sessions` and
//! `linedesk_line::remote_password`.

use linedesk_line::remote_password::Outcome;
use linedesk_line::{NewRemote, RemoteRecord, RemoteRepo, RemoteStage, RepoError};
use linedesk_protocol::{RemoteEndReason, RemoteMode, Role};
use rusqlite::{Connection, OptionalExtension, params};

use super::line_repo::{SqliteRepo, run};
use super::{id, sql_id};
use crate::storage::StorageError;

pub(crate) fn mode_code(mode: RemoteMode) -> &'static str {
    match mode {
        RemoteMode::ByRequest => "by_request",
        RemoteMode::ByPassword => "by_password",
    }
}

pub(crate) fn mode_of(code: &str) -> Result<RemoteMode, RepoError> {
    match code {
        "by_request" => Ok(RemoteMode::ByRequest),
        "by_password" => Ok(RemoteMode::ByPassword),
        other => Err(RepoError::new("corrupt", format!("remote mode {other:?}"))),
    }
}

pub(crate) fn stage_of(code: &str) -> Result<RemoteStage, RepoError> {
    match code {
        "requested" => Ok(RemoteStage::Requested),
        "started" => Ok(RemoteStage::Started),
        "ended" => Ok(RemoteStage::Ended),
        other => Err(RepoError::new("corrupt", format!("remote state {other:?}"))),
    }
}

/// A remote session by id, or `None`.
pub(crate) fn load(conn: &Connection, session: u64) -> Result<Option<RemoteRecord>, RepoError> {
    let row = run(|| {
        conn.prepare_cached(
            "SELECT line_id, client_id, specialist_id, appeal_id, mode, state, started_at
             FROM remote_sessions WHERE id = ?1",
        )?
        .query_row([sql_id(session)], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<i64>>(6)?,
            ))
        })
        .optional()
    })?;
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

pub(crate) fn code_of<T: serde::Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

impl RemoteRepo for SqliteRepo<'_> {
    fn remote_session(&mut self, session: u64) -> Result<Option<RemoteRecord>, RepoError> {
        load(self.tx, session)
    }

    fn live_remote_session(&mut self, client: u64) -> Result<Option<RemoteRecord>, RepoError> {
        let live: Option<i64> = run(|| {
            self.tx
                .query_row(
                    "SELECT id FROM remote_sessions WHERE client_id = ?1 AND state <> 'ended'",
                    [sql_id(client)],
                    |r| r.get(0),
                )
                .optional()
        })?;
        match live {
            Some(session) => load(self.tx, id(session)),
            None => Ok(None),
        }
    }

    fn requested_since(&mut self, requested_ms: i64) -> Result<Vec<RemoteRecord>, RepoError> {
        let ids: Vec<i64> = run(|| {
            self.tx
                .prepare_cached(
                    "SELECT id FROM remote_sessions
                     WHERE state = 'requested' AND requested_at <= ?1 ORDER BY requested_at",
                )?
                .query_map([requested_ms], |r| r.get(0))?
                .collect()
        })?;
        ids.into_iter()
            .filter_map(|s| load(self.tx, id(s)).transpose())
            .collect()
    }

    fn insert_remote_session(&mut self, s: &NewRemote) -> Result<u64, RepoError> {
        run(|| {
            self.tx.execute(
                "INSERT INTO remote_sessions
                    (line_id, client_id, specialist_id, appeal_id, mode, state, requested_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'requested', ?6)",
                params![
                    sql_id(s.line),
                    sql_id(s.client),
                    sql_id(s.specialist),
                    sql_id(s.appeal),
                    mode_code(s.mode),
                    s.requested_ms
                ],
            )?;
            Ok(id(self.tx.last_insert_rowid()))
        })
    }

    fn remote_started(&mut self, session: u64, at_ms: i64) -> Result<(), RepoError> {
        run(|| {
            self.tx.execute(
                "UPDATE remote_sessions SET state = 'started', started_at = ?2 WHERE id = ?1",
                params![sql_id(session), at_ms],
            )?;
            Ok(())
        })
    }

    fn remote_ended(
        &mut self,
        session: u64,
        at_ms: i64,
        by: Role,
        reason: RemoteEndReason,
    ) -> Result<(), RepoError> {
        let by_code = if by == Role::Client {
            "client"
        } else {
            "specialist"
        };
        let code = code_of(reason);
        run(|| {
            self.tx.execute(
                "UPDATE remote_sessions SET state = 'ended', ended_at = ?2, ended_by = ?3,
                     end_reason = ?4
                 WHERE id = ?1",
                params![sql_id(session), at_ms, by_code, code],
            )?;
            Ok(())
        })
    }

    fn specialist_name(&mut self, specialist: u64) -> Result<Option<String>, RepoError> {
        run(|| {
            self.tx
                .query_row(
                    "SELECT name FROM specialists WHERE id = ?1",
                    [sql_id(specialist)],
                    |r| r.get(0),
                )
                .optional()
        })
    }

    fn line_name(&mut self, line: u64) -> Result<Option<String>, RepoError> {
        run(|| {
            self.tx
                .query_row(
                    "SELECT name FROM lines WHERE id = ?1",
                    [sql_id(line)],
                    |r| r.get(0),
                )
                .optional()
        })
    }

    fn set_remote_password(
        &mut self,
        client: u64,
        hash: Option<&str>,
        at_ms: i64,
    ) -> Result<(), RepoError> {
        run(|| {
            self.tx.execute(
                "UPDATE clients SET remote_password_hash = ?2, remote_password_set_at = ?3
                 WHERE id = ?1",
                params![sql_id(client), hash, hash.map(|_| at_ms)],
            )?;
            Ok(())
        })
    }

    fn remote_password(&mut self, client: u64) -> Result<Option<(String, i64)>, RepoError> {
        let stored: Option<(Option<String>, Option<i64>)> = run(|| {
            self.tx
                .query_row(
                    "SELECT remote_password_hash, remote_password_set_at FROM clients
                     WHERE id = ?1",
                    [sql_id(client)],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
        })?;
        Ok(match stored {
            Some((Some(hash), Some(set_at))) => Some((hash, set_at)),
            _ => None,
        })
    }

    fn password_failures(
        &mut self,
        specialist: u64,
        client: u64,
        since_ms: i64,
    ) -> Result<Vec<i64>, RepoError> {
        run(|| {
            let mut stmt = self.tx.prepare_cached(
                "SELECT at FROM remote_password_attempts
                 WHERE specialist_id = ?1 AND client_id = ?2 AND outcome IN ('wrong', 'pending')
                   AND at > ?3",
            )?;
            stmt.query_map(params![sql_id(specialist), sql_id(client), since_ms], |r| {
                r.get::<_, i64>(0)
            })?
            .collect()
        })
    }

    fn insert_password_attempt(
        &mut self,
        specialist: u64,
        client: u64,
        at_ms: i64,
        outcome: Outcome,
    ) -> Result<u64, RepoError> {
        run(|| {
            self.tx.execute(
                "INSERT INTO remote_password_attempts (specialist_id, client_id, at, outcome)
                 VALUES (?1, ?2, ?3, ?4)",
                params![sql_id(specialist), sql_id(client), at_ms, outcome.code()],
            )?;
            Ok(id(self.tx.last_insert_rowid()))
        })
    }

    fn settle_password_attempt(&mut self, attempt: u64, outcome: Outcome) -> Result<(), RepoError> {
        run(|| {
            self.tx.execute(
                "UPDATE remote_password_attempts SET outcome = ?2 WHERE id = ?1",
                params![sql_id(attempt), outcome.code()],
            )?;
            Ok(())
        })
    }
}

/// The audit: every attempt for `client` as (specialist, at, outcome), oldest first.
pub(crate) fn attempts(
    conn: &Connection,
    client: u64,
) -> Result<Vec<(u64, i64, String)>, StorageError> {
    let mut stmt = conn.prepare_cached(
        "SELECT specialist_id, at, outcome FROM remote_password_attempts
         WHERE client_id = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([sql_id(client)], |r| {
            Ok((id(r.get(0)?), r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
