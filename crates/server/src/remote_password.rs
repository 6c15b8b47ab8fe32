//! The session password of remote sessions by password (V2): kept as an argon2 hash (the
//! accounts' code, [`crate::auth`]), checked outside the storage lock (argon2 is slow on
//! purpose), every attempt written to `remote_password_attempts` and to the log, and repeated
//! wrong ones throttled per (specialist, client).
//!
//! The throttle is read from the attempts table, so it holds across restarts and is a pure
//! function of the failures and `now` ([`wait_for`]): after [`Policy::max_failures`] wrong
//! passwords within [`Policy::window_ms`], every attempt of that specialist for that client is
//! refused, the right password too, until the oldest of those failures leaves the window.
//! Refused attempts do not count as failures, so the wait never grows by retrying.

use linedesk_protocol::{MAX_REMOTE_PASSWORD_CHARS, MIN_REMOTE_PASSWORD_CHARS};
use rusqlite::{Connection, OptionalExtension, params};

use crate::sqlite::sql_id;
use crate::storage::StorageError;

/// How many wrong passwords in how long lock a (specialist, client) pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub max_failures: usize,
    pub window_ms: i64,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            max_failures: 5,
            window_ms: 15 * 60 * 1000,
        }
    }
}

/// How long the pair must wait at `now_ms`, given the times of its wrong attempts (any order):
/// `None` when it may try.
pub fn wait_for(failures_ms: &[i64], now_ms: i64, policy: Policy) -> Option<u64> {
    let mut recent: Vec<i64> = failures_ms
        .iter()
        .copied()
        .filter(|t| now_ms - t < policy.window_ms)
        .collect();
    if recent.len() < policy.max_failures || policy.max_failures == 0 {
        return None;
    }
    recent.sort_unstable();
    // Free again when fewer than `max_failures` are left in the window: when the oldest of the
    // latest `max_failures` leaves it.
    let oldest_counted = recent[recent.len() - policy.max_failures];
    u64::try_from(oldest_counted + policy.window_ms - now_ms).ok()
}

/// What came of one attempt (the table's `outcome` code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Accepted,
    Wrong,
    Throttled,
    NoPassword,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Wrong => "wrong",
            Outcome::Throttled => "throttled",
            Outcome::NoPassword => "no_password",
        }
    }
}

/// A new session password, checked for length: its argon2 hash.
pub(crate) fn hash_new(password: &str) -> Result<String, StorageError> {
    let chars = password.chars().count();
    if !(MIN_REMOTE_PASSWORD_CHARS..=MAX_REMOTE_PASSWORD_CHARS).contains(&chars) {
        return Err(StorageError::Invalid(format!(
            "a session password is {MIN_REMOTE_PASSWORD_CHARS} to {MAX_REMOTE_PASSWORD_CHARS} characters"
        )));
    }
    crate::auth::hash_password(password).map_err(|e| StorageError::Corrupt(e.to_string()))
}

/// The client's stored hash and the times of `specialist`'s wrong attempts within the window.
pub(crate) fn state(
    conn: &Connection,
    specialist: u64,
    client: u64,
    now_ms: i64,
    policy: Policy,
) -> Result<(Option<String>, Vec<i64>), StorageError> {
    let hash: Option<String> = conn
        .query_row(
            "SELECT remote_password_hash FROM clients WHERE id = ?1",
            [sql_id(client)],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    let mut stmt = conn.prepare_cached(
        "SELECT at FROM remote_password_attempts
         WHERE specialist_id = ?1 AND client_id = ?2 AND outcome = 'wrong' AND at > ?3",
    )?;
    let failures = stmt
        .query_map(
            params![
                sql_id(specialist),
                sql_id(client),
                now_ms - policy.window_ms
            ],
            |r| r.get::<_, i64>(0),
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((hash, failures))
}

/// Write one attempt to the table and the log.
pub(crate) fn record(
    conn: &Connection,
    specialist: u64,
    client: u64,
    now_ms: i64,
    outcome: Outcome,
) -> Result<(), StorageError> {
    conn.execute(
        "INSERT INTO remote_password_attempts (specialist_id, client_id, at, outcome)
         VALUES (?1, ?2, ?3, ?4)",
        params![sql_id(specialist), sql_id(client), now_ms, outcome.code()],
    )?;
    match outcome {
        Outcome::Accepted => tracing::info!(
            specialist,
            client,
            outcome = outcome.code(),
            "remote session password attempt"
        ),
        Outcome::Wrong | Outcome::Throttled | Outcome::NoPassword => tracing::warn!(
            specialist,
            client,
            outcome = outcome.code(),
            "remote session password attempt"
        ),
    }
    Ok(())
}

/// Set (`Some(hash)`) or clear the client's session password.
pub(crate) fn set(conn: &Connection, client: u64, hash: Option<&str>) -> Result<(), StorageError> {
    conn.execute(
        "UPDATE clients SET remote_password_hash = ?2 WHERE id = ?1",
        params![sql_id(client), hash],
    )?;
    Ok(())
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
            Ok((crate::sqlite::id(r.get(0)?), r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60 * 1000;

    #[test]
    fn five_wrong_in_fifteen_minutes_lock_until_the_oldest_leaves_the_window() {
        let p = Policy::default();
        let four = [0, MIN, 2 * MIN, 3 * MIN];
        assert_eq!(wait_for(&four, 4 * MIN, p), None);
        let five = [0, MIN, 2 * MIN, 3 * MIN, 4 * MIN];
        assert_eq!(wait_for(&five, 4 * MIN, p), Some(11 * 60 * 1000));
        assert_eq!(wait_for(&five, 15 * MIN - 1, p), Some(1));
        assert_eq!(
            wait_for(&five, 15 * MIN, p),
            None,
            "the first left the window"
        );
        // Six failures: free when only four are left, i.e. when the second leaves.
        let six = [0, MIN, 2 * MIN, 3 * MIN, 4 * MIN, 5 * MIN];
        assert_eq!(wait_for(&six, 15 * MIN, p), Some(MIN as u64));
        assert_eq!(wait_for(&six, 16 * MIN, p), None);
        // Order of the rows does not matter; old failures do not count.
        let shuffled = [4 * MIN, -20 * MIN, 0, 2 * MIN, MIN, 3 * MIN];
        assert_eq!(wait_for(&shuffled, 4 * MIN, p), Some(11 * 60 * 1000));
    }

    #[test]
    fn passwords_out_of_bounds_are_refused_before_hashing() {
        assert!(matches!(hash_new("abc"), Err(StorageError::Invalid(_))));
        let long = "x".repeat(MAX_REMOTE_PASSWORD_CHARS + 1);
        assert!(matches!(hash_new(&long), Err(StorageError::Invalid(_))));
        let hash = hash_new("секрет-42").expect("hash");
        assert!(crate::auth::verify_password("секрет-42", &hash));
    }
}
