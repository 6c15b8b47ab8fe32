//! The SLA engine explains itself (issue 15): `GET /api/lines/{line}/appeals/{appeal}/sla`
//! answers [`AppealSla`](linedesk_protocol::sla_explain::AppealSla) for a specialist of the
//! line (the app opens it from the SLA badge). The explanation is the domain's
//! (`linedesk_domain::sla::explain`, run by `linedesk_line::explain_appeal` at the server's
//! `now`).
//!
//! No token or a bad one: 401 `unauthenticated`. Not a specialist, or not one of the line: 403
//! `forbidden`. No such appeal on the line, or one without an SLA timer: 404 `invalid`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::error::{Refusal, blocking};
use super::reports::role_on;
use crate::context::{Server, now_ms};

pub fn routes() -> Router<Arc<Server>> {
    Router::new().route("/api/lines/{line}/appeals/{appeal}/sla", get(appeal_sla))
}

async fn appeal_sla(
    State(server): State<Arc<Server>>,
    Path((line, appeal)): Path<(u64, u64)>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        role_on(&server, &headers, line).await?;
        blocking(&server, move |s| {
            Ok(s.appeal_sla(line, appeal, now_ms())?)
        })
        .await?
        .ok_or_else(|| {
            Refusal::not_found(format!("line {line} has no appeal {appeal} with an SLA"))
        })
    };
    match answer.await {
        Ok(sla) => axum::Json(sla).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}
