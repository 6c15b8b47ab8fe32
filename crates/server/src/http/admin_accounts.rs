//! The admin's account controls, for admin tokens (401 without a token, 403 for another
//! role's). Each closes or narrows the affected live sessions at once, through
//! [`Server::revoked`] (and, for a running server, the revocation log does the same for the
//! CLI's commands):
//!
//! - `POST /api/admin/accounts/{login}/disable`: the account cannot log in and every token of
//!   it is revoked (so `revoke-tokens` + disable is not undone by logging in again); 200
//!   `{id, role}`, 404 for no such login, 409 `conflict` for the admin's own account.
//! - `POST /api/admin/accounts/{login}/enable`: it may log in again (old tokens stay revoked).
//! - `POST /api/admin/accounts/{login}/password` `{password}`: a new password; every token of
//!   the old one is revoked.
//! - `DELETE /api/admin/lines/{line}/specialists/{id}`: the specialist no longer serves the
//!   line; the appeals they hold there go to colleagues or the queue (with events), and their
//!   live sessions drop the line. 200 `{moved}` (how many events), 400 when they did not
//!   serve it.
//! - `PUT /api/admin/lines/{line}/specialists/{id}/supervisor` `{supervisor: bool}`: the
//!   specialist supervises the line (R1: everyone's figures in the reports, the monitor) or no
//!   longer does; 200 `{supervisor}`, 404 when they do not serve the line.
//! - `PUT /api/admin/lines/{line}/specialists/{id}/line-admin` `{line_admin: bool}`: the
//!   specialist administers the line from the app (issue 15, item 4: its SLA levels, quick
//!   replies, KB, specialists and clients) or no longer does; 200 `{line_admin}`, 404 when
//!   they do not serve the line.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post, put};
use linedesk_protocol::{ErrorCode, Role};
use serde::{Deserialize, Serialize};

use super::auth::require_admin;
use super::body::read_json;
use super::error::{Refusal, blocking};
use crate::auth::hash_password;
use crate::context::{Server, now_ms};
use crate::storage::{Revoked, Subject};

pub fn routes() -> Router<Arc<Server>> {
    Router::new()
        .route("/api/admin/accounts/{login}/disable", post(disable))
        .route("/api/admin/accounts/{login}/enable", post(enable))
        .route("/api/admin/accounts/{login}/password", post(reset_password))
        .route(
            "/api/admin/lines/{line}/specialists/{specialist}",
            delete(remove_from_line),
        )
        .route(
            "/api/admin/lines/{line}/specialists/{specialist}/supervisor",
            put(set_supervisor),
        )
        .route(
            "/api/admin/lines/{line}/specialists/{specialist}/line-admin",
            put(set_line_admin),
        )
}

/// The account an admin route changed.
#[derive(Debug, Serialize, Deserialize)]
pub struct AccountChanged {
    pub id: u64,
    pub role: Role,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewPassword {
    password: String,
}

#[derive(Debug, Serialize)]
struct Removed {
    /// Events of the appeals routing moved (to colleagues or the queue).
    moved: usize,
}

fn answer<T: Serialize>(done: Result<T, Refusal>) -> Response {
    match done {
        Ok(value) => (StatusCode::OK, axum::Json(value)).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

fn changed(
    server: &Server,
    login: &str,
    found: Option<Subject>,
) -> Result<AccountChanged, Refusal> {
    let Some(subject) = found else {
        return Err(Refusal::not_found(format!(
            "no account with the login {login:?}"
        )));
    };
    // The live sessions close now; the revocation log would close them within its poll.
    let _ = server.revoked.send(Revoked::Subject(subject));
    Ok(AccountChanged {
        id: subject.id,
        role: subject.role,
    })
}

async fn set_disabled(
    server: Arc<Server>,
    headers: HeaderMap,
    login: String,
    disabled: bool,
) -> Response {
    let done = async {
        let admin = require_admin(&server, &headers).await?;
        let who = login.clone();
        let found = blocking(&server, move |s| {
            if disabled
                && s.account_by_login(&who)?
                    .is_some_and(|a| a.subject == admin)
            {
                return Err(Refusal::of(
                    ErrorCode::Conflict,
                    "an admin cannot disable their own account",
                ));
            }
            Ok(s.set_account_disabled(&who, disabled, now_ms())?)
        })
        .await?;
        changed(&server, &login, found)
    };
    answer(done.await)
}

async fn disable(
    State(server): State<Arc<Server>>,
    Path(login): Path<String>,
    headers: HeaderMap,
) -> Response {
    set_disabled(server, headers, login, true).await
}

async fn enable(
    State(server): State<Arc<Server>>,
    Path(login): Path<String>,
    headers: HeaderMap,
) -> Response {
    set_disabled(server, headers, login, false).await
}

async fn reset_password(
    State(server): State<Arc<Server>>,
    Path(login): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let done = async {
        require_admin(&server, &headers).await?;
        let new: NewPassword = read_json(&server, &headers, body, "a password").await?;
        if new.password.is_empty() {
            return Err(Refusal::invalid("a password cannot be empty"));
        }
        let who = login.clone();
        let found = blocking(&server, move |s| {
            let hash = hash_password(&new.password).map_err(Refusal::internal)?;
            Ok(s.reset_password(&who, &hash, now_ms())?)
        })
        .await?;
        changed(&server, &login, found)
    };
    answer(done.await)
}

async fn remove_from_line(
    State(server): State<Arc<Server>>,
    Path((line, specialist)): Path<(u64, u64)>,
    headers: HeaderMap,
) -> Response {
    let done = async {
        require_admin(&server, &headers).await?;
        let events = blocking(&server, move |s| {
            Ok(s.remove_from_line(specialist, line, now_ms())?)
        })
        .await?;
        server.hub.publish(&events);
        let _ = server.revoked.send(Revoked::Line { specialist, line });
        Ok(Removed {
            moved: events.len(),
        })
    };
    answer(done.await)
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Supervisor {
    supervisor: bool,
}

async fn set_supervisor(
    State(server): State<Arc<Server>>,
    Path((line, specialist)): Path<(u64, u64)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let done = async {
        require_admin(&server, &headers).await?;
        let asked: Supervisor = read_json(&server, &headers, body, "a supervisor flag").await?;
        let supervisor = asked.supervisor;
        let served = blocking(&server, move |s| {
            Ok(s.set_supervisor(specialist, line, supervisor)?)
        })
        .await?;
        if !served {
            return Err(Refusal::not_found(format!(
                "specialist {specialist} does not serve line {line}"
            )));
        }
        Ok(Supervisor { supervisor })
    };
    answer(done.await)
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LineAdmin {
    line_admin: bool,
}

async fn set_line_admin(
    State(server): State<Arc<Server>>,
    Path((line, specialist)): Path<(u64, u64)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let done = async {
        require_admin(&server, &headers).await?;
        let asked: LineAdmin = read_json(&server, &headers, body, "a line-admin flag").await?;
        let admin = asked.line_admin;
        let served = blocking(&server, move |s| {
            Ok(s.set_line_admin(specialist, line, admin)?)
        })
        .await?;
        if !served {
            return Err(Refusal::not_found(format!(
                "specialist {specialist} does not serve line {line}"
            )));
        }
        Ok(LineAdmin { line_admin: admin })
    };
    answer(done.await)
}
