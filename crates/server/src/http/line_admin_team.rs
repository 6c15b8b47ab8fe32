//! A2 and the line's roles from the app's Administration view (issue 15, item 4): a line's
//! admin sets each specialist's routing priority, limit of open appeals, supervisor and admin
//! roles (`linedesk_line::line_admin::team` checks them).
//!
//! - `GET /api/lines/{line}/admin/specialists`: every [`TeamMember`] of the line by name.
//! - `PUT /api/lines/{line}/admin/specialists/{id}` [`TeamSettings`]: 200 the member as stored;
//!   routing uses the new priority and limit at once. A limit outside 1-100: 400 `invalid`
//!   (field `limit`, rule `team.bad_limit`); the admin's own admin role taken away: 400
//!   (`team.own_admin_role`); not a specialist of the line: 404.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use linedesk_line::line_admin::team::check;
use linedesk_protocol::line_admin::TeamSettings;

use super::error::{Refusal, blocking};
use super::line_admin::{body_json, line_admin};
use crate::context::Server;

pub fn routes() -> Router<Arc<Server>> {
    Router::new()
        .route("/api/lines/{line}/admin/specialists", get(team))
        .route(
            "/api/lines/{line}/admin/specialists/{specialist}",
            put(set_member),
        )
}

async fn team(
    State(server): State<Arc<Server>>,
    Path(line): Path<u64>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        line_admin(&server, &headers, line).await?;
        blocking(&server, move |s| Ok(s.team(line)?)).await
    };
    match answer.await {
        Ok(team) => axum::Json(team).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

async fn set_member(
    State(server): State<Arc<Server>>,
    Path((line, specialist)): Path<(u64, u64)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let answer = async {
        let me = line_admin(&server, &headers, line).await?;
        let asked: TeamSettings =
            body_json(&server, &headers, body, "a specialist's settings").await?;
        check(me, specialist, &asked).map_err(|e| Refusal {
            rule: Some(e.code().to_string()),
            ..Refusal::invalid(e.to_string()).with_field(e.field())
        })?;
        blocking(&server, move |s| {
            if !s.set_team_member(line, specialist, &asked)? {
                return Err(Refusal::not_found(format!(
                    "specialist {specialist} does not serve line {line}"
                )));
            }
            s.team(line)?
                .into_iter()
                .find(|m| m.specialist == specialist)
                .ok_or_else(|| Refusal::internal("the member just stored is gone"))
        })
        .await
    };
    match answer.await {
        Ok(member) => axum::Json(member).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}
