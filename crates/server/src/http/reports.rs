//! R1: the supervisor's reports over HTTP, for specialists with a bearer token. Each report is
//! computed by the storage backend for one line, one period and its filters
//! (`linedesk_line::reports` says who sees what; the SQL aggregates in `sqlite/reports.rs`).
//!
//! - `GET /api/reports/lines`: [`ReportAccess`], the lines the asker serves and supervises.
//! - `GET /api/lines/{line}/reports/sla?from_ms&to_ms[&specialist][&level][&appeal_type]`: S6
//!   (`appeal_type`: S5's type, as recorded at registration or chosen since).
//! - `GET /api/lines/{line}/reports/operators?from_ms&to_ms[&specialist]`: A6.
//! - `GET /api/lines/{line}/reports/calls?from_ms&to_ms[&specialist]`: calls and quality.
//! - `GET /api/lines/{line}/reports/monitor`: the line now (supervisors only).
//!
//! No token or a bad one: 401 `unauthenticated`. Not a specialist, or not one of the line: 403
//! `forbidden`. Another specialist's figures or the monitor without being the line's
//! supervisor: 403 `forbidden` with the rule `report.not_supervisor`. A bad period: 400
//! `invalid` with `report.bad_period` or `report.period_too_long` (field `to_ms`).

use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use linedesk_line::reports::{ReportError, ReportQuery, scope};
use linedesk_protocol::reports::ReportAccess;
use linedesk_protocol::{MAX_SLA_LEVEL_NAME_CHARS, Role, check_chars};
use serde::{Deserialize, Serialize};

use super::auth::authenticate;
use super::error::{Refusal, blocking};
use crate::context::{Server, now_ms};

pub fn routes() -> Router<Arc<Server>> {
    Router::new()
        .route("/api/reports/lines", get(lines))
        .route("/api/lines/{line}/reports/sla", get(sla))
        .route("/api/lines/{line}/reports/operators", get(operators))
        .route("/api/lines/{line}/reports/calls", get(calls))
        .route("/api/lines/{line}/reports/monitor", get(monitor))
}

/// A report's period and filters, as the query string gives them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportParams {
    from_ms: i64,
    to_ms: i64,
    specialist: Option<u64>,
    level: Option<String>,
    /// S5: the appeals of this type only.
    appeal_type: Option<String>,
}

fn refusal(e: ReportError) -> Refusal {
    let rule = e.code();
    let refusal = if e.is_forbidden() {
        Refusal::forbidden(e.to_string())
    } else {
        Refusal::invalid(e.to_string()).with_field("to_ms")
    };
    Refusal {
        rule: Some(rule.to_string()),
        ..refusal
    }
}

/// The asker, if a specialist: their id.
async fn specialist(server: &Server, headers: &HeaderMap) -> Result<u64, Refusal> {
    let (subject, _) = authenticate(server, headers).await?;
    if subject.role != Role::Specialist {
        return Err(Refusal::forbidden("reports are for specialists"));
    }
    Ok(subject.id)
}

/// The asker and whether they supervise `line`; 403 when they do not serve it.
pub(super) async fn role_on(
    server: &Server,
    headers: &HeaderMap,
    line: u64,
) -> Result<(u64, bool), Refusal> {
    let me = specialist(server, headers).await?;
    let role = blocking(server, move |s| Ok(s.line_role(me, line)?)).await?;
    match role {
        Some(supervisor) => Ok((me, supervisor)),
        None => Err(Refusal::forbidden(format!(
            "line {line} is not one you serve"
        ))),
    }
}

/// Check the token and the line, then scope the query to what the asker may see.
async fn scoped(
    server: &Server,
    headers: &HeaderMap,
    line: u64,
    params: Result<Query<ReportParams>, QueryRejection>,
) -> Result<(ReportQuery, bool), Refusal> {
    let (me, supervisor) = role_on(server, headers, line).await?;
    let Query(p) = params.map_err(|e| Refusal::invalid(e.body_text()))?;
    if let Some(level) = &p.level {
        check_chars("level", level, MAX_SLA_LEVEL_NAME_CHARS)
            .map_err(|e| Refusal::of(linedesk_protocol::ErrorCode::TooLong, e.to_string()))?;
    }
    if let Some(kind) = &p.appeal_type {
        check_chars(
            "appeal_type",
            kind,
            linedesk_protocol::MAX_APPEAL_KIND_CHARS,
        )
        .map_err(|e| Refusal::of(linedesk_protocol::ErrorCode::TooLong, e.to_string()))?;
    }
    let asked = ReportQuery {
        from_ms: p.from_ms,
        to_ms: p.to_ms,
        specialist: p.specialist,
        level: p.level,
        appeal_type: p.appeal_type,
    };
    scope(me, supervisor, asked).map_err(refusal)
}

fn json<T: Serialize>(answer: Result<T, Refusal>) -> Response {
    match answer {
        Ok(value) => axum::Json(value).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

async fn lines(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    let answer = async {
        let me = specialist(&server, &headers).await?;
        let lines = blocking(&server, move |s| Ok(s.report_lines(me)?)).await?;
        Ok(ReportAccess {
            specialist: me,
            lines,
        })
    };
    json(answer.await)
}

async fn sla(
    State(server): State<Arc<Server>>,
    Path(line): Path<u64>,
    headers: HeaderMap,
    params: Result<Query<ReportParams>, QueryRejection>,
) -> Response {
    let answer = async {
        let (q, own) = scoped(&server, &headers, line, params).await?;
        blocking(&server, move |s| {
            Ok(s.sla_report(line, &q, own, now_ms())?)
        })
        .await
    };
    json(answer.await)
}

async fn operators(
    State(server): State<Arc<Server>>,
    Path(line): Path<u64>,
    headers: HeaderMap,
    params: Result<Query<ReportParams>, QueryRejection>,
) -> Response {
    let answer = async {
        let (q, own) = scoped(&server, &headers, line, params).await?;
        blocking(&server, move |s| Ok(s.operator_report(line, &q, own)?)).await
    };
    json(answer.await)
}

async fn calls(
    State(server): State<Arc<Server>>,
    Path(line): Path<u64>,
    headers: HeaderMap,
    params: Result<Query<ReportParams>, QueryRejection>,
) -> Response {
    let answer = async {
        let (q, own) = scoped(&server, &headers, line, params).await?;
        blocking(&server, move |s| Ok(s.call_report(line, &q, own)?)).await
    };
    json(answer.await)
}

async fn monitor(
    State(server): State<Arc<Server>>,
    Path(line): Path<u64>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        let (_, supervisor) = role_on(&server, &headers, line).await?;
        linedesk_line::reports::access::monitor_allowed(supervisor).map_err(refusal)?;
        blocking(&server, move |s| Ok(s.monitor(line, now_ms())?)).await
    };
    json(answer.await)
}
