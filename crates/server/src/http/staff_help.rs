//! W3: `POST /api/help/session`: a signed-in specialist asks for their own client identity on
//! the staff line (made on first use, linked to their account) and gets a token for it
//! ([`StaffHelpSession`]), which lives as long as a specialist's token. 403 for anybody but a
//! specialist; 404 (`invalid`) when the server has no staff line. The new identity is announced
//! to the staff line's specialists (`ClientUpserted`).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use linedesk_protocol::{Role, StaffHelpSession};

use super::auth::authenticate;
use super::error::{Refusal, blocking};
use crate::auth::new_token;
use crate::context::{Server, now_ms};

pub fn routes() -> Router<Arc<Server>> {
    Router::new().route("/api/help/session", post(session))
}

async fn session(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    open(&server, &headers)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn open(server: &Arc<Server>, headers: &HeaderMap) -> Result<Response, Refusal> {
    let (subject, _) = authenticate(server, headers).await?;
    if subject.role != Role::Specialist {
        return Err(Refusal::forbidden(
            "only a specialist asks the staff line for help",
        ));
    }
    if blocking(server, |s| Ok(s.staff_line()?)).await?.is_none() {
        return Err(Refusal::not_found(linedesk_line::staff_help::NO_STAFF_LINE));
    }
    let (token, hash) = new_token().map_err(Refusal::internal)?;
    let now = now_ms();
    let expires_ms = now.saturating_add(server.limits.token_lifetime_ms());
    let (help, events) = blocking(server, move |s| {
        Ok(s.staff_client_token(subject.id, &hash, expires_ms, now)?)
    })
    .await?;
    server.hub.publish(&events);
    Ok(axum::Json(StaffHelpSession {
        token,
        line: help.line,
        client: help.client,
        expires_ms,
    })
    .into_response())
}
