//! The session's bearer token: from `POST /api/login` with its expiry, and renewed before it
//! expires with `POST /api/token/renew` (issue 12), so a long-running app never works with an
//! expired token (HTTP uploads would get 401, and the server ends live sessions whose token
//! expired). A renewal revokes the old token on the server, so the sync then moves its
//! session onto the new one: it reconnects at once with it, without logging in again.

use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use serde::Deserialize;

use crate::connection::http;
use crate::endpoint::Connector;
use crate::{SyncConfig, SyncError};

/// A token and when it expires (Unix ms; `None`: a server that does not say).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct Grant {
    pub token: String,
    #[serde(default)]
    pub expires_ms: Option<i64>,
}

impl Grant {
    /// How long until it should be renewed, `renew_before` its expiry (`None`: never, the
    /// server gave no expiry).
    pub fn renew_in(&self, now_ms: i64, renew_before: Duration) -> Option<Duration> {
        let before = i64::try_from(renew_before.as_millis()).unwrap_or(i64::MAX);
        let at = self.expires_ms?.saturating_sub(before);
        Some(Duration::from_millis(
            u64::try_from(at.saturating_sub(now_ms)).unwrap_or(0),
        ))
    }
}

/// The wall clock in Unix ms (the expiry is the server's wall-clock time).
pub(crate) fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

fn grant_of(status: hyper::StatusCode, bytes: &[u8], what: &str) -> Result<Grant, SyncError> {
    serde_json::from_slice(bytes)
        .map_err(|e| SyncError::Protocol(format!("{what} answered {status} without a token: {e}")))
}

/// `POST /api/login`: the session's token.
pub(crate) async fn login(connector: &Connector, config: &SyncConfig) -> Result<Grant, SyncError> {
    let body =
        serde_json::json!({ "login": config.login, "password": config.password }).to_string();
    let request = hyper::Request::post("/api/login")
        .header(hyper::header::HOST, connector.endpoint().authority())
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| SyncError::Unreachable(e.to_string()))?;
    let (status, bytes) = http(connector, request).await?;
    if status == hyper::StatusCode::UNAUTHORIZED {
        return Err(SyncError::LoginRefused);
    }
    if status == hyper::StatusCode::TOO_MANY_REQUESTS {
        // Too many failed logins for this account or address: retried with backoff.
        return Err(SyncError::Protocol(
            "the server refuses logins for a while after too many failures".into(),
        ));
    }
    grant_of(status, &bytes, "login")
}

/// `POST /api/token/renew`: a new token for `token` (which the server revokes).
pub(crate) async fn renew(connector: &Connector, token: &str) -> Result<Grant, SyncError> {
    let request = hyper::Request::post("/api/token/renew")
        .header(hyper::header::HOST, connector.endpoint().authority())
        .header(hyper::header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Full::new(Bytes::new()))
        .map_err(|e| SyncError::Unreachable(e.to_string()))?;
    let (status, bytes) = http(connector, request).await?;
    if !status.is_success() {
        // Revoked or expired meanwhile: the next session logs in again.
        return Err(SyncError::Protocol(format!(
            "the server did not renew the token ({status})"
        )));
    }
    grant_of(status, &bytes, "the renewal")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_is_due_before_the_expiry_and_never_without_one() {
        let grant = |expires_ms| Grant {
            token: "t".into(),
            expires_ms,
        };
        let hour = Duration::from_secs(3600);
        assert_eq!(
            grant(Some(10 * 3_600_000)).renew_in(0, hour),
            Some(hour * 9)
        );
        assert_eq!(
            grant(Some(1_000)).renew_in(5_000, hour),
            Some(Duration::ZERO)
        );
        assert_eq!(grant(None).renew_in(0, hour), None);
        let old: Grant = serde_json::from_str(r#"{"token":"t","role":"specialist","id":1}"#)
            .expect("an older server's answer");
        assert_eq!(old.expires_ms, None);
    }
}
