//! Files of a chat (A1) and KB drafts (C8) over HTTP, with a bearer token from
//! `POST /api/login`:
//!
//! - `POST /api/lines/{line}/clients/{client}/files?name=..[&key=..]` (a specialist of the
//!   line; `&confirmed=true` past a colleague's hold, C9: without it a file into an appeal a
//!   colleague holds is 400 `invalid` with the rule `appeal.held_by_colleague`) and
//!   `POST /api/files?name=..[&key=..]` (a client, into their own line's chat),
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
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use linedesk_protocol::{ErrorCode, KbDraft, MAX_FILE_BYTES, MAX_FRAME_BYTES, Role, SharedFile};
use serde::Deserialize;

use super::auth::{authenticate, member_of};
use super::body::read_body;
use super::download::stream;
use super::error::{Refusal, blocking};
use crate::context::{Server, now_ms};
use crate::storage::{BlobId, Subject};

pub fn routes() -> Router<Arc<Server>> {
    Router::new()
        .route(
            "/api/lines/{line}/clients/{client}/files",
            post(specialist_upload),
        )
        .route("/api/files", post(client_upload))
        .route("/api/files/{file}", get(download))
        .route("/api/lines/{line}/kb/drafts", post(save_draft).get(drafts))
}

#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    #[serde(default)]
    name: String,
    key: Option<String>,
    /// C9: `true` after the specialist was warned that a colleague holds the client's appeal
    /// and chose to send anyway.
    #[serde(default)]
    confirmed: bool,
}

async fn specialist_upload(
    State(server): State<Arc<Server>>,
    Path((line, client)): Path<(u64, u64)>,
    Query(query): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    upload(&server, Some((line, client)), query, &headers, body)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn client_upload(
    State(server): State<Arc<Server>>,
    Query(query): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
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
    body: Body,
) -> Result<Response, Refusal> {
    let (subject, _) = authenticate(server, headers).await?;
    let allowed = matches!(
        (subject.role, to),
        (Role::Client, None) | (Role::Specialist, Some(_))
    );
    if !allowed {
        return Err(Refusal::forbidden(
            "specialists send to /api/lines/{line}/clients/{client}/files, clients to /api/files",
        ));
    }
    let body = read_body(server, headers, body, MAX_FILE_BYTES, "a file").await?;
    let (shared, events) = blocking(server, move |s| {
        let upload = linedesk_line::Upload {
            to,
            name: &query.name,
            bytes: &body,
            key: query.key.as_deref(),
            confirmed: query.confirmed,
        };
        Ok(s.share_upload(subject, &upload, now_ms())?)
    })
    .await?;
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
pub(super) fn disposition(name: &str) -> HeaderValue {
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
    let blob = BlobId::File(file);
    // The permission from the metadata alone; the bytes are read only for those allowed.
    let found = blocking(server, move |storage| {
        let Some(meta) = storage.blob_meta(blob)? else {
            return Ok(None);
        };
        let allowed = match subject.role {
            Role::Client => subject.id == meta.client,
            Role::Specialist => storage.lines_of(subject)?.contains(&meta.line),
            Role::Admin => false,
        };
        Ok(Some((allowed, meta)))
    })
    .await?;
    match found {
        None => Err(Refusal::not_found(format!("no file {file}"))),
        Some((false, _)) => Err(Refusal::forbidden(format!(
            "file {file} is not in a chat of yours"
        ))),
        Some((true, meta)) => {
            let size = meta.size.unwrap_or(0);
            Ok((
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/octet-stream"),
                    ),
                    (header::CONTENT_DISPOSITION, disposition(&meta.name)),
                    (header::CONTENT_LENGTH, HeaderValue::from(size)),
                ],
                stream(server.clone(), blob, size),
            )
                .into_response())
        }
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
    member_of(server, headers, line, false).await
}

async fn save_draft(
    State(server): State<Arc<Server>>,
    Path(line): Path<u64>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let saved = async {
        let subject = specialist_of(&server, &headers, line).await?;
        let body = read_body(&server, &headers, body, MAX_FRAME_BYTES, "a draft").await?;
        let request: DraftRequest = serde_json::from_slice(&body)
            .map_err(|_| Refusal::of(ErrorCode::BadFrame, "expected {\"subject\", \"text\"}"))?;
        let at_ms = now_ms();
        let (subject_text, text) = (request.subject.clone(), request.text.clone());
        let id = blocking(&server, move |s| {
            Ok(s.save_kb_draft(subject, line, &subject_text, &text, at_ms)?)
        })
        .await?;
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
        let drafts = blocking(&server, move |s| Ok(s.kb_drafts(line)?)).await?;
        Ok::<_, Refusal>(axum::Json(drafts).into_response())
    };
    listed.await.unwrap_or_else(IntoResponse::into_response)
}
