//! HTTP reads for the app with a bearer token (`Authorization: Bearer <token>` from
//! `POST /api/login`):
//!
//! - `GET /api/lines/{line}/quick-replies`: the line's quick replies in order (specialists).
//! - `GET /api/lines/{line}/kb?q=words`: the line's KB articles matching every word (best
//!   first, at most [`KB_LIMIT`]); without `q`, all of them by title (the app keeps a copy). Specialists of the line and its
//!   clients (C8: clients get hints too).
//!
//! No token or a bad one: 401 `unauthenticated`; a line the caller is not on: 403 `forbidden`.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use linedesk_protocol::{ErrorCode, Role};
use serde::Deserialize;

use crate::app::{Server, http_error, now_ms};
use crate::auth::token_hash;
use crate::storage::{StorageError, Subject};

/// Most KB articles one search returns.
pub const KB_LIMIT: u32 = 50;

#[derive(Debug, Deserialize)]
pub struct KbQuery {
    #[serde(default)]
    q: String,
}

fn internal(err: impl std::fmt::Display) -> Response {
    http_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::Internal,
        err.to_string(),
    )
}

/// Who holds the bearer token, if they may read `line`.
async fn authorize(
    server: &Arc<Server>,
    headers: &HeaderMap,
    line: u64,
    clients_too: bool,
) -> Result<Subject, Response> {
    let unauthenticated = || {
        http_error(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            "send Authorization: Bearer <token> from POST /api/login",
        )
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(unauthenticated)?;
    let hash = token_hash(token);
    let storage = server.storage.clone();
    let found = tokio::task::spawn_blocking(move || {
        let Some(subject) = storage.token_owner(&hash, now_ms())?.map(|t| t.subject) else {
            return Ok(None);
        };
        Ok::<_, StorageError>(Some((subject, storage.lines_of(subject)?)))
    })
    .await
    .map_err(internal)?
    .map_err(internal)?;
    let (subject, lines) = found.ok_or_else(unauthenticated)?;
    if !lines.contains(&line) || (subject.role == Role::Client && !clients_too) {
        return Err(http_error(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            format!("line {line} is not one you serve"),
        ));
    }
    Ok(subject)
}

pub async fn quick_replies(
    State(server): State<Arc<Server>>,
    Path(line): Path<u64>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = authorize(&server, &headers, line, false).await {
        return refused;
    }
    let storage = server.storage.clone();
    match tokio::task::spawn_blocking(move || storage.quick_replies(line)).await {
        Ok(Ok(replies)) => axum::Json(replies).into_response(),
        Ok(Err(err)) => internal(err),
        Err(err) => internal(err),
    }
}

pub async fn kb(
    State(server): State<Arc<Server>>,
    Path(line): Path<u64>,
    Query(query): Query<KbQuery>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = authorize(&server, &headers, line, true).await {
        return refused;
    }
    let storage = server.storage.clone();
    // Without words: the whole knowledge base, for the app's offline copy.
    let limit = if query.q.trim().is_empty() {
        u32::MAX
    } else {
        KB_LIMIT
    };
    match tokio::task::spawn_blocking(move || storage.search_kb(line, &query.q, limit)).await {
        Ok(Ok(articles)) => axum::Json(articles).into_response(),
        Ok(Err(err)) => internal(err),
        Err(err) => internal(err),
    }
}
