//! `POST /api/token/renew`: a signed-in app trades its bearer token, before it expires, for a
//! new one (`{token, expires_ms}`), without the password. The old token is revoked first, so
//! one token renews once (of two racing renewals only one gets a token) and its live
//! sessions close: the app moves its session onto the new token. A disabled account gets no
//! new token.
//!
//! A guest's token (K1) is renewed for the guests' lifetime (`[guests] token_days`), anyone
//! else's for the login's.
//!
//! A missing, unknown, expired or revoked token: 401 `unauthenticated`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::auth::authenticate;
use super::error::{Refusal, blocking};
use crate::auth::new_token;
use crate::context::{Server, now_ms};

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
    let lifetime_ms = server.limits.token_lifetime_ms();
    let guest_lifetime_ms =
        i64::try_from(server.guests.token_lifetime.as_millis()).unwrap_or(i64::MAX);
    let renewed = blocking(&server, move |storage| {
        let now = now_ms();
        let lifetime_ms =
            if subject.role == linedesk_protocol::Role::Client && storage.is_guest(subject.id)? {
                guest_lifetime_ms
            } else {
                lifetime_ms
            };
        if !storage.revoke_token(&old, now)? {
            return Err(Refusal::unauthenticated(
                "the token was renewed or revoked meanwhile",
            ));
        }
        let (token, hash) = new_token().map_err(Refusal::internal)?;
        let expires_ms = now.saturating_add(lifetime_ms);
        if !storage.issue_token(&hash, subject, expires_ms)? {
            return Err(Refusal::forbidden("this account is disabled"));
        }
        Ok(RenewedToken { token, expires_ms })
    })
    .await;
    match renewed {
        Ok(renewed) => axum::Json(renewed).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}
