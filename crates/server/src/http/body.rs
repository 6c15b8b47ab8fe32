//! Reading a request body once the request is authorized: the announced length is checked
//! against the route's cap first (413 before a byte is read), then the body is read with the
//! same cap (a chunked body that grows past it is cut off) and within the server's body
//! deadline (a slow body gets 408).

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, header};
use futures_util::StreamExt;
use linedesk_protocol::ErrorCode;

use super::error::Refusal;
use crate::context::Server;

/// The body of a request, at most `cap` bytes; `what` names it in the refusal.
pub async fn read_body(
    server: &Server,
    headers: &HeaderMap,
    body: Body,
    cap: usize,
    what: &str,
) -> Result<Bytes, Refusal> {
    let too_large = || Refusal::too_large(format!("{what} is at most {cap} bytes"));
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|n| n > cap as u64) {
        return Err(too_large());
    }
    let expected = announced.map_or(0, |n| usize::try_from(n).unwrap_or(cap));
    let read = async {
        let mut bytes = Vec::with_capacity(expected.min(cap));
        let mut stream = body.into_data_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk
                .map_err(|_| Refusal::of(ErrorCode::BadFrame, format!("{what} was cut off")))?;
            if bytes.len() + chunk.len() > cap {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(bytes))
    };
    match tokio::time::timeout(server.http.body_timeout, read).await {
        Ok(read) => read,
        Err(_) => Err(Refusal::new(
            StatusCode::REQUEST_TIMEOUT,
            ErrorCode::BadFrame,
            format!(
                "{what} did not arrive within {} s",
                server.http.body_timeout.as_secs()
            ),
        )),
    }
}

/// A small JSON body (at most one protocol frame), parsed.
pub async fn read_json<T: for<'de> serde::Deserialize<'de>>(
    server: &Server,
    headers: &HeaderMap,
    body: Body,
    what: &str,
) -> Result<T, Refusal> {
    let bytes = read_body(
        server,
        headers,
        body,
        linedesk_protocol::MAX_FRAME_BYTES,
        what,
    )
    .await?;
    serde_json::from_slice(&bytes).map_err(|e| Refusal::of(ErrorCode::BadFrame, e.to_string()))
}
