//! The one mapping from the storage's (and the rules') errors to the wire's [`ErrorCode`],
//! shared by the WebSocket sessions and the HTTP routes ([`crate::http::error`] adds the
//! status). An internal failure (the database, a join error, a corrupt row) is logged here
//! with `tracing` and answered with a generic message: database text never reaches a client.

use linedesk_protocol::ErrorCode;

use crate::storage::StorageError;

/// A refusal as the wire says it: a stable code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError {
    pub code: ErrorCode,
    pub message: String,
}

/// What a client is told about an internal failure.
pub const INTERNAL_MESSAGE: &str = "internal error; the server's log has the details";

impl WireError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> WireError {
        WireError {
            code,
            message: message.into(),
        }
    }

    /// An internal failure: logged in full, answered generically.
    pub fn internal(err: impl std::fmt::Display) -> WireError {
        tracing::error!(error = %err, "internal error");
        WireError::new(ErrorCode::Internal, INTERNAL_MESSAGE)
    }
}

impl From<StorageError> for WireError {
    fn from(err: StorageError) -> WireError {
        let code = match &err {
            StorageError::Forbidden(line) => {
                return WireError::new(
                    ErrorCode::Forbidden,
                    format!("line {line} is not one you serve"),
                );
            }
            StorageError::NotAllowed(_) => ErrorCode::Forbidden,
            StorageError::Invalid(_) => ErrorCode::Invalid,
            StorageError::Conflict(_) | StorageError::Exists { .. } => ErrorCode::Conflict,
            StorageError::RateLimited { .. } => ErrorCode::RateLimited,
            StorageError::WrongPassword => ErrorCode::WrongPassword,
            StorageError::NoPassword => ErrorCode::NoPassword,
            _ => return WireError::internal(err),
        };
        WireError::new(code, err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_errors_keep_their_words_and_internal_ones_do_not() {
        let e = WireError::from(StorageError::Forbidden(7));
        assert_eq!(e.code, ErrorCode::Forbidden);
        assert!(e.message.contains('7'));
        let e = WireError::from(StorageError::Exists {
            what: "login",
            name: "anna".into(),
        });
        assert_eq!(e.code, ErrorCode::Conflict);
        let e = WireError::from(StorageError::Corrupt("table events: secret detail".into()));
        assert_eq!(e, WireError::new(ErrorCode::Internal, INTERNAL_MESSAGE));
        let e = WireError::from(StorageError::Io(std::io::Error::other("/var/lib/secret")));
        assert!(!e.message.contains("secret"), "{}", e.message);
    }
}
