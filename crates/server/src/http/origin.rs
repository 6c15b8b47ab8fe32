//! Browser pages: a request with an `Origin` header comes from a web page, which may be any
//! site the user has open (against the embedded server on 127.0.0.1 too). Such requests pass
//! only, on every route including the WebSocket upgrade:
//! - from the configured `[http] allowed_origins`;
//! - from the server's own origin (the client's web widget, `/widget/`), when some line has a
//!   widget (`[[widget.lines]]`): otherwise, as on the app's embedded server, a same-host
//!   `Origin` could be a DNS-rebinding page and is refused like any other;
//! - on the widget's public routes (`/api/widget/...`) only, from an origin some line lets
//!   embed its widget.
//!
//! Requests without `Origin` (the app, scripts, other servers) are not a page's and pass.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
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
        let allowed = server.http.allowed_origins.contains(&origin)
            || (!server.widget.is_empty() && is_own(&origin, request.headers()))
            || (request.uri().path().starts_with("/api/widget/")
                && server.widget.embeds_somewhere(&origin));
        if !allowed {
            return Refusal::forbidden(format!(
                "requests from the web page {origin:?} are not allowed (allowed_origins)"
            ))
            .into_response();
        }
    }
    next.run(request).await
}

/// Whether `origin` (`scheme://host[:port]`, lower case) names the host the request was sent
/// to: a page this server served.
fn is_own(origin: &str, headers: &HeaderMap) -> bool {
    let Some((_, authority)) = origin.split_once("://") else {
        return false;
    };
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|host| !host.is_empty() && host.eq_ignore_ascii_case(authority))
}
