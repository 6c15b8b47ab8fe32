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
//!
//! An attempt is counted before its verification: under the storage lock it is checked
//! against the throttle and reserved (a `pending` row, which counts as a failure until it is
//! settled), argon2 runs outside the lock, and the row is then settled as `accepted` or
//! `wrong`. So the limit holds under any concurrency: of many parallel guesses at most
//! [`Policy::max_failures`] are verified. A password expires [`Policy::password_ttl_ms`] after
//! it was set (the client's assistant also clears it when it stops).

use linedesk_protocol::{MAX_REMOTE_PASSWORD_CHARS, MIN_REMOTE_PASSWORD_CHARS};
use rusqlite::{Connection, OptionalExtension, params};

use crate::sqlite::sql_id;
use crate::storage::StorageError;

/// How many wrong passwords in how long lock a (specialist, client) pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub max_failures: usize,
    pub window_ms: i64,
    /// How long a session password stays valid after it was set.
    pub password_ttl_ms: i64,
}

/// The default lifetime of a session password: 12 hours.
pub const DEFAULT_PASSWORD_TTL_MS: i64 = 12 * 60 * 60 * 1000;

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            max_failures: 5,
            window_ms: 15 * 60 * 1000,
            password_ttl_ms: DEFAULT_PASSWORD_TTL_MS,
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
    /// Reserved before verification; counts as a failure until settled.
    Pending,
    Accepted,
    Wrong,
    Throttled,
    NoPassword,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Pending => "pending",
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

/// The client's stored hash (`None` when unset or expired) and the times of `specialist`'s
/// wrong and still unsettled attempts within the window.
pub(crate) fn state(
    conn: &Connection,
    specialist: u64,
    client: u64,
    now_ms: i64,
    policy: Policy,
) -> Result<(Option<String>, Vec<i64>), StorageError> {
    let stored: Option<(Option<String>, Option<i64>)> = conn
        .query_row(
            "SELECT remote_password_hash, remote_password_set_at FROM clients WHERE id = ?1",
            [sql_id(client)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let hash = match stored {
        Some((Some(hash), Some(set_at))) if now_ms < set_at + policy.password_ttl_ms => Some(hash),
        _ => None,
    };
    let mut stmt = conn.prepare_cached(
        "SELECT at FROM remote_password_attempts
         WHERE specialist_id = ?1 AND client_id = ?2 AND outcome IN ('wrong', 'pending')
           AND at > ?3",
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

/// Write one attempt to the table (and, once settled, to the log); its row id.
pub(crate) fn record(
    conn: &Connection,
    specialist: u64,
    client: u64,
    now_ms: i64,
    outcome: Outcome,
) -> Result<i64, StorageError> {
    conn.execute(
        "INSERT INTO remote_password_attempts (specialist_id, client_id, at, outcome)
         VALUES (?1, ?2, ?3, ?4)",
        params![sql_id(specialist), sql_id(client), now_ms, outcome.code()],
    )?;
    let attempt = conn.last_insert_rowid();
    log(specialist, client, outcome);
    Ok(attempt)
}

/// Settle a reserved attempt once its verification is done.
pub(crate) fn settle(
    conn: &Connection,
    attempt: i64,
    specialist: u64,
    client: u64,
    outcome: Outcome,
) -> Result<(), StorageError> {
    conn.execute(
        "UPDATE remote_password_attempts SET outcome = ?2 WHERE id = ?1",
        params![attempt, outcome.code()],
    )?;
    log(specialist, client, outcome);
    Ok(())
}

fn log(specialist: u64, client: u64, outcome: Outcome) {
    match outcome {
        Outcome::Pending => {}
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
}

/// Set (`Some(hash)`, valid from `now_ms`) or clear the client's session password.
pub(crate) fn set(
    conn: &Connection,
    client: u64,
    hash: Option<&str>,
    now_ms: i64,
) -> Result<(), StorageError> {
    conn.execute(
        "UPDATE clients SET remote_password_hash = ?2, remote_password_set_at = ?3 WHERE id = ?1",
        params![sql_id(client), hash, hash.map(|_| now_ms)],
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
