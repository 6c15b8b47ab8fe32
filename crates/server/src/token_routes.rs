//! `POST /api/token/renew`: a signed-in app trades its bearer token, before it expires, for a
//! new one (`{token, expires_ms}`), without the password. The old token is revoked first, so
//! one token renews once (of two racing renewals only one gets a token) and its live
//! sessions close: the app moves its session onto the new token.
//!
//! A missing, unknown, expired or revoked token: 401 `unauthenticated`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use linedesk_protocol::ErrorCode;
use serde::{Deserialize, Serialize};

use crate::app::{Refusal, Server, authenticate, now_ms};
use crate::auth::{TOKEN_LIFETIME_MS, new_token};
use crate::storage::StorageError;

/// The answer of a renewal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenewedToken {
    pub token: String,
    /// When the new token expires (Unix milliseconds).
    pub expires_ms: i64,
}

pub async fn renew(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    let (subject, old) = match authenticate(&server, &headers).await {
        Ok(found) => found,
        Err(refusal) => return refusal.into_response(),
    };
    let storage = server.storage.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let now = now_ms();
        if !storage.revoke_token(&old, now)? {
            return Ok(None);
        }
        let (token, hash) = new_token().map_err(|e| StorageError::Invalid(e.to_string()))?;
        let expires_ms = now.saturating_add(TOKEN_LIFETIME_MS);
        storage.save_token(&hash, subject, expires_ms)?;
        Ok::<_, StorageError>(Some(RenewedToken { token, expires_ms }))
    })
    .await;
    match outcome {
        Ok(Ok(Some(renewed))) => axum::Json(renewed).into_response(),
        Ok(Ok(None)) => Refusal::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            "the token was renewed or revoked meanwhile",
        )
        .into_response(),
        Ok(Err(err)) => Refusal::internal(err).into_response(),
        Err(err) => Refusal::internal(err).into_response(),
    }
}
