//! Who is asking: the bearer token of `Authorization: Bearer TOKEN` (from `POST /api/login`)
//! and the peer's address. Every authenticated route calls [`authenticate`] before it reads
//! a byte of the body.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use linedesk_protocol::Role;

use super::error::{Refusal, blocking};
use crate::auth::token_hash;
use crate::context::{Server, now_ms};
use crate::storage::Subject;

/// The peer's address, when the server was started with it (`serve`, `serve_tls`).
pub struct PeerIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for PeerIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<PeerIp, Self::Rejection> {
        Ok(PeerIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// The client's address as the limits count it: the socket's peer, unless that peer is a
/// trusted proxy ([`crate::config::HttpPolicy::trusted_proxies`]); then the last address of
/// `X-Forwarded-For` that is not a trusted proxy itself (proxies append, so the addresses
/// before the first untrusted one from the right are the client's to forge). A header that
/// does not parse counts as the proxy's own address.
pub fn client_ip(server: &Server, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
    let trusted = &server.http.trusted_proxies;
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let mut forwarded = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let Ok(text) = value.to_str() else {
            return Some(peer);
        };
        for part in text.split(',') {
            match part.trim().parse::<IpAddr>() {
                Ok(ip) => forwarded.push(ip),
                Err(_) => return Some(peer),
            }
        }
    }
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !trusted.contains(ip))
            .unwrap_or(peer),
    )
}

/// The owner of the request's bearer token and the token's hash.
pub async fn authenticate(
    server: &Server,
    headers: &HeaderMap,
) -> Result<(Subject, String), Refusal> {
    let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
    else {
        return Err(Refusal::unauthenticated(
            "send Authorization: Bearer TOKEN from POST /api/login",
        ));
    };
    let hash = token_hash(token);
    let lookup = hash.clone();
    match blocking(server, move |s| Ok(s.token_owner(&lookup, now_ms())?)).await? {
        Some(owner) => Ok((owner.subject, hash)),
        None => Err(Refusal::unauthenticated(
            "the token is unknown, expired or revoked",
        )),
    }
}

/// Only an admin's token passes: 401 without a valid token, 403 with another role's.
pub async fn require_admin(server: &Server, headers: &HeaderMap) -> Result<Subject, Refusal> {
    let (subject, _) = authenticate(server, headers).await?;
    if subject.role == Role::Admin {
        Ok(subject)
    } else {
        Err(Refusal::forbidden("this needs an admin account"))
    }
}

/// The token's owner if they may read `line`: its specialists, and its clients when
/// `clients_too`.
pub async fn member_of(
    server: &Server,
    headers: &HeaderMap,
    line: u64,
    clients_too: bool,
) -> Result<Subject, Refusal> {
    let (subject, _) = authenticate(server, headers).await?;
    let lines = blocking(server, move |s| Ok(s.lines_of(subject)?)).await?;
    let role_ok = match subject.role {
        Role::Specialist => true,
        Role::Client => clients_too,
        Role::Admin => false,
    };
    if !role_ok || !lines.contains(&line) {
        return Err(Refusal::forbidden(format!(
            "line {line} is not one you serve"
        )));
    }
    Ok(subject)
}
