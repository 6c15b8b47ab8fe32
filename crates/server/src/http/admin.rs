//! The admin HTTP API: an admin's bearer token (from `POST /api/login`) sets up lines,
//! specialists and clients. A specialist's or a client's token gets 403, no token 401.
//!
//! - `GET /api/admin/lines`: `[{id, name}]`
//! - `POST /api/admin/lines` `{name}`: 201 `{id, name}`; a taken name is 409 `conflict`
//! - `POST /api/admin/specialists` `{login, password, name, lines: [id], priority, limit}`:
//!   201 `{id}` (`priority` 0-255, default 0; `limit` of open appeals, default 5)
//! - `POST /api/admin/lines/{id}/clients/import`: a CSV body (see [`crate::import`]); 200 with
//!   the per-row report `{imported, rejected, problems: [{row, column, reason}]}`
//!
//! Errors are the [`super::HttpError`] body with the wire's codes.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use linedesk_protocol::{MAX_LOGIN_CHARS, MAX_NAME_CHARS, check_chars};
use serde::{Deserialize, Serialize};

use super::auth::require_admin;
use super::body::{read_body, read_json};
use super::error::{Refusal, blocking};
use crate::auth::hash_password;
use crate::context::Server;
use crate::import::{ImportError, import};
use crate::storage::{LineInfo, StorageError};

/// Largest client file accepted by the import route.
pub const MAX_IMPORT_BYTES: usize = 16 * 1024 * 1024;

pub fn routes() -> Router<Arc<Server>> {
    Router::new()
        .route("/api/admin/lines", get(list_lines).post(add_line))
        .route("/api/admin/specialists", post(add_specialist))
        .route("/api/admin/lines/{id}/clients/import", post(import_clients))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewLine {
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewSpecialist {
    login: String,
    password: String,
    name: String,
    lines: Vec<u64>,
    #[serde(default)]
    priority: u8,
    #[serde(default = "default_limit")]
    limit: u32,
}

fn default_limit() -> u32 {
    5
}

#[derive(Debug, Serialize)]
struct Created {
    id: u64,
}

/// The answer of an admin route: `status` with the JSON value, or the refusal.
fn answer<T: Serialize>(status: StatusCode, done: Result<T, Refusal>) -> Response {
    match done {
        Ok(value) => (status, axum::Json(value)).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

async fn list_lines(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    let listed = async {
        require_admin(&server, &headers).await?;
        blocking(&server, |s| Ok(s.lines()?)).await
    };
    answer(StatusCode::OK, listed.await)
}

async fn add_line(State(server): State<Arc<Server>>, headers: HeaderMap, body: Body) -> Response {
    let added = async {
        require_admin(&server, &headers).await?;
        let line: NewLine = read_json(&server, &headers, body, "a line").await?;
        let name = line.name.trim().to_string();
        if name.is_empty() {
            return Err(Refusal::invalid("a line needs a name"));
        }
        bounded("name", &name, MAX_NAME_CHARS)?;
        blocking(&server, move |s| {
            let id = s.add_line(&name)?;
            Ok(LineInfo { id, name })
        })
        .await
    };
    answer(StatusCode::CREATED, added.await)
}

async fn add_specialist(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let added = async {
        require_admin(&server, &headers).await?;
        let new: NewSpecialist = read_json(&server, &headers, body, "a specialist").await?;
        if new.login.trim().is_empty() || new.password.is_empty() || new.name.trim().is_empty() {
            return Err(Refusal::invalid("login, password and name cannot be empty"));
        }
        bounded("login", new.login.trim(), MAX_LOGIN_CHARS)?;
        bounded("name", new.name.trim(), MAX_NAME_CHARS)?;
        let lines = new.lines.clone();
        let created = blocking(&server, move |s| {
            // Check the lines first so that a typo does not leave a specialist without them.
            let known = s.lines()?;
            if let Some(unknown) = new
                .lines
                .iter()
                .find(|l| !known.iter().any(|k| k.id == **l))
            {
                return Err(Refusal::invalid(format!("no line {unknown}")));
            }
            let hash = hash_password(&new.password).map_err(Refusal::internal)?;
            let id = s.add_specialist(new.login.trim(), &hash, new.name.trim())?;
            for line in &new.lines {
                s.serve_line(id, *line, new.priority, new.limit)?;
            }
            Ok(Created { id })
        })
        .await;
        // Their colleagues' sessions learn who serves the line now, not at the next event.
        for line in lines {
            server.hub.catch_up(line);
        }
        created
    };
    answer(StatusCode::CREATED, added.await)
}

async fn import_clients(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Path(line): Path<String>,
    body: Body,
) -> Response {
    let imported = async {
        require_admin(&server, &headers).await?;
        let Ok(line) = line.parse::<u64>() else {
            return Err(Refusal::invalid(format!("{line:?} is not a line id")));
        };
        let body = read_body(&server, &headers, body, MAX_IMPORT_BYTES, "a client file").await?;
        let report = blocking(&server, move |s| {
            import(s, line, &body).map_err(|err| match err {
                ImportError::Storage(StorageError::Invalid(why)) => Refusal::not_found(why),
                ImportError::Storage(other) => other.into(),
                refused => Refusal::invalid(refused.to_string()),
            })
        })
        .await;
        // The line's sessions get the new clients now, in order, not at the next event.
        server.hub.catch_up(line);
        report
    };
    answer(StatusCode::OK, imported.await)
}

/// A field within its limit (defined once in `linedesk_protocol::limits`), else `too_long`
/// naming it.
fn bounded(field: &'static str, value: &str, max: usize) -> Result<(), Refusal> {
    check_chars(field, value, max).map_err(|e| Refusal::of(e.code(), e.to_string()))
}
