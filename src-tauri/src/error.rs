//! The one error type every command returns: `{code, message, field}`.
//!
//! `code` is a closed set the UI switches on and translates (`ui/src/i18n/*.json`, keys
//! `error.<code>`); `message` is English detail for logs and for codes the UI cannot explain.

use linedesk_store::StoreError;
use serde::Serialize;

/// Stable error codes of the IPC boundary. Adding one means adding its translations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Input failed validation; `field` names which input.
    Invalid,
    /// The thing asked for does not exist (or is not visible to this specialist).
    NotFound,
    /// The database file is damaged; it was left untouched.
    StoreDamaged,
    /// The database was written by a newer Linedesk; it was left untouched.
    StoreNewerThanKnown,
    /// A shipped migration differs from the one applied to this database.
    StoreMigrationChanged,
    /// Any other storage failure (disk full, locked, I/O).
    Storage,
    /// The line server (or a call's network path) cannot do it now; trying later may work.
    Unavailable,
    /// Something else is in the way (a call already in progress).
    Busy,
    /// V2: the client's session password was wrong (the attempt is logged).
    WrongPassword,
    /// V2: the client has set no session password: ask by request instead.
    NoRemotePassword,
    /// Too many attempts in a short time: wait and try again.
    RateLimited,
    /// A bug or an unexpected state in the app itself.
    Internal,
    /// The line server does not let this specialist see it (R1: another specialist's figures,
    /// the monitor without being the line's supervisor); `rule` says which rule.
    Forbidden,
    /// Calls through the PBX (issue 18): the SIP user agent's own failures, one code each
    /// (`linedesk_sip::SipError::code`).
    SipInvalidAccount,
    SipInvalidNumber,
    SipWrongPassword,
    SipForbidden,
    SipRegistrarUnreachable,
    SipUnknownHost,
    SipRejected,
    SipNetwork,
    SipProtocol,
    SipStopped,
    SipMedia,
}

#[derive(Debug, Clone, Serialize, specta::Type, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
    /// The input field at fault, for `invalid`.
    pub field: Option<String>,
    /// The line's rule that refused it, when the line server said (a domain code such as
    /// `appeal.not_holder`): the UI shows `rule.<code>` (`ui/src/i18n/*.json`).
    pub rule: Option<String>,
}

impl CommandError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        CommandError {
            code: ErrorCode::Invalid,
            message: message.into(),
            field: Some(field.to_string()),
            rule: None,
        }
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        CommandError {
            code: ErrorCode::Unavailable,
            message: message.into(),
            field: None,
            rule: None,
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        CommandError {
            code: ErrorCode::NotFound,
            message: message.into(),
            field: None,
            rule: None,
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        CommandError {
            code: ErrorCode::Internal,
            message: message.into(),
            field: None,
            rule: None,
        }
    }
}

impl From<StoreError> for CommandError {
    fn from(err: StoreError) -> Self {
        let message = err.to_string();
        let (code, field) = match &err {
            StoreError::Invalid { field, .. } => (ErrorCode::Invalid, Some(field.to_string())),
            StoreError::NotFound { .. } => (ErrorCode::NotFound, None),
            StoreError::Damaged { .. } => (ErrorCode::StoreDamaged, None),
            StoreError::NewerThanKnown { .. } => (ErrorCode::StoreNewerThanKnown, None),
            StoreError::MigrationChanged { .. } => (ErrorCode::StoreMigrationChanged, None),
            _ => (ErrorCode::Storage, None),
        };
        CommandError {
            code,
            message,
            field,
            rule: None,
        }
    }
}

pub type CommandResult<T> = Result<T, CommandError>;

impl From<crate::calls::CallsError> for CommandError {
    fn from(err: crate::calls::CallsError) -> Self {
        use crate::calls::CallsError;
        use linedesk_protocol::ErrorCode as Wire;
        let (code, rule) = match &err {
            CallsError::Busy => (ErrorCode::Busy, None),
            CallsError::NoCall => (ErrorCode::NotFound, None),
            CallsError::Server(_) | CallsError::Call(_) => (ErrorCode::Unavailable, None),
            // The line's refusal keeps its rule, which the UI translates (C9's race: a
            // colleague took the appeal just before the call; the UI asks again).
            // A domain rule's refusal is `forbidden` with the rule, as the app's own check
            // answers it (`collision::held_by_colleague`).
            CallsError::Refused { code, rule, .. } => (
                match code {
                    _ if rule.is_some() => ErrorCode::Forbidden,
                    Wire::Forbidden => ErrorCode::Forbidden,
                    Wire::Invalid | Wire::TooLong => ErrorCode::Invalid,
                    Wire::Conflict => ErrorCode::Busy,
                    Wire::RateLimited => ErrorCode::RateLimited,
                    _ => ErrorCode::Unavailable,
                },
                rule.clone(),
            ),
        };
        CommandError {
            code,
            message: err.to_string(),
            field: None,
            rule,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calls::CallsError;

    /// C9's race: a colleague took the appeal between the app's check and the call. The line's
    /// refusal reaches the UI typed, with its rule (which the UI translates and answers with
    /// the warning again), never as the server's raw words under `unavailable`.
    #[test]
    fn a_call_the_line_refused_keeps_its_typed_code_and_rule() {
        let refused = CallsError::from(linedesk_sync::LiveError::Refused {
            // As the server answers a domain rule's refusal (`wire_error.rs`).
            code: linedesk_protocol::ErrorCode::Invalid,
            message: "a colleague holds the appeal".into(),
            rule: Some("appeal.held_by_colleague".into()),
        });
        let err = CommandError::from(refused);
        assert_eq!(err.code, ErrorCode::Forbidden);
        assert_eq!(err.rule.as_deref(), Some("appeal.held_by_colleague"));
        let offline = CommandError::from(CallsError::from(linedesk_sync::LiveError::Offline));
        assert_eq!((offline.code, offline.rule), (ErrorCode::Unavailable, None));
    }
}
