//! The app's HTTP calls of the workstation (issue 6), with the session's token
//! ([`crate::SyncHandle::token`]): files of a chat (A1) up and down, the store's queue of
//! files drained to the server ([`upload_pending`]), and KB drafts (C8). Each answers a value
//! or a typed [`ApiError`].

use std::sync::Mutex;

use http_body_util::Full;
use hyper::body::Bytes;
use linedesk_domain::appeal::AppealError;
use linedesk_protocol::{KbDraft, SharedFile, encode_query_value};
use linedesk_store::Store;

use crate::connection::http;
use crate::{SyncConfig, SyncError};

/// Why an HTTP call of the workstation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// Not connected, TLS, a bad address: try again later.
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// 401: the token is unknown, expired or revoked: sign in again.
    #[error("the server does not know this token")]
    Unauthenticated,
    /// 403: not a line this specialist serves, not this client's file.
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// 404: no such file.
    #[error("not found: {0}")]
    NotFound(String),
    /// 413: larger than the server accepts.
    #[error("the file is too large")]
    TooLarge,
    /// 400: the server refused the content for good (no usable name, an empty draft, ...).
    #[error("refused: {0}")]
    Refused(String),
    /// 400 with the rule `appeal.held_by_colleague` (C9): a colleague holds the client's
    /// appeal; sent again only once the specialist confirms.
    #[error("a colleague holds the appeal: {0}")]
    HeldByColleague(String),
    /// Any other answer.
    #[error("the server answered {status}: {message}")]
    Server { status: u16, message: String },
    #[error("the local store: {0}")]
    Store(#[from] linedesk_store::StoreError),
}

impl ApiError {
    /// Whether a later retry of the same call may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            ApiError::Sync(_) => true,
            ApiError::Server { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

async fn call(
    config: &SyncConfig,
    method: hyper::Method,
    path: &str,
    token: &str,
    body: Vec<u8>,
) -> Result<Bytes, ApiError> {
    let connector = crate::endpoint::connector(config)?;
    let request = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header(hyper::header::HOST, connector.endpoint().authority())
        .header(hyper::header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| SyncError::Unreachable(e.to_string()))?;
    let (status, bytes) = http(&connector, request).await?;
    if status.is_success() {
        return Ok(bytes);
    }
    let body = serde_json::from_slice::<serde_json::Value>(&bytes).unwrap_or_default();
    let message = body["message"].as_str().unwrap_or_default().to_string();
    Err(match status.as_u16() {
        400 if body["rule"].as_str() == Some(AppealError::HeldByColleague.code()) => {
            ApiError::HeldByColleague(message)
        }
        400 => ApiError::Refused(message),
        401 => ApiError::Unauthenticated,
        403 => ApiError::Forbidden(message),
        404 => ApiError::NotFound(message),
        413 => ApiError::TooLarge,
        other => ApiError::Server {
            status: other,
            message,
        },
    })
}

fn decoded<T: for<'de> serde::Deserialize<'de>>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::Sync(SyncError::Protocol(format!("the answer: {e}"))))
}

/// Where a file goes: the chat of `client` on `line`; `confirmed` (C9): past a colleague's
/// hold on the client's appeal, after the specialist was warned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileTo {
    pub line: u64,
    pub client: u64,
    pub confirmed: bool,
}

/// A1: send a file to a client's chat. With a `key`, a retry after a lost answer gets the
/// first upload's file back (`duplicate: true`) instead of a second copy.
pub async fn upload_file(
    config: &SyncConfig,
    token: &str,
    to: FileTo,
    name: &str,
    bytes: Vec<u8>,
    key: Option<&str>,
) -> Result<SharedFile, ApiError> {
    let FileTo {
        line,
        client,
        confirmed,
    } = to;
    let mut path = format!(
        "/api/lines/{line}/clients/{client}/files?name={}",
        encode_query_value(name)
    );
    if let Some(key) = key {
        path.push_str(&format!("&key={}", encode_query_value(key)));
    }
    if confirmed {
        path.push_str("&confirmed=true");
    }
    let answer = call(config, hyper::Method::POST, &path, token, bytes).await?;
    decoded(&answer)
}

/// The bytes of a file of a chat of this specialist's lines.
pub async fn download_file(
    config: &SyncConfig,
    token: &str,
    file: u64,
) -> Result<Vec<u8>, ApiError> {
    let path = format!("/api/files/{file}");
    Ok(call(config, hyper::Method::GET, &path, token, Vec::new())
        .await?
        .to_vec())
}

/// Send the store's queued files in order, each with its key, marking each uploaded as the
/// server confirms it. Stops at the first failure that a retry (or a new token) may mend:
/// returned, the rest wait for the next call. A file the server refuses for good (too large,
/// not a client of the line) is marked failed with the reason and the queue goes on. A file
/// queued unconfirmed that a colleague's hold refuses (C9: they took the appeal after it was
/// queued) is held instead, for the specialist to be asked again.
/// Returns how many were uploaded.
pub async fn upload_pending(
    store: &Mutex<Store>,
    config: &SyncConfig,
    token: &str,
    now_ms: i64,
) -> Result<usize, ApiError> {
    let pending = {
        let s = store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        s.pending_uploads(u32::MAX)?
    };
    let mut done = 0;
    for upload in pending {
        let to = FileTo {
            line: u64::try_from(upload.line_id).unwrap_or_default(),
            client: u64::try_from(upload.client_id).unwrap_or_default(),
            confirmed: upload.confirmed,
        };
        let sent = upload_file(
            config,
            token,
            to,
            &upload.name,
            upload.bytes,
            Some(&upload.key),
        )
        .await;
        let shared = match sent {
            Ok(shared) => shared,
            Err(err) if err.is_retryable() || matches!(err, ApiError::Unauthenticated) => {
                return Err(err);
            }
            Err(ApiError::HeldByColleague(_)) if !upload.confirmed => {
                store
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .hold_upload(upload.id, now_ms)?;
                continue;
            }
            Err(err) => {
                store
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .mark_upload_failed(upload.id, &err.to_string())?;
                continue;
            }
        };
        let file = i64::try_from(shared.file).unwrap_or(i64::MAX);
        store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .mark_uploaded(upload.id, file, now_ms)?;
        done += 1;
    }
    Ok(done)
}

/// C8: keep a reply as a draft KB article of `line`.
pub async fn save_kb_draft(
    config: &SyncConfig,
    token: &str,
    line: u64,
    subject: &str,
    text: &str,
) -> Result<KbDraft, ApiError> {
    let body = serde_json::json!({ "subject": subject, "text": text }).to_string();
    let path = format!("/api/lines/{line}/kb/drafts");
    let answer = call(config, hyper::Method::POST, &path, token, body.into_bytes()).await?;
    decoded(&answer)
}
