//! HTTP reads for the app with a bearer token (`Authorization: Bearer <token>` from
//! `POST /api/login`):
//!
//! - `GET /api/lines/{line}/quick-replies`: the line's quick replies in order (specialists).
//! - `GET /api/lines/{line}/kb?q=words`: the line's KB articles matching every word (best
//!   first, at most [`KB_LIMIT`]); without `q`, all of them by title (the app keeps a copy).
//!   Specialists of the line get whole articles. Its clients (guests too) get hints while they
//!   type (C8): at most [`MAX_KB_HITS_FOR_CLIENTS`] as `{id, title, excerpt}` (the body's
//!   first [`EXCERPT_CHARS`] characters), best first (without `q`, the first by title). Every
//!   article of the line is for its clients: the KB has no internal-only articles (drafts,
//!   which are, live apart and are never searched).
//! - `GET /api/lines/{line}/kb/{article}`: one article, whole, to the line's specialists and
//!   clients.
//!
//! No token or a bad one: 401 `unauthenticated`; a line the caller is not on: 403 `forbidden`.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use linedesk_protocol::{MAX_KB_HITS_FOR_CLIENTS, Role};
use serde::Serialize;

use super::auth::member_of;
use super::error::{Refusal, blocking};
use crate::context::Server;
use crate::storage::KbArticle;

/// Most KB articles one search returns.
pub const KB_LIMIT: u32 = 50;

/// How much of an article's body a client's hint carries, in characters.
pub const EXCERPT_CHARS: usize = 200;

/// A KB hint for a client: the article's id, title and the start of its body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct KbHint {
    pub id: u64,
    pub title: String,
    pub excerpt: String,
}

impl KbHint {
    fn of(article: KbArticle) -> KbHint {
        let excerpt = match article.body.char_indices().nth(EXCERPT_CHARS) {
            None => article.body,
            Some((cut, _)) => format!("{}…", &article.body[..cut]),
        };
        KbHint {
            id: article.id,
            title: article.title,
            excerpt,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct KbQuery {
    #[serde(default)]
    q: String,
}

/// A4/A5: the line's closing settings, for its specialists.
pub async fn closing(
    State(server): State<Arc<Server>>,
    Path(line): Path<u64>,
    headers: HeaderMap,
) -> Response {
    let settings = async {
        member_of(&server, &headers, line, false).await?;
        blocking(&server, move |s| Ok(s.closing_settings(line)?)).await
    };
    match settings.await {
        Ok(s) => axum::Json(linedesk_protocol::LineClosing {
            auto_finish_minutes: s.auto_finish_minutes,
            closing_phrases: s.closing_phrases,
        })
        .into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

/// S5: the line's appeal types (those its SLA levels' conditions name, in order), for its
/// specialists to choose from.
pub async fn appeal_types(
    State(server): State<Arc<Server>>,
    Path(line): Path<u64>,
    headers: HeaderMap,
) -> Response {
    let types = async {
        member_of(&server, &headers, line, false).await?;
        blocking(&server, move |s| {
            Ok(linedesk_domain::appeal::kind::line_types(
                &s.sla_levels(line)?,
            ))
        })
        .await
    };
    match types.await {
        Ok(types) => axum::Json(types).into_response(),
        Err(refusal) => refusal.into_response(),
    }
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
    let answer = async {
        let subject = member_of(&server, &headers, line, true).await?;
        if subject.role == Role::Client {
            let hits = blocking(&server, move |s| {
                Ok(s.search_kb(line, &query.q, MAX_KB_HITS_FOR_CLIENTS)?)
            })
            .await?;
            let hints: Vec<KbHint> = hits.into_iter().map(KbHint::of).collect();
            return Ok::<_, Refusal>(axum::Json(hints).into_response());
        }
        // Without words: the whole knowledge base, for the app's offline copy.
        let limit = if query.q.trim().is_empty() {
            u32::MAX
        } else {
            KB_LIMIT
        };
        let articles = blocking(&server, move |s| Ok(s.search_kb(line, &query.q, limit)?)).await?;
        Ok(axum::Json(articles).into_response())
    };
    answer.await.unwrap_or_else(IntoResponse::into_response)
}

/// `GET /api/lines/{line}/kb/{article}`: one article of the line, whole.
pub async fn kb_article(
    State(server): State<Arc<Server>>,
    Path((line, article)): Path<(u64, u64)>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        member_of(&server, &headers, line, true).await?;
        blocking(&server, move |s| Ok(s.kb_article(line, article)?))
            .await?
            .ok_or_else(|| Refusal::not_found(format!("no article {article} on line {line}")))
    };
    match answer.await {
        Ok(article) => axum::Json(article).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}
