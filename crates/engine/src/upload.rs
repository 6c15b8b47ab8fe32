//! Uploading a call's recording to the line server (`POST /api/calls/{call}/recording`),
//! downloading it, and signing in, each one HTTP request with the session's bearer token over
//! the server's scheme: HTTPS with the certificate checked for `https://`, plain HTTP for
//! `http://` (the shared [`Connector`]).

use std::path::Path;

use http_body_util::Full;
use hyper::body::Bytes;
use linedesk_endpoint::Connector;
use linedesk_protocol::RecordingGap;
use serde::Deserialize;

use crate::EngineError;

/// The server's answer to an upload.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Uploaded {
    pub call: u64,
    pub bytes: u64,
    pub duration_ms: u64,
    /// The server had this file already (a retried upload).
    pub duplicate: bool,
}

/// One HTTP request to `server`: the status and the body.
pub(crate) async fn request(
    server: &Connector,
    method: hyper::Method,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> Result<(hyper::StatusCode, Bytes), EngineError> {
    let mut builder = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header(hyper::header::CONTENT_TYPE, content_type);
    if let Some(token) = token {
        builder = builder.header(hyper::header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let request = builder
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| EngineError::Line(format!("a request to {path}: {e}")))?;
    Ok(server.request(request).await?)
}

fn refused(status: hyper::StatusCode, body: &[u8]) -> EngineError {
    let message = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    EngineError::Refused {
        status: status.as_u16(),
        message,
    }
}

/// Upload the recording at `path` of `call` to `server` as the call's specialist.
/// Re-uploading the same file is harmless (`duplicate: true`).
pub async fn upload_recording(
    server: &Connector,
    token: &str,
    call: u64,
    path: &Path,
) -> Result<Uploaded, EngineError> {
    upload_recording_with_gaps(server, token, call, path, &[]).await
}

/// [`upload_recording`] of a recording that was paused: `gaps` says where
/// (`?gaps=AT:LENGTH,...`).
pub async fn upload_recording_with_gaps(
    server: &Connector,
    token: &str,
    call: u64,
    path: &Path,
    gaps: &[RecordingGap],
) -> Result<Uploaded, EngineError> {
    let body = tokio::fs::read(path).await.map_err(EngineError::io(path))?;
    let mut target = format!("/api/calls/{call}/recording");
    if !gaps.is_empty() {
        target.push_str("?gaps=");
        target.push_str(&RecordingGap::format_list(gaps));
    }
    let (status, bytes) = request(
        server,
        hyper::Method::POST,
        &target,
        Some(token),
        "audio/ogg",
        body,
    )
    .await?;
    if !status.is_success() {
        return Err(refused(status, &bytes));
    }
    Ok(serde_json::from_slice(&bytes)?)
}

/// Download the recording of `call` (the call's client, or a specialist of its line).
pub async fn download_recording(
    server: &Connector,
    token: &str,
    call: u64,
) -> Result<Vec<u8>, EngineError> {
    let (status, bytes) = request(
        server,
        hyper::Method::GET,
        &format!("/api/calls/{call}/recording"),
        Some(token),
        "application/octet-stream",
        Vec::new(),
    )
    .await?;
    if !status.is_success() {
        return Err(refused(status, &bytes));
    }
    Ok(bytes.to_vec())
}

/// `GET path` of `server` with the session's bearer token: the status and the body as they
/// came (the reports of `crates/server/src/http/reports.rs`, whose refusals the caller reads).
pub async fn get_with_token(
    server: &Connector,
    token: &str,
    path: &str,
) -> Result<(u16, Vec<u8>), EngineError> {
    let (status, bytes) = request(
        server,
        hyper::Method::GET,
        path,
        Some(token),
        "application/json",
        Vec::new(),
    )
    .await?;
    Ok((status.as_u16(), bytes.to_vec()))
}

/// `method path` (`POST`, `PUT`, `DELETE`) of `server` with the session's bearer token and a
/// body of `content_type`: the status and the body as they came (line administration,
/// `crates/server/src/http/line_admin*.rs`).
pub async fn send_with_token(
    server: &Connector,
    token: &str,
    (method, path): (&str, &str),
    content_type: &str,
    body: Vec<u8>,
) -> Result<(u16, Vec<u8>), EngineError> {
    let method = hyper::Method::from_bytes(method.as_bytes())
        .map_err(|e| EngineError::Line(format!("{method}: {e}")))?;
    let (status, bytes) = request(server, method, path, Some(token), content_type, body).await?;
    Ok((status.as_u16(), bytes.to_vec()))
}

/// `POST /api/login`: the bearer token.
pub async fn login(server: &Connector, login: &str, password: &str) -> Result<String, EngineError> {
    let body = serde_json::json!({ "login": login, "password": password }).to_string();
    let (status, bytes) = request(
        server,
        hyper::Method::POST,
        "/api/login",
        None,
        "application/json",
        body.into_bytes(),
    )
    .await?;
    if !status.is_success() {
        return Err(refused(status, &bytes));
    }
    let value: serde_json::Value = serde_json::from_slice(&bytes)?;
    value["token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| EngineError::Line("the login answer has no token".into()))
}
