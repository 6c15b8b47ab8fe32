//! The session password of remote sessions by password (V2): the throttle and the attempt
//! bookkeeping decisions. The hash is the caller's (argon2, slow on purpose, runs outside
//! the storage lock); this module decides, under the lock, whether an attempt may be verified
//! at all and what is written about it.
//!
//! The throttle is read from the kept attempts, so it holds across restarts and is a pure
//! function of the failures and `now` ([`wait_for`]): after [`Policy::max_failures`] wrong
//! passwords within [`Policy::window_ms`], every attempt of that specialist for that client is
//! refused, the right password too, until the oldest of those failures leaves the window.
//! Refused attempts do not count as failures, so the wait never grows by retrying.
//!
//! An attempt is counted before its verification ([`reserve`]): checked against the throttle
//! and kept as `pending` (which counts as a failure until it is settled); the caller verifies
//! outside the lock, then [`settle`]s it as `accepted` or `wrong`. So the limit holds under any
//! concurrency: of many parallel guesses at most [`Policy::max_failures`] are verified. A
//! password expires [`Policy::password_ttl_ms`] after it was set.

use linedesk_protocol::{MAX_REMOTE_PASSWORD_CHARS, MIN_REMOTE_PASSWORD_CHARS, Role};

use crate::error::LineError;
use crate::repo::{KeyOwner, Repo};

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

/// What came of one attempt (the kept `outcome` code).
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

/// A new session password's length, checked before it is hashed.
pub fn check_new(password: &str) -> Result<(), LineError> {
    let chars = password.chars().count();
    if !(MIN_REMOTE_PASSWORD_CHARS..=MAX_REMOTE_PASSWORD_CHARS).contains(&chars) {
        return Err(LineError::Invalid(format!(
            "a session password is {MIN_REMOTE_PASSWORD_CHARS} to {MAX_REMOTE_PASSWORD_CHARS} characters"
        )));
    }
    Ok(())
}

/// What [`reserve`] decided about an attempt. The caller commits what it wrote in every case.
#[derive(Debug)]
pub enum Reservation {
    /// A resend of a done request: acknowledged as a duplicate, not retried (nor kept, nor
    /// throttled) as a new attempt.
    Duplicate,
    /// Refused before verification (throttled, no password); the attempt is kept with this
    /// outcome and the action ends with the error.
    Refused(Outcome, LineError),
    /// Verify the password given against `hash` (outside the lock), then [`settle`] `attempt`.
    Verify { hash: String, attempt: u64 },
}

/// `specialist` asks `client` of `line` for a session by password under `key`: may the
/// password be verified? The attempt is kept (as pending, or refused) before anyone verifies.
pub fn reserve<R: Repo>(
    repo: &mut R,
    (specialist, line, client): (u64, u64, u64),
    key: &str,
    now_ms: i64,
    policy: Policy,
) -> Result<Reservation, LineError> {
    if repo.key_claimed(KeyOwner::Specialist(specialist), key)? {
        return Ok(Reservation::Duplicate);
    }
    if !repo.serves(specialist, line)? {
        return Err(LineError::Forbidden(line));
    }
    if repo.client(client)?.map(|c| c.line) != Some(line) {
        return Err(LineError::Invalid(format!(
            "client {client} is not on line {line}"
        )));
    }
    let failures = repo.password_failures(specialist, client, now_ms - policy.window_ms)?;
    if let Some(wait_ms) = wait_for(&failures, now_ms, policy) {
        repo.insert_password_attempt(specialist, client, now_ms, Outcome::Throttled)?;
        return Ok(Reservation::Refused(
            Outcome::Throttled,
            LineError::RateLimited { wait_ms },
        ));
    }
    let hash = match repo.remote_password(client)? {
        Some((hash, set_at)) if now_ms < set_at + policy.password_ttl_ms => hash,
        _ => {
            repo.insert_password_attempt(specialist, client, now_ms, Outcome::NoPassword)?;
            return Ok(Reservation::Refused(
                Outcome::NoPassword,
                LineError::NoPassword,
            ));
        }
    };
    let attempt = repo.insert_password_attempt(specialist, client, now_ms, Outcome::Pending)?;
    Ok(Reservation::Verify { hash, attempt })
}

/// The verification of a reserved attempt is done: settle it; the outcome kept.
pub fn settle<R: Repo>(repo: &mut R, attempt: u64, matched: bool) -> Result<Outcome, LineError> {
    let outcome = if matched {
        Outcome::Accepted
    } else {
        Outcome::Wrong
    };
    repo.settle_password_attempt(attempt, outcome)?;
    Ok(outcome)
}

/// Only a client sets their session password.
pub(crate) fn client_only(role: Role) -> Result<(), LineError> {
    if role != Role::Client {
        return Err(LineError::NotAllowed(
            "only a client sets their session password".into(),
        ));
    }
    Ok(())
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
    fn passwords_out_of_bounds_are_refused() {
        assert!(matches!(check_new("abc"), Err(LineError::Invalid(_))));
        let long = "x".repeat(MAX_REMOTE_PASSWORD_CHARS + 1);
        assert!(matches!(check_new(&long), Err(LineError::Invalid(_))));
        assert!(check_new("секрет-42").is_ok());
    }
}
