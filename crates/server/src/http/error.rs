//! HTTP refusals: the wire's code ([`crate::wire_error`], shared with the WebSocket) with its
//! HTTP status, answered as an [`HttpError`] JSON body.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use linedesk_protocol::ErrorCode;
use serde::{Deserialize, Serialize};

use crate::storage::StorageError;
use crate::wire_error::WireError;

/// The body of every HTTP error: the same codes as the WebSocket's.
#[derive(Debug, Serialize, Deserialize)]
pub struct HttpError {
    pub code: ErrorCode,
    pub message: String,
    /// The request's field that was refused (`invalid`, `too_long`), when one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The domain rule that refused (`AppealError::code()`, ...), as the WebSocket's `Error`
    /// frame says it, for the UI to translate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

/// The HTTP status of a wire code (a route may choose another, e.g. 404 for an unknown id).
pub fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::BadFrame
        | ErrorCode::Invalid
        | ErrorCode::TooLong
        | ErrorCode::UnsupportedVersion => StatusCode::BAD_REQUEST,
        ErrorCode::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden | ErrorCode::WrongPassword => StatusCode::FORBIDDEN,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::OutOfOrder | ErrorCode::Conflict | ErrorCode::NoPassword => StatusCode::CONFLICT,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An HTTP refusal: its status and the wire's code.
#[derive(Debug, thiserror::Error)]
#[error("{status}: {message}")]
pub struct Refusal {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
    /// `Retry-After` in seconds (429s).
    pub retry_after: Option<u64>,
    /// The request's field that was refused (`name`, or `levels.2.calendar` in a list).
    pub field: Option<String>,
    /// The domain rule that refused, when one did.
    pub rule: Option<String>,
}

impl Refusal {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            code,
            message: message.into(),
            retry_after: None,
            field: None,
            rule: None,
        }
    }

    /// The same refusal naming the request's field.
    pub fn with_field(mut self, field: impl Into<String>) -> Refusal {
        self.field = Some(field.into());
        self
    }

    /// A refusal with the status of its code.
    pub fn of(code: ErrorCode, message: impl Into<String>) -> Refusal {
        Refusal::new(status_of(code), code, message)
    }

    /// An internal failure: logged, answered with a generic message.
    pub fn internal(err: impl std::fmt::Display) -> Refusal {
        WireError::internal(err).into()
    }

    pub fn unauthenticated(message: impl Into<String>) -> Refusal {
        Refusal::of(ErrorCode::Unauthenticated, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Refusal {
        Refusal::of(ErrorCode::Forbidden, message)
    }

    pub fn invalid(message: impl Into<String>) -> Refusal {
        Refusal::of(ErrorCode::Invalid, message)
    }

    /// No such thing (404 with the code `invalid`, as the routes always answered).
    pub fn not_found(message: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::NOT_FOUND, ErrorCode::Invalid, message)
    }

    pub fn too_large(message: impl Into<String>) -> Refusal {
        Refusal::of(ErrorCode::TooLarge, message)
    }
}

impl From<WireError> for Refusal {
    fn from(e: WireError) -> Refusal {
        Refusal {
            rule: e.rule.map(str::to_string),
            ..Refusal::of(e.code, e.message)
        }
    }
}

impl From<StorageError> for Refusal {
    fn from(e: StorageError) -> Refusal {
        WireError::from(e).into()
    }
}

impl From<tokio::task::JoinError> for Refusal {
    fn from(e: tokio::task::JoinError) -> Refusal {
        Refusal::internal(e)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            axum::Json(HttpError {
                code: self.code,
                message: self.message,
                field: self.field,
                rule: self.rule,
            }),
        )
            .into_response();
        if let Some(seconds) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// Run a storage call off the async workers; a panic or a storage failure becomes a refusal.
pub async fn blocking<T, F>(server: &crate::context::Server, work: F) -> Result<T, Refusal>
where
    T: Send + 'static,
    F: FnOnce(&dyn crate::storage::Storage) -> Result<T, Refusal> + Send + 'static,
{
    let storage = server.storage.clone();
    tokio::task::spawn_blocking(move || work(storage.as_ref())).await?
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(refusal: Refusal) -> (StatusCode, HttpError) {
        let response = refusal.into_response();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024)
            .await
            .expect("body");
        (status, serde_json::from_slice(&bytes).expect("json"))
    }

    #[tokio::test]
    async fn a_rule_refusal_names_its_rule_over_http_as_over_the_websocket() {
        let refusal = Refusal::from(StorageError::Rule {
            code: "appeal.not_holder",
            message: "the appeal is held by another specialist".into(),
            conflict: true,
        });
        let (status, body) = body_of(refusal).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(body.code, ErrorCode::Conflict);
        assert_eq!(body.rule.as_deref(), Some("appeal.not_holder"));
        // Other refusals carry no rule (and the field is left out of the JSON).
        let (_, body) = body_of(Refusal::invalid("no")).await;
        assert_eq!(body.rule, None);
    }
}
