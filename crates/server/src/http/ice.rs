//! `GET /api/ice`: the ICE servers for a signed-in session (bearer token, any role), as the
//! browser's `RTCIceServer` list: `[{"urls": [...]}, {"urls": [...], "username": "...",
//! "credential": "..."}]`. TURN credentials are made for the caller's account and expire
//! after the configured lifetime ([`crate::ice`]); `[]` when no `[ice]` is configured (host
//! candidates only). Never cached: `Cache-Control: no-store`.
//!
//! A missing, unknown, expired or revoked token: 401 `unauthenticated`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::auth::authenticate;
use crate::context::{Server, now_ms};

pub async fn ice_servers(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    let (subject, _) = match authenticate(&server, &headers).await {
        Ok(found) => found,
        Err(refusal) => return refusal.into_response(),
    };
    let now_unix = u64::try_from(now_ms() / 1000).unwrap_or(0);
    let servers = server.ice.servers_for(subject.role, subject.id, now_unix);
    let mut response = axum::Json(servers).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
