//! Files of a chat (A1) and KB drafts (C8) over HTTP, with a bearer token from
//! `POST /api/login`:
//!
//! - `POST /api/lines/{line}/clients/{client}/files?name=..[&key=..]` (a specialist of the
//!   line) and `POST /api/files?name=..[&key=..]` (a client, into their own line's chat),
//!   body the raw file (at most [`MAX_FILE_BYTES`]: 413 `too_large` beyond). 201 with a
//!   [`SharedFile`] and `Event::FileShared` in the line's log (a client's file opens an
//!   appeal like a message); the same `key` again is 200 with `duplicate: true`. A name with
//!   nothing usable, an empty body, or a client not on the line: 400 `invalid`.
//! - `GET /api/files/{file}`: the bytes (`application/octet-stream`, the name in
//!   `Content-Disposition`) for the specialists of its line and the client it belongs to;
//!   403 `forbidden` for anybody else, 404 for no such file.
//! - `POST /api/lines/{line}/kb/drafts` `{subject, text}`: a specialist of the line keeps a
//!   draft (201 with the [`KbDraft`]); `GET` the same path lists the line's drafts.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use linedesk_protocol::{ErrorCode, KbDraft, MAX_FILE_BYTES, MAX_FRAME_BYTES, Role, SharedFile};
use serde::Deserialize;

use crate::app::{Refusal, Server, authenticate, now_ms};
use crate::storage::{StorageError, Subject};

pub fn routes() -> Router<Arc<Server>> {
    Router::new()
        .route(
            "/api/lines/{line}/clients/{client}/files",
            post(specialist_upload),
        )
        .route("/api/files", post(client_upload))
        .route("/api/files/{file}", get(download))
        .route("/api/lines/{line}/kb/drafts", post(save_draft).get(drafts))
        // One byte over the cap still reaches the handler, which answers 413 itself.
        .layer(DefaultBodyLimit::max(MAX_FILE_BYTES + 1))
}

#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    #[serde(default)]
    name: String,
    key: Option<String>,
}

fn refusal(err: StorageError) -> Refusal {
    match err {
        StorageError::NotAllowed(why) => {
            Refusal::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, why)
        }
        StorageError::Forbidden(line) => Refusal::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            format!("line {line} is not one you serve"),
        ),
        StorageError::Invalid(why) => {
            Refusal::new(StatusCode::BAD_REQUEST, ErrorCode::Invalid, why)
        }
        StorageError::Conflict(why) => Refusal::new(StatusCode::CONFLICT, ErrorCode::Conflict, why),
        StorageError::Rule { message, .. } => {
            Refusal::new(StatusCode::BAD_REQUEST, ErrorCode::Invalid, message)
        }
        other => Refusal::internal(other),
    }
}

async fn specialist_upload(
    State(server): State<Arc<Server>>,
    Path((line, client)): Path<(u64, u64)>,
    Query(query): Query<UploadQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    upload(&server, Some((line, client)), query, &headers, body)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn client_upload(
    State(server): State<Arc<Server>>,
    Query(query): Query<UploadQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    upload(&server, None, query, &headers, body)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn upload(
    server: &Arc<Server>,
    to: Option<(u64, u64)>,
    query: UploadQuery,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Response, Refusal> {
    let (subject, _) = authenticate(server, headers).await?;
    let allowed = matches!(
        (subject.role, to),
        (Role::Client, None) | (Role::Specialist, Some(_))
    );
    if !allowed {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            "specialists send to /api/lines/{line}/clients/{client}/files, clients to /api/files",
        ));
    }
    if body.len() > MAX_FILE_BYTES {
        return Err(Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooLarge,
            format!("a file is at most {MAX_FILE_BYTES} bytes"),
        ));
    }
    let storage = server.storage.clone();
    let (shared, events) = tokio::task::spawn_blocking(move || {
        storage.share_file(
            subject,
            to,
            &query.name,
            &body,
            query.key.as_deref(),
            now_ms(),
        )
    })
    .await
    .map_err(Refusal::internal)?
    .map_err(refusal)?;
    server.hub.publish(&events);
    if events
        .iter()
        .any(|e| matches!(e.event, linedesk_protocol::Event::SlaStarted { .. }))
    {
        server.sla_wake.notify_one();
    }
    let status = if shared.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, axum::Json::<SharedFile>(shared)).into_response())
}

async fn download(
    State(server): State<Arc<Server>>,
    Path(file): Path<u64>,
    headers: HeaderMap,
) -> Response {
    fetch(&server, file, &headers)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// `attachment; filename*=UTF-8''<percent-encoded name>` (RFC 6266), safe for any name.
fn disposition(name: &str) -> HeaderValue {
    let encoded: String = name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    HeaderValue::from_str(&format!("attachment; filename*=UTF-8''{encoded}"))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

async fn fetch(server: &Arc<Server>, file: u64, headers: &HeaderMap) -> Result<Response, Refusal> {
    let (subject, _) = authenticate(server, headers).await?;
    let storage = server.storage.clone();
    let found = tokio::task::spawn_blocking(move || {
        let Some(stored) = storage.file(file)? else {
            return Ok(None);
        };
        let allowed = match subject.role {
            Role::Client => subject.id == stored.client,
            Role::Specialist => storage.lines_of(subject)?.contains(&stored.line),
            Role::Admin => false,
        };
        Ok::<_, StorageError>(Some((allowed, stored)))
    })
    .await
    .map_err(Refusal::internal)?
    .map_err(Refusal::internal)?;
    match found {
        None => Err(Refusal::new(
            StatusCode::NOT_FOUND,
            ErrorCode::Invalid,
            format!("no file {file}"),
        )),
        Some((false, _)) => Err(Refusal::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            format!("file {file} is not in a chat of yours"),
        )),
        Some((true, stored)) => Ok((
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/octet-stream"),
                ),
                (header::CONTENT_DISPOSITION, disposition(&stored.name)),
            ],
            stored.bytes,
        )
            .into_response()),
    }
}

#[derive(Debug, Deserialize)]
struct DraftRequest {
    subject: String,
    text: String,
}

/// A specialist of `line`, or a refusal.
async fn specialist_of(
    server: &Arc<Server>,
    headers: &HeaderMap,
    line: u64,
) -> Result<Subject, Refusal> {
    let (subject, _) = authenticate(server, headers).await?;
    let storage = server.storage.clone();
    let lines = tokio::task::spawn_blocking(move || storage.lines_of(subject))
        .await
        .map_err(Refusal::internal)?
        .map_err(Refusal::internal)?;
    if subject.role != Role::Specialist || !lines.contains(&line) {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            format!("line {line} is not one you serve"),
        ));
    }
    Ok(subject)
}

async fn save_draft(
    State(server): State<Arc<Server>>,
    Path(line): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let saved = async {
        let subject = specialist_of(&server, &headers, line).await?;
        if body.len() > MAX_FRAME_BYTES {
            return Err(Refusal::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::TooLarge,
                "the draft is too large",
            ));
        }
        let request: DraftRequest = serde_json::from_slice(&body).map_err(|_| {
            Refusal::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadFrame,
                "expected {\"subject\", \"text\"}",
            )
        })?;
        let storage = server.storage.clone();
        let at_ms = now_ms();
        let (subject_text, text) = (request.subject.clone(), request.text.clone());
        let id = tokio::task::spawn_blocking(move || {
            storage.save_kb_draft(subject, line, &subject_text, &text, at_ms)
        })
        .await
        .map_err(Refusal::internal)?
        .map_err(refusal)?;
        let draft = KbDraft {
            id,
            subject: request.subject.trim().to_string(),
            text: request.text.trim().to_string(),
            specialist: subject.id,
            at_ms,
        };
        Ok::<_, Refusal>((StatusCode::CREATED, axum::Json(draft)).into_response())
    };
    saved.await.unwrap_or_else(IntoResponse::into_response)
}

async fn drafts(
    State(server): State<Arc<Server>>,
    Path(line): Path<u64>,
    headers: HeaderMap,
) -> Response {
    let listed = async {
        specialist_of(&server, &headers, line).await?;
        let storage = server.storage.clone();
        let drafts = tokio::task::spawn_blocking(move || storage.kb_drafts(line))
            .await
            .map_err(Refusal::internal)?
            .map_err(Refusal::internal)?;
        Ok::<_, Refusal>(axum::Json(drafts).into_response())
    };
    listed.await.unwrap_or_else(IntoResponse::into_response)
}
