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
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::auth::member_of;
use super::error::blocking;
use crate::context::Server;

/// Most KB articles one search returns.
pub const KB_LIMIT: u32 = 50;

#[derive(Debug, Deserialize)]
pub struct KbQuery {
    #[serde(default)]
    q: String,
}

pub async fn quick_replies(
    State(server): State<Arc<Server>>,
    Path(line): Path<u64>,
    headers: HeaderMap,
) -> Response {
    let replies = async {
        member_of(&server, &headers, line, false).await?;
        blocking(&server, move |s| Ok(s.quick_replies(line)?)).await
    };
    match replies.await {
        Ok(replies) => axum::Json(replies).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

pub async fn kb(
    State(server): State<Arc<Server>>,
    Path(line): Path<u64>,
    Query(query): Query<KbQuery>,
    headers: HeaderMap,
) -> Response {
    let articles = async {
        member_of(&server, &headers, line, true).await?;
        // Without words: the whole knowledge base, for the app's offline copy.
        let limit = if query.q.trim().is_empty() {
            u32::MAX
        } else {
            KB_LIMIT
        };
        blocking(&server, move |s| Ok(s.search_kb(line, &query.q, limit)?)).await
    };
    match articles.await {
        Ok(articles) => axum::Json(articles).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}
