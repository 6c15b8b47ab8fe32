//! `POST /api/login` (throttled, see [`crate::throttle`]) and `POST /api/logout`.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use linedesk_protocol::{ErrorCode, MAX_FRAME_BYTES};
use serde::{Deserialize, Serialize};

use super::auth::{PeerIp, authenticate, client_ip};
use super::body::read_body;
use super::error::{Refusal, blocking};
use crate::auth::{new_token, verify_login};
use crate::context::{Server, now_ms};
use crate::shared_throttle;
use crate::throttle::Outcome;
use linedesk_logging::Secret;

#[derive(Debug, Deserialize)]
struct LoginRequest {
    login: String,
    password: Secret,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct LoginResponse {
    pub token: Secret,
    pub role: linedesk_protocol::Role,
    pub id: u64,
    /// When the token expires (Unix ms); renew it before (`POST /api/token/renew`).
    #[serde(default)]
    pub expires_ms: i64,
}

/// `POST /api/logout`: the bearer token is revoked; its live sessions are closed.
pub async fn logout(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    let revoked = async {
        let (_, hash) = authenticate(&server, &headers).await?;
        blocking(&server, move |s| Ok(s.revoke_token(&hash, now_ms())?)).await
    };
    match revoked.await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

pub async fn login(
    State(server): State<Arc<Server>>,
    PeerIp(peer): PeerIp,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let ip = client_ip(&server, peer, &headers);
    if !is_json(&headers) {
        return Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::BadFrame,
            "send the login as Content-Type: application/json",
        )
        .into_response();
    }
    let body = match read_body(&server, &headers, body, MAX_FRAME_BYTES, "a login").await {
        Ok(body) => body,
        Err(refusal) => return refusal.into_response(),
    };
    let Ok(request) = serde_json::from_slice::<LoginRequest>(&body) else {
        return Refusal::of(ErrorCode::BadFrame, "expected {\"login\", \"password\"}")
            .into_response();
    };
    let attempt = match server
        .throttle()
        .attempt(&request.login, ip, Instant::now())
    {
        Ok(attempt) => attempt,
        Err(wait) => {
            crate::audit::login_throttled(&request.login, ip);
            return too_many(wait);
        }
    };
    // The limit the servers of the database share (issue 17): a lock another server set.
    let keys = shared_throttle::keys(&request.login, ip);
    let policy = server.throttle().policy();
    let shared = {
        let keys = keys.clone();
        blocking(&server, move |storage| {
            let now = now_ms();
            let mut wait = None;
            storage.update_login_throttle(
                &keys,
                now,
                shared_throttle::forget_before(&policy, now),
                &mut |states| {
                    wait = shared_throttle::wait(states, now);
                    false
                },
            )?;
            Ok(wait)
        })
        .await
    };
    match shared {
        Ok(None) => {}
        Ok(Some(wait)) => {
            server
                .throttle()
                .finish(attempt, Outcome::Undecided, Instant::now());
            crate::audit::login_throttled(&request.login, ip);
            return too_many(wait);
        }
        Err(refusal) => {
            server
                .throttle()
                .finish(attempt, Outcome::Undecided, Instant::now());
            return refusal.into_response();
        }
    }
    // argon2 is deliberately slow: keep it off the async workers.
    let lifetime_ms = server.limits.token_lifetime_ms();
    let login = request.login.clone();
    let outcome = blocking(&server, move |storage| {
        let account = storage.account_by_login(&request.login)?;
        // The same argon2 work whether or not the login exists.
        // A guest's account (no password) is checked like an unknown login.
        let account = account.filter(|a| !a.password_hash.is_empty());
        let stored = account.as_ref().map(|a| a.password_hash.as_str());
        let verified = verify_login(request.password.expose(), stored);
        let Some(account) = account.filter(|_| verified) else {
            return Ok(None);
        };
        let (token, hash) = new_token().map_err(Refusal::internal)?;
        let expires_ms = now_ms().saturating_add(lifetime_ms);
        if !storage.issue_token(&hash, account.subject, expires_ms)? {
            return Err(Refusal::forbidden("this account is disabled"));
        }
        Ok(Some(LoginResponse {
            token: token.into(),
            role: account.subject.role,
            id: account.subject.id,
            expires_ms,
        }))
    })
    .await;
    let verdict = match &outcome {
        Ok(Some(_)) => Outcome::Succeeded,
        Ok(None) => Outcome::Failed,
        Err(_) => Outcome::Undecided,
    };
    server.throttle().finish(attempt, verdict, Instant::now());
    if let Ok(answered) = &outcome {
        let subject = answered.as_ref().map(|r| crate::storage::Subject {
            role: r.role,
            id: r.id,
        });
        crate::audit::login(&login, ip, subject);
        crate::metrics::metrics().login(subject.is_some());
    }
    if verdict != Outcome::Undecided {
        let counted = blocking(&server, move |storage| {
            let now = now_ms();
            Ok(storage.update_login_throttle(
                &keys,
                now,
                shared_throttle::forget_before(&policy, now),
                &mut |states| shared_throttle::finish(&policy, states, verdict, now),
            )?)
        })
        .await;
        if let Err(err) = counted {
            // The login is decided; only the shared count missed it (logged, not answered).
            tracing::warn!(error = ?err, "the shared login throttle could not count an attempt");
        }
    }
    match outcome {
        Ok(Some(response)) => axum::Json(response).into_response(),
        Ok(None) => Refusal::unauthenticated("wrong login or password").into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

/// `rate_limited` with how long to wait (at least a second), also as `Retry-After`.
fn too_many(wait: std::time::Duration) -> Response {
    let seconds = wait.as_secs().max(1);
    let mut refusal = Refusal::of(
        ErrorCode::RateLimited,
        format!("too many failed logins; try again in {seconds} s"),
    );
    refusal.retry_after = Some(seconds);
    refusal.into_response()
}

/// Whether the request says its body is JSON (`application/json`, any parameters).
pub(super) fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}
