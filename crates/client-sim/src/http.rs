//! The simulator's HTTP calls to the line server (signing in, sending a file): one `POST` over
//! the server's scheme, answered with its status and whole body. A transport or certificate
//! failure is [`SimError::Server`]; what the status means is the caller's.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::HeaderName;
use linedesk_engine::Connector;

use crate::SimError;

/// `POST path` on `server` with `header` and `body`: (status, body).
pub(crate) async fn post(
    server: &Connector,
    path: &str,
    header: (HeaderName, String),
    body: Vec<u8>,
) -> Result<(hyper::StatusCode, Bytes), SimError> {
    let request = hyper::Request::post(path)
        .header(header.0, header.1)
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| SimError::Protocol(format!("a request to {path}: {e}")))?;
    Ok(server.request(request).await?)
}
