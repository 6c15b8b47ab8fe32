//! `GET /metrics`: the Prometheus text exposition ([`crate::metrics`]), only to the addresses
//! of `[http] metrics_allow` (default: loopback); any other peer gets `403 forbidden`. The
//! socket's own peer is checked, never `X-Forwarded-For`: a proxy in front would otherwise
//! open the metrics to everyone it forwards.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::auth::PeerIp;
use super::error::Refusal;
use crate::context::Server;

/// The content type Prometheus expects of the text format.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

pub async fn metrics(State(server): State<Arc<Server>>, PeerIp(peer): PeerIp) -> Response {
    if !peer.is_some_and(|ip| server.http.metrics_allow.contains(&ip)) {
        return Refusal::forbidden("the metrics are served to the configured addresses only")
            .into_response();
    }
    (
        [(header::CONTENT_TYPE, TEXT_FORMAT)],
        crate::metrics::metrics().encode(),
    )
        .into_response()
}
