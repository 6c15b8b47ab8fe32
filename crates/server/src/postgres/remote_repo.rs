//! Remote sessions (V2) over PostgreSQL: the same rows as SQLite's `remote_repo.rs` (sessions,
//! the clients' session passwords and the audit of every password attempt).

use linedesk_line::remote_password::Outcome;
use linedesk_line::{NewRemote, RemoteRecord, RemoteRepo, RepoError};
use linedesk_protocol::{RemoteEndReason, Role};

use super::db::{Db, id, pg, sql_id};
use super::line_repo::PgRepo;
use crate::sqlite::remote_repo::{code_of, mode_code, mode_of, stage_of};
use crate::storage::StorageError;

pub(crate) fn load(db: &Db, session: u64) -> Result<Option<RemoteRecord>, RepoError> {
    let Some(r) = db
        .opt(
            "SELECT line_id, client_id, specialist_id, appeal_id, mode, state, started_at
             FROM remote_sessions WHERE id = $1",
            &[&sql_id(session)],
        )
        .map_err(pg)?
    else {
        return Ok(None);
    };
    Ok(Some(RemoteRecord {
        id: session,
        line: id(r.get(0)),
        client: id(r.get(1)),
        specialist: id(r.get(2)),
        appeal: id(r.get(3)),
        mode: mode_of(r.get(4))?,
        stage: stage_of(r.get(5))?,
        started_ms: r.get(6),
    }))
}

impl RemoteRepo for PgRepo<'_> {
    fn remote_session(&mut self, session: u64) -> Result<Option<RemoteRecord>, RepoError> {
        load(self.db, session)
    }

    fn live_remote_session(&mut self, client: u64) -> Result<Option<RemoteRecord>, RepoError> {
        let live = self
            .db
            .opt(
                "SELECT id FROM remote_sessions WHERE client_id = $1 AND state <> 'ended'",
                &[&sql_id(client)],
            )
            .map_err(pg)?;
        match live {
            Some(r) => load(self.db, id(r.get(0))),
            None => Ok(None),
        }
    }

    fn requested_since(&mut self, requested_ms: i64) -> Result<Vec<RemoteRecord>, RepoError> {
        let ids = self
            .db
            .rows(
                "SELECT id FROM remote_sessions
                 WHERE state = 'requested' AND requested_at <= $1 ORDER BY requested_at",
                &[&requested_ms],
            )
            .map_err(pg)?;
        ids.iter()
            .filter_map(|r| load(self.db, id(r.get(0))).transpose())
            .collect()
    }

    fn insert_remote_session(&mut self, s: &NewRemote) -> Result<u64, RepoError> {
        Ok(id(self
            .db
            .one(
                "INSERT INTO remote_sessions
                    (line_id, client_id, specialist_id, appeal_id, mode, state, requested_at)
                 VALUES ($1, $2, $3, $4, $5, 'requested', $6) RETURNING id",
                &[
                    &sql_id(s.line),
                    &sql_id(s.client),
                    &sql_id(s.specialist),
                    &sql_id(s.appeal),
                    &mode_code(s.mode),
                    &s.requested_ms,
                ],
            )
            .map_err(pg)?
            .get(0)))
    }

    fn remote_started(&mut self, session: u64, at_ms: i64) -> Result<(), RepoError> {
        self.db
            .exec(
                "UPDATE remote_sessions SET state = 'started', started_at = $2 WHERE id = $1",
                &[&sql_id(session), &at_ms],
            )
            .map_err(pg)?;
        Ok(())
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
        self.db
            .exec(
                "UPDATE remote_sessions SET state = 'ended', ended_at = $2, ended_by = $3,
                     end_reason = $4
                 WHERE id = $1",
                &[&sql_id(session), &at_ms, &by_code, &code_of(reason)],
            )
            .map_err(pg)?;
        Ok(())
    }

    fn specialist_name(&mut self, specialist: u64) -> Result<Option<String>, RepoError> {
        Ok(self
            .db
            .opt(
                "SELECT name FROM specialists WHERE id = $1",
                &[&sql_id(specialist)],
            )
            .map_err(pg)?
            .map(|r| r.get(0)))
    }

    fn line_name(&mut self, line: u64) -> Result<Option<String>, RepoError> {
        Ok(self
            .db
            .opt("SELECT name FROM lines WHERE id = $1", &[&sql_id(line)])
            .map_err(pg)?
            .map(|r| r.get(0)))
    }

    fn set_remote_password(
        &mut self,
        client: u64,
        hash: Option<&str>,
        at_ms: i64,
    ) -> Result<(), RepoError> {
        self.db
            .exec(
                "UPDATE clients SET remote_password_hash = $2, remote_password_set_at = $3
                 WHERE id = $1",
                &[&sql_id(client), &hash, &hash.map(|_| at_ms)],
            )
            .map_err(pg)?;
        Ok(())
    }

    fn remote_password(&mut self, client: u64) -> Result<Option<(String, i64)>, RepoError> {
        Ok(self
            .db
            .opt(
                "SELECT remote_password_hash, remote_password_set_at FROM clients WHERE id = $1",
                &[&sql_id(client)],
            )
            .map_err(pg)?
            .and_then(|r| {
                let hash: Option<String> = r.get(0);
                let set_at: Option<i64> = r.get(1);
                hash.zip(set_at)
            }))
    }

    fn password_failures(
        &mut self,
        specialist: u64,
        client: u64,
        since_ms: i64,
    ) -> Result<Vec<i64>, RepoError> {
        Ok(self
            .db
            .rows(
                "SELECT at FROM remote_password_attempts
                 WHERE specialist_id = $1 AND client_id = $2 AND outcome IN ('wrong', 'pending')
                   AND at > $3",
                &[&sql_id(specialist), &sql_id(client), &since_ms],
            )
            .map_err(pg)?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn insert_password_attempt(
        &mut self,
        specialist: u64,
        client: u64,
        at_ms: i64,
        outcome: Outcome,
    ) -> Result<u64, RepoError> {
        Ok(id(self
            .db
            .one(
                "INSERT INTO remote_password_attempts (specialist_id, client_id, at, outcome)
                 VALUES ($1, $2, $3, $4) RETURNING id",
                &[
                    &sql_id(specialist),
                    &sql_id(client),
                    &at_ms,
                    &outcome.code(),
                ],
            )
            .map_err(pg)?
            .get(0)))
    }

    fn settle_password_attempt(&mut self, attempt: u64, outcome: Outcome) -> Result<(), RepoError> {
        self.db
            .exec(
                "UPDATE remote_password_attempts SET outcome = $2 WHERE id = $1",
                &[&sql_id(attempt), &outcome.code()],
            )
            .map_err(pg)?;
        Ok(())
    }
}

/// Every session password attempt for `client` as (specialist, at, outcome), oldest first.
pub(crate) fn attempts(db: &Db, client: u64) -> Result<Vec<(u64, i64, String)>, StorageError> {
    Ok(db
        .rows(
            "SELECT specialist_id, at, outcome FROM remote_password_attempts
             WHERE client_id = $1 ORDER BY id",
            &[&sql_id(client)],
        )?
        .iter()
        .map(|r| (id(r.get(0)), r.get(1), r.get(2)))
        .collect())
}
