//! Remote sessions (V2) in the client's timeline (A7): who asked, by request or by password,
//! when it started, how it ended and how long it ran. Written only from the line server's
//! events ([`crate::replica`]); the app never invents one.

use serde::{Deserialize, Serialize};

use crate::Store;
use crate::error::Result;

/// One remote session with the client, as the timeline shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RemoteSessionEntry {
    pub id: i64,
    /// The specialist who asked, by id and name.
    pub specialist: i64,
    pub specialist_name: String,
    /// `by_request` or `by_password`.
    pub mode: String,
    pub requested_at: i64,
    /// `None`: it never started (declined, withdrawn, refused) or is still asked.
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
    /// `client` or `specialist`, once it ended.
    pub ended_by: Option<String>,
    /// `declined`, `ended_by_client`, `ended_by_specialist`, `failed`, `refused`; `None`
    /// while it is asked or running.
    pub outcome: Option<String>,
    pub duration_ms: Option<i64>,
}

/// What one event of the line's log says about a remote session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteSessionChange {
    Requested {
        session: i64,
        client: i64,
        specialist: i64,
        specialist_name: String,
        mode: String,
        at: i64,
    },
    Started {
        session: i64,
        at: i64,
    },
    Ended {
        session: i64,
        by: String,
        reason: String,
        duration_ms: Option<i64>,
        at: i64,
    },
}

impl RemoteSessionChange {
    /// The client it concerns, when the change names one (a request does).
    pub(crate) fn client(&self) -> Option<i64> {
        match self {
            RemoteSessionChange::Requested { client, .. } => Some(*client),
            RemoteSessionChange::Started { .. } | RemoteSessionChange::Ended { .. } => None,
        }
    }
}

/// Apply one change inside the replica's transaction (idempotent, like every replica write).
pub(crate) fn apply(
    tx: &rusqlite::Transaction<'_>,
    line: i64,
    change: &RemoteSessionChange,
) -> Result<()> {
    match change {
        RemoteSessionChange::Requested {
            session,
            client,
            specialist,
            specialist_name,
            mode,
            at,
        } => {
            tx.execute(
                "INSERT INTO remote_sessions
                    (id, line_id, client_id, specialist_id, specialist_name, mode, requested_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
                rusqlite::params![session, line, client, specialist, specialist_name, mode, at],
            )?;
        }
        RemoteSessionChange::Started { session, at } => {
            tx.execute(
                "UPDATE remote_sessions SET started_at = ?2 WHERE id = ?1",
                rusqlite::params![session, at],
            )?;
        }
        RemoteSessionChange::Ended {
            session,
            by,
            reason,
            duration_ms,
            at,
        } => {
            tx.execute(
                "UPDATE remote_sessions
                 SET ended_at = ?2, ended_by = ?3, end_reason = ?4, duration_ms = ?5
                 WHERE id = ?1",
                rusqlite::params![session, at, by, reason, duration_ms],
            )?;
        }
    }
    Ok(())
}

impl Store {
    /// The client's remote sessions on the line, oldest first (the chat merges them into its
    /// timeline).
    pub fn remote_sessions_of(&self, line: i64, client: i64) -> Result<Vec<RemoteSessionEntry>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, specialist_id, specialist_name, mode, requested_at, started_at, ended_at,
                    ended_by, end_reason, duration_ms
             FROM remote_sessions WHERE line_id = ?1 AND client_id = ?2
             ORDER BY requested_at, id",
        )?;
        let rows = stmt
            .query_map([line, client], |r| {
                Ok(RemoteSessionEntry {
                    id: r.get(0)?,
                    specialist: r.get(1)?,
                    specialist_name: r.get(2)?,
                    mode: r.get(3)?,
                    requested_at: r.get(4)?,
                    started_at: r.get(5)?,
                    ended_at: r.get(6)?,
                    ended_by: r.get(7)?,
                    outcome: r.get(8)?,
                    duration_ms: r.get(9)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}
