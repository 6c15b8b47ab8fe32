//! The session password of remote sessions by password (V2), the server's part: hashing a new
//! one with argon2 (the accounts' code, [`crate::auth`]) and logging every attempt. The
//! throttle and the attempt bookkeeping are `linedesk_line::remote_password`'s (re-exported
//! here); the backend reserves an attempt under its lock, verifies outside it (argon2 is slow
//! on purpose) and settles it.

pub use linedesk_line::remote_password::{DEFAULT_PASSWORD_TTL_MS, Outcome, Policy, wait_for};

use crate::storage::StorageError;

/// A new session password, checked for length before it is hashed: its argon2 hash.
pub(crate) fn hash_new(password: &str) -> Result<String, StorageError> {
    linedesk_line::remote_password::check_new(password)?;
    crate::auth::hash_password(password).map_err(|e| StorageError::Corrupt(e.to_string()))
}

/// Log one attempt's outcome (never the password).
pub(crate) fn log(specialist: u64, client: u64, outcome: Outcome) {
    match outcome {
        Outcome::Pending => {}
        Outcome::Accepted => tracing::info!(
            target: crate::audit::AUDIT,
            specialist,
            client,
            outcome = outcome.code(),
            "remote session password attempt"
        ),
        Outcome::Wrong | Outcome::Throttled | Outcome::NoPassword => tracing::warn!(
            target: crate::audit::AUDIT,
            specialist,
            client,
            outcome = outcome.code(),
            "remote session password attempt"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_out_of_bounds_are_refused_before_hashing() {
        assert!(matches!(hash_new("abc"), Err(StorageError::Invalid(_))));
        let long = "x".repeat(linedesk_protocol::MAX_REMOTE_PASSWORD_CHARS + 1);
        assert!(matches!(hash_new(&long), Err(StorageError::Invalid(_))));
        let hash = hash_new("секрет-42").expect("hash");
        assert!(crate::auth::verify_password("секрет-42", &hash));
    }
}
