//! The simulator's plain HTTP calls to the line server (signing in, sending a file): one
//! `POST`, answered with its status and whole body. A transport failure is
//! [`SimError::Unreachable`]; what the status means is the caller's.

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::HeaderName;

use crate::SimError;

/// `POST uri` with `header` and `body`: (status, body).
pub(crate) async fn post(
    uri: String,
    header: (HeaderName, String),
    body: Vec<u8>,
) -> Result<(hyper::StatusCode, Bytes), SimError> {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let request = hyper::Request::post(uri)
        .header(header.0, header.1)
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| SimError::Unreachable(e.to_string()))?;
    let response = client
        .request(request)
        .await
        .map_err(|e| SimError::Unreachable(e.to_string()))?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| SimError::Unreachable(e.to_string()))?
        .to_bytes();
    Ok((status, body))
}
