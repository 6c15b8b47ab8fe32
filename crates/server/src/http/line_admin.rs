//! Line administration from the app (issue 15, item 4), for specialists with the line-admin
//! role on the line they name (`linedesk_line::line_admin` decides who may and checks what
//! they send; the backend stores it as the CLI and the admin API do):
//!
//! - `GET /api/line-admin/lines`: [`AdminAccess`], the lines the asker administers.
//! - `GET /api/lines/{line}/admin/sla`: [`SlaLevels`], the line's levels in order as drafts
//!   (the calendar and times in the domain's notation; the built-in "Default" when none set).
//! - `POST /api/lines/{line}/admin/sla/check` [`LevelDraft`]: 200 [`LevelCheck`], the draft's
//!   first problem (field, rule, the notation's item) or, when it has none, when an appeal
//!   opened now would be due under it (the domain's `SlaClock` at the server's clock).
//! - `PUT /api/lines/{line}/admin/sla` [`SlaLevels`]: the line's new levels, all or nothing;
//!   200 with the levels as stored, or 400 `invalid` with the field (`levels.2.calendar`) and
//!   the rule (`sla.notation`, `sla.no_default_level`, ...). They apply to appeals opened from
//!   then on; an open appeal keeps the deadlines of its registration (S3).
//!
//! No token or a bad one: 401. Not a specialist, or not serving the line: 403 `forbidden`;
//! serving it without the role: 403 `forbidden` with the rule `admin.not_line_admin`.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use linedesk_line::line_admin::{AccessError, admin_allowed, sla};
use linedesk_protocol::Role;
use linedesk_protocol::line_admin::{AdminAccess, LevelDraft, LevelProblem, SlaLevels};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::auth::authenticate;
use super::body::read_body;
use super::error::{Refusal, blocking};
use crate::context::{Server, now_ms};

/// Largest body of an admin's request: a line's levels with long holiday calendars.
pub const MAX_LINE_ADMIN_BYTES: usize = 2 * 1024 * 1024;

pub fn routes() -> Router<Arc<Server>> {
    Router::new()
        .route("/api/line-admin/lines", get(lines))
        .route("/api/lines/{line}/admin/sla", get(levels).put(set_levels))
        .route("/api/lines/{line}/admin/sla/check", post(check_level))
}

fn json<T: Serialize>(answer: Result<T, Refusal>) -> Response {
    match answer {
        Ok(value) => axum::Json(value).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

/// The asker, if a specialist: their id.
async fn specialist(server: &Server, headers: &HeaderMap) -> Result<u64, Refusal> {
    let (subject, _) = authenticate(server, headers).await?;
    if subject.role != Role::Specialist {
        return Err(Refusal::forbidden("line administration is for specialists"));
    }
    Ok(subject.id)
}

/// The asker when they administer `line`; else 403 (with the rule when they serve it).
pub(super) async fn line_admin(
    server: &Server,
    headers: &HeaderMap,
    line: u64,
) -> Result<u64, Refusal> {
    let me = specialist(server, headers).await?;
    let role = blocking(server, move |s| Ok(s.line_admin_role(me, line)?)).await?;
    admin_allowed(line, role).map_err(|e| {
        let refusal = Refusal::forbidden(e.to_string());
        match e {
            AccessError::NotLineAdmin(_) => Refusal {
                rule: Some(e.code().to_string()),
                ..refusal
            },
            AccessError::NotServed(_) => refusal,
        }
    })?;
    Ok(me)
}

/// The request's JSON body, within [`MAX_LINE_ADMIN_BYTES`].
pub(super) async fn body_json<T: DeserializeOwned>(
    server: &Server,
    headers: &HeaderMap,
    body: Body,
    what: &str,
) -> Result<T, Refusal> {
    let bytes = read_body(server, headers, body, MAX_LINE_ADMIN_BYTES, what).await?;
    serde_json::from_slice(&bytes).map_err(|e| Refusal::invalid(format!("{what}: {e}")))
}

/// A level problem as a 400: the field names the level's place when there is one.
fn refused(p: LevelProblem) -> Refusal {
    let field = linedesk_protocol::wire_code(p.field);
    let field = match p.index {
        Some(i) => format!("levels.{i}.{field}"),
        None => field,
    };
    Refusal {
        rule: Some(p.rule),
        ..Refusal::invalid(p.message).with_field(field)
    }
}

async fn lines(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    let answer = async {
        let me = specialist(&server, &headers).await?;
        let lines = blocking(&server, move |s| Ok(s.admin_lines(me)?)).await?;
        Ok(AdminAccess {
            specialist: me,
            lines,
        })
    };
    json(answer.await)
}

async fn levels(
    State(server): State<Arc<Server>>,
    Path(line): Path<u64>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        line_admin(&server, &headers, line).await?;
        let set = blocking(&server, move |s| Ok(s.sla_levels(line)?)).await?;
        Ok(SlaLevels {
            levels: set.levels().iter().map(sla::draft_of).collect(),
        })
    };
    json(answer.await)
}

async fn check_level(
    State(server): State<Arc<Server>>,
    Path(line): Path<u64>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let answer = async {
        line_admin(&server, &headers, line).await?;
        let draft: LevelDraft = body_json(&server, &headers, body, "an SLA level").await?;
        Ok(sla::check(&draft, now_ms()))
    };
    json(answer.await)
}

async fn set_levels(
    State(server): State<Arc<Server>>,
    Path(line): Path<u64>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let answer = async {
        line_admin(&server, &headers, line).await?;
        let asked: SlaLevels = body_json(&server, &headers, body, "SLA levels").await?;
        let set = sla::levels_of(&asked.levels).map_err(refused)?;
        let done = blocking(&server, move |s| {
            s.set_sla_levels(line, &set)?;
            Ok(SlaLevels {
                levels: set.levels().iter().map(sla::draft_of).collect(),
            })
        })
        .await;
        // The line's apps fetch it again now (`ReferenceChanged`).
        server.hub.catch_up(line);
        done
    };
    json(answer.await)
}
