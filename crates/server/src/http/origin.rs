//! Browser pages: a request with an `Origin` header comes from a web page, which may be any
//! site the user has open (against the embedded server on 127.0.0.1 too). Such requests pass
//! only from the configured `allowed_origins`, on every route including the WebSocket
//! upgrade; requests without `Origin` (the app, scripts, other servers) are not a page's and
//! pass.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::Refusal;
use crate::context::Server;

pub async fn check_origin(
    State(server): State<Arc<Server>>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(origin) = request.headers().get(header::ORIGIN) {
        let origin = origin
            .to_str()
            .unwrap_or_default()
            .trim()
            .trim_end_matches('/')
            .to_ascii_lowercase();
        if !server.http.allowed_origins.contains(&origin) {
            return Refusal::forbidden(format!(
                "requests from the web page {origin:?} are not allowed (allowed_origins)"
            ))
            .into_response();
        }
    }
    next.run(request).await
}
