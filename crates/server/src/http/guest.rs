//! `POST /api/widget/guest` (K1): a visitor of a line's web widget signs in as a guest with
//! `{"line", "name", "email"}` (or `"phone"`, at least one) and gets exactly what
//! `POST /api/login` answers (`{token, role: "client", id, expires_ms}`). The token lives
//! [`crate::config::GuestPolicy::token_lifetime`] (the browser keeps it and the conversation
//! goes on at the next visit) and is revoked like any other (`POST /api/logout`, the admin's
//! revoke and disable of the account `guest-<id>`).
//!
//! In order, each before anything costlier: JSON only (415); the body bounded before it is
//! read (413, [`MAX_GUEST_BODY_BYTES`]); the line must take guests (`forbidden`); every
//! field within its limit (`too_long`) and acceptable (`invalid`), both naming the `field`;
//! then one token of the client address's bucket (`rate_limited` with `Retry-After`), so
//! typing mistakes do not use up an address's guests; then the guest is made by the line's
//! rules (`linedesk_line::register_guest`) and announced to the line's specialists.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use linedesk_protocol::{ErrorCode, GuestSignIn, MAX_GUEST_BODY_BYTES};

use super::auth::{PeerIp, client_ip};
use super::body::read_body;
use super::error::{Refusal, blocking};
use super::login::{LoginResponse, is_json};
use crate::auth::new_token;
use crate::context::{Server, now_ms};

pub async fn guest(
    State(server): State<Arc<Server>>,
    PeerIp(peer): PeerIp,
    headers: HeaderMap,
    body: Body,
) -> Response {
    sign_in(&server, client_ip(&server, peer, &headers), &headers, body)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn sign_in(
    server: &Arc<Server>,
    ip: Option<std::net::IpAddr>,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    if !is_json(headers) {
        return Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::BadFrame,
            "send the guest as Content-Type: application/json",
        ));
    }
    let body = read_body(server, headers, body, MAX_GUEST_BODY_BYTES, "a guest").await?;
    let request: GuestSignIn = serde_json::from_slice(&body).map_err(|_| {
        Refusal::of(
            ErrorCode::BadFrame,
            "expected {\"line\", \"name\", \"email\" or \"phone\"}",
        )
    })?;
    if !server.widget.allows_guests(request.line) {
        return Err(Refusal::forbidden(format!(
            "line {} takes no guests",
            request.line
        )));
    }
    if let Err(e) = request.validate() {
        return Err(Refusal::of(e.code(), e.to_string()).with_field(e.field));
    }
    if let Err(e) = linedesk_line::guest_card(&request) {
        return Err(Refusal::invalid(e.to_string()).with_field(e.field));
    }
    if let Some(ip) = ip
        && let Err(wait) = server.guest_buckets().take(ip, Instant::now())
    {
        let seconds = wait.as_secs().max(1);
        let mut refusal = Refusal::of(
            ErrorCode::RateLimited,
            format!("too many guests from your address; try again in {seconds} s"),
        );
        refusal.retry_after = Some(seconds);
        return Err(refusal);
    }
    let lifetime_ms = i64::try_from(server.guests.token_lifetime.as_millis()).unwrap_or(i64::MAX);
    let (token, hash) = new_token().map_err(Refusal::internal)?;
    let now = now_ms();
    let expires_ms = now.saturating_add(lifetime_ms);
    let (subject, events) = blocking(server, move |s| {
        Ok(s.add_guest(&request, &hash, expires_ms, now)?)
    })
    .await?;
    server.hub.publish(&events);
    Ok(axum::Json(LoginResponse {
        token: token.into(),
        role: subject.role,
        id: subject.id,
        expires_ms,
    })
    .into_response())
}
