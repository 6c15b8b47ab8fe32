//! Call recordings over HTTP (V1: every call is recorded; the client can get its recording),
//! with a bearer token from `POST /api/login`:
//!
//! - `POST /api/calls/{call}/recording`, body the Ogg Opus file (at most
//!   [`MAX_RECORDING_BYTES`]): only the call's specialist, once the call connected. 201
//!   `{call, bytes, duration_ms, duplicate: false}` and `Event::CallRecorded` in the line's
//!   log (attached to the appeal); the same file again is 200 with `duplicate: true` and no
//!   new event; a different file for a recorded call is 409 `conflict`; not an Ogg Opus file
//!   is 400 `invalid` (so is an unknown call or one that never connected); too large is 413.
//!   `?gaps=AT:LENGTH,...` lists where the specialist paused the recording (milliseconds, in
//!   order, none past the file's end; `RecordingGap`), carried by the event; a list that does
//!   not read or does not fit the file is 400 `invalid`.
//! - `GET /api/calls/{call}/recording`: `audio/ogg`, for the call's specialist, the
//!   specialists of its line and the call's client; 403 `forbidden` for anybody else, 404
//!   `invalid` before the upload (or for no such call).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use linedesk_protocol::{MAX_RECORDING_BYTES, RecordingGap, Role};
use serde::{Deserialize, Serialize};

use super::auth::authenticate;
use super::body::read_body;
use super::download::stream;
use super::error::{Refusal, blocking};
use crate::context::{Server, now_ms};
use crate::storage::{BlobId, RecordingSaved};

pub fn routes() -> Router<Arc<Server>> {
    Router::new().route("/api/calls/{call}/recording", post(upload).get(download))
}

/// The answer to an upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Uploaded {
    pub call: u64,
    pub bytes: u64,
    pub duration_ms: u64,
    /// The same file had been uploaded before.
    pub duplicate: bool,
}

/// The upload's query: where the recording was paused (`RecordingGap::format_list`).
#[derive(Debug, Default, Deserialize)]
pub struct UploadQuery {
    #[serde(default)]
    pub gaps: String,
}

async fn upload(
    State(server): State<Arc<Server>>,
    Path(call): Path<u64>,
    query: Result<Query<UploadQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Ok(Query(query)) = query else {
        return Refusal::invalid("the upload's query does not read").into_response();
    };
    match store(&server, call, &query.gaps, &headers, body).await {
        Ok(done) => done,
        Err(refused) => refused.into_response(),
    }
}

async fn store(
    server: &Arc<Server>,
    call: u64,
    gaps: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    let (subject, _) = authenticate(server, headers).await?;
    let gaps = RecordingGap::parse_list(gaps)
        .map_err(|e| Refusal::invalid(format!("the recording's gaps: {e}")))?;
    // Only the call's specialist uploads: refuse anybody else before reading 50 MiB.
    let party = blocking(server, move |s| Ok(s.call(call)?)).await?;
    if let Some(c) = party
        && (subject.role != Role::Specialist || c.specialist != Some(subject.id))
    {
        return Err(Refusal::forbidden(format!(
            "only the specialist of call {call} uploads its recording"
        )));
    }
    let body = read_body(server, headers, body, MAX_RECORDING_BYTES, "a recording").await?;
    let duration_ms = ogg_opus_duration_ms(&body)
        .ok_or_else(|| Refusal::invalid("the body is not a complete Ogg Opus file"))?;
    RecordingGap::check_list(&gaps, duration_ms)
        .map_err(|e| Refusal::invalid(format!("the recording's gaps: {e}")))?;
    let bytes = body.len() as u64;
    let saved = blocking(server, move |s| {
        Ok(s.save_recording(subject, call, &body, duration_ms, &gaps, now_ms())?)
    })
    .await?;
    let (status, duplicate) = match saved {
        RecordingSaved::Done(event) => {
            server.hub.publish(&[event]);
            (StatusCode::CREATED, false)
        }
        RecordingSaved::Duplicate => (StatusCode::OK, true),
    };
    let answer = Uploaded {
        call,
        bytes,
        duration_ms,
        duplicate,
    };
    Ok((status, axum::Json(answer)).into_response())
}

async fn download(
    State(server): State<Arc<Server>>,
    Path(call): Path<u64>,
    headers: HeaderMap,
) -> Response {
    match fetch(&server, call, &headers).await {
        Ok(size) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("audio/ogg")),
                (header::CONTENT_LENGTH, HeaderValue::from(size)),
            ],
            stream(server.clone(), BlobId::Recording(call), size),
        )
            .into_response(),
        Err(refused) => refused.into_response(),
    }
}

/// The recording's size, once the caller may hear it (from the metadata alone).
async fn fetch(server: &Arc<Server>, call: u64, headers: &HeaderMap) -> Result<u64, Refusal> {
    let (subject, _) = authenticate(server, headers).await?;
    let found = blocking(server, move |storage| {
        let Some(meta) = storage.blob_meta(BlobId::Recording(call))? else {
            return Ok(None);
        };
        let allowed = match subject.role {
            Role::Client => subject.id == meta.client,
            Role::Specialist => {
                meta.specialist == Some(subject.id)
                    || storage.lines_of(subject)?.contains(&meta.line)
            }
            Role::Admin => false,
        };
        Ok(Some((allowed, meta.size)))
    })
    .await?;
    let not_found = || Refusal::not_found(format!("call {call} has no recording"));
    match found {
        None => Err(not_found()),
        Some((false, _)) => Err(Refusal::forbidden(format!(
            "the recording of call {call} is not yours to hear"
        ))),
        Some((true, None)) => Err(not_found()),
        Some((true, Some(size))) => Ok(size),
    }
}

/// The length of an Ogg Opus file from its pages: the last granule position less the
/// `OpusHead` pre-skip, at 48 kHz. `None` unless the bytes are whole Ogg pages starting with
/// an `OpusHead` (a truncated upload is refused rather than stored).
pub fn ogg_opus_duration_ms(bytes: &[u8]) -> Option<u64> {
    let mut pos = 0usize;
    let mut pre_skip = None;
    let mut granule = 0u64;
    while pos < bytes.len() {
        let header = bytes.get(pos..pos + 27)?;
        if &header[..4] != b"OggS" || header[4] != 0 {
            return None;
        }
        let segments = usize::from(header[26]);
        let table = bytes.get(pos + 27..pos + 27 + segments)?;
        let body_len: usize = table.iter().map(|&l| usize::from(l)).sum();
        let body_at = pos + 27 + segments;
        let body = bytes.get(body_at..body_at + body_len)?;
        if pre_skip.is_none() {
            if body.len() < 19 || &body[..8] != b"OpusHead" {
                return None;
            }
            pre_skip = Some(u64::from(u16::from_le_bytes([body[10], body[11]])));
        }
        let mut g = [0u8; 8];
        g.copy_from_slice(&header[6..14]);
        let g = u64::from_le_bytes(g);
        // -1: no packet ends on this page.
        if g != u64::MAX {
            granule = granule.max(g);
        }
        pos = body_at + body_len;
    }
    Some(granule.saturating_sub(pre_skip?) * 1000 / 48_000)
}
