//! C8 from the app's Administration view (issue 15, item 4): a line's admin keeps its quick
//! replies (with files) and KB articles. Who may is `super::line_admin::line_admin`'s check;
//! what they send is checked by `linedesk_line::line_admin::knowledge` (as the CLI's TOML files
//! are); the backend stores it.
//!
//! - `GET /api/lines/{line}/admin/quick-replies`: [`QuickReplies`] in order, with their files.
//! - `PUT /api/lines/{line}/admin/quick-replies` [`QuickReplies`]: the line's new list, all or
//!   nothing (only the files' ids count; each must be one of the line's quick-reply files);
//!   200 with the list as stored, 400 `invalid` naming `replies.N.title` and the rule.
//! - `POST /api/lines/{line}/admin/quick-reply-files?name=..`, body the raw file (at most
//!   [`MAX_FILE_BYTES`], 413 beyond): 201 [`QuickReplyFile`].
//! - `GET /api/lines/{line}/quick-reply-files/{file}`: the bytes, for any specialist of the
//!   line (to send into a chat with the reply); 404 for no such file of the line.
//! - `GET /api/lines/{line}/admin/kb`: every article [`AdminArticle`] by title;
//!   `POST` [`ArticleDraft`]: 201 the new article; `PUT /api/lines/{line}/admin/kb/{id}`: 200
//!   the article rewritten; `DELETE` the same: 200 `{deleted: id}`. A title the line has
//!   already: 409 `conflict` with the rule `admin.duplicate_title` (field `title`); no such
//!   article: 404.
//!
//! The app's offline copies are refreshed by each app at its next connection; the admin's own
//! app refreshes its copy at once.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use linedesk_line::line_admin::knowledge::{EntryProblem, RULE_DUPLICATE, article_of, replies_of};
use linedesk_protocol::line_admin::{AdminArticle, ArticleDraft, QuickReplies, QuickReplyFile};
use linedesk_protocol::{ErrorCode, MAX_FILE_BYTES};
use serde::{Deserialize, Serialize};

use super::auth::member_of;
use super::body::read_body;
use super::error::{Refusal, blocking};
use super::files::disposition;
use super::line_admin::{body_json, line_admin};
use crate::context::{Server, now_ms};
use crate::storage::StorageError;

pub fn routes() -> Router<Arc<Server>> {
    Router::new()
        .route(
            "/api/lines/{line}/admin/quick-replies",
            get(replies).put(set_replies),
        )
        .route(
            "/api/lines/{line}/admin/quick-reply-files",
            post(upload_file),
        )
        .route(
            "/api/lines/{line}/quick-reply-files/{file}",
            get(download_file),
        )
        .route(
            "/api/lines/{line}/admin/kb",
            get(articles).post(add_article),
        )
        .route(
            "/api/lines/{line}/admin/kb/{article}",
            put(update_article).delete(delete_article),
        )
}

fn json<T: Serialize>(status: StatusCode, answer: Result<T, Refusal>) -> Response {
    match answer {
        Ok(value) => (status, axum::Json(value)).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

/// A title the line's KB has already: 409 with the rule, naming the field.
fn taken(e: StorageError) -> Refusal {
    match e {
        StorageError::Exists { .. } => Refusal {
            rule: Some(RULE_DUPLICATE.to_string()),
            ..Refusal::of(ErrorCode::Conflict, e.to_string()).with_field("title")
        },
        other => other.into(),
    }
}

fn refused(p: EntryProblem, list: &str) -> Refusal {
    Refusal {
        rule: Some(p.rule.to_string()),
        ..Refusal::invalid(p.message.clone()).with_field(p.path(list))
    }
}

async fn replies(
    State(server): State<Arc<Server>>,
    Path(line): Path<u64>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        line_admin(&server, &headers, line).await?;
        let replies = blocking(&server, move |s| Ok(s.quick_replies(line)?)).await?;
        Ok(QuickReplies { replies })
    };
    json(StatusCode::OK, answer.await)
}

async fn set_replies(
    State(server): State<Arc<Server>>,
    Path(line): Path<u64>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let answer = async {
        line_admin(&server, &headers, line).await?;
        let asked: QuickReplies = body_json(&server, &headers, body, "quick replies").await?;
        let checked = replies_of(&asked.replies).map_err(|p| refused(p, "replies"))?;
        let done = blocking(&server, move |s| {
            s.set_quick_replies(line, &checked)?;
            Ok(QuickReplies {
                replies: s.quick_replies(line)?,
            })
        })
        .await;
        // The line's apps fetch it again now (`ReferenceChanged`).
        server.hub.catch_up(line);
        done
    };
    json(StatusCode::OK, answer.await)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileName {
    #[serde(default)]
    name: String,
}

async fn upload_file(
    State(server): State<Arc<Server>>,
    Path(line): Path<u64>,
    Query(query): Query<FileName>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let answer = async {
        line_admin(&server, &headers, line).await?;
        let name = linedesk_protocol::sanitize_file_name(&query.name)
            .ok_or_else(|| Refusal::invalid("not a file name").with_field("name"))?;
        let bytes = read_body(&server, &headers, body, MAX_FILE_BYTES, "a file").await?;
        if bytes.is_empty() {
            return Err(Refusal::invalid("the file is empty").with_field("file"));
        }
        blocking(&server, move |s| {
            Ok(s.add_quick_reply_file(line, &name, &bytes, now_ms())?)
        })
        .await
    };
    json::<QuickReplyFile>(StatusCode::CREATED, answer.await)
}

async fn download_file(
    State(server): State<Arc<Server>>,
    Path((line, file)): Path<(u64, u64)>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        member_of(&server, &headers, line, false).await?;
        blocking(&server, move |s| Ok(s.quick_reply_file(line, file)?))
            .await?
            .ok_or_else(|| Refusal::not_found(format!("line {line} has no file {file}")))
    };
    match answer.await {
        Ok((name, bytes)) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/octet-stream"),
                ),
                (header::CONTENT_DISPOSITION, disposition(&name)),
            ],
            bytes,
        )
            .into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

async fn articles(
    State(server): State<Arc<Server>>,
    Path(line): Path<u64>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        line_admin(&server, &headers, line).await?;
        let all = blocking(&server, move |s| Ok(s.search_kb(line, "", u32::MAX)?)).await?;
        Ok(all
            .into_iter()
            .map(|a| AdminArticle {
                id: a.id,
                title: a.title,
                body: a.body,
            })
            .collect::<Vec<_>>())
    };
    json(StatusCode::OK, answer.await)
}

async fn add_article(
    State(server): State<Arc<Server>>,
    Path(line): Path<u64>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let answer = async {
        line_admin(&server, &headers, line).await?;
        let asked: ArticleDraft = body_json(&server, &headers, body, "an article").await?;
        let a = article_of(&asked).map_err(|p| refused(p, "article"))?;
        let done = blocking(&server, move |s| {
            let id = s.add_kb_article(line, &a.title, &a.body).map_err(taken)?;
            Ok(AdminArticle {
                id,
                title: a.title,
                body: a.body,
            })
        })
        .await;
        // The line's apps fetch it again now (`ReferenceChanged`).
        server.hub.catch_up(line);
        done
    };
    json(StatusCode::CREATED, answer.await)
}

async fn update_article(
    State(server): State<Arc<Server>>,
    Path((line, article)): Path<(u64, u64)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let answer = async {
        line_admin(&server, &headers, line).await?;
        let asked: ArticleDraft = body_json(&server, &headers, body, "an article").await?;
        let a = article_of(&asked).map_err(|p| refused(p, "article"))?;
        let done = blocking(&server, move |s| {
            if !s
                .update_kb_article(line, article, &a.title, &a.body)
                .map_err(taken)?
            {
                return Err(Refusal::not_found(format!(
                    "line {line} has no article {article}"
                )));
            }
            Ok(AdminArticle {
                id: article,
                title: a.title,
                body: a.body,
            })
        })
        .await;
        // The line's apps fetch it again now (`ReferenceChanged`).
        server.hub.catch_up(line);
        done
    };
    json(StatusCode::OK, answer.await)
}

#[derive(Debug, Serialize)]
struct Deleted {
    deleted: u64,
}

async fn delete_article(
    State(server): State<Arc<Server>>,
    Path((line, article)): Path<(u64, u64)>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        line_admin(&server, &headers, line).await?;
        let done = blocking(&server, move |s| {
            if !s.delete_kb_article(line, article)? {
                return Err(Refusal::not_found(format!(
                    "line {line} has no article {article}"
                )));
            }
            Ok(Deleted { deleted: article })
        })
        .await;
        // The line's apps fetch it again now (`ReferenceChanged`).
        server.hub.catch_up(line);
        done
    };
    json(StatusCode::OK, answer.await)
}
