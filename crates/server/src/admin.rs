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
//! Errors are the [`crate::app::HttpError`] body with the wire's codes.

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use linedesk_protocol::{ErrorCode, MAX_FRAME_BYTES, Role};
use serde::{Deserialize, Serialize};

use crate::app::{Refusal, Server, authenticate};
use crate::auth::hash_password;
use crate::import::{ImportError, import};
use crate::storage::{LineInfo, StorageError};

/// Largest client file accepted by the import route.
pub const MAX_IMPORT_BYTES: usize = 16 * 1024 * 1024;

pub fn routes() -> Router<Arc<Server>> {
    Router::new()
        .route("/api/admin/lines", get(list_lines).post(add_line))
        .route("/api/admin/specialists", post(add_specialist))
        .route(
            "/api/admin/lines/{id}/clients/import",
            post(import_clients).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
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

/// Only an admin's token passes: 401 without a valid token, 403 with another role's.
async fn require_admin(server: &Server, headers: &HeaderMap) -> Result<(), Refusal> {
    let (subject, _) = authenticate(server, headers).await?;
    if subject.role == Role::Admin {
        Ok(())
    } else {
        Err(Refusal::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            "this needs an admin account",
        ))
    }
}

fn json_body<T: for<'de> Deserialize<'de>>(body: &str) -> Result<T, Refusal> {
    if body.len() > MAX_FRAME_BYTES {
        return Err(Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooLarge,
            "the request is too large",
        ));
    }
    serde_json::from_str(body)
        .map_err(|e| Refusal::new(StatusCode::BAD_REQUEST, ErrorCode::BadFrame, e.to_string()))
}

fn invalid(message: impl Into<String>) -> Refusal {
    Refusal::new(StatusCode::BAD_REQUEST, ErrorCode::Invalid, message)
}

fn storage_error(err: StorageError) -> Refusal {
    match err {
        StorageError::Exists { .. } => {
            Refusal::new(StatusCode::CONFLICT, ErrorCode::Conflict, err.to_string())
        }
        StorageError::Invalid(why) => invalid(why),
        other => Refusal::internal(other),
    }
}

/// Run a storage call off the async workers and answer it.
async fn blocking<T, F>(server: &Server, status: StatusCode, work: F) -> Response
where
    T: Serialize + Send + 'static,
    F: FnOnce(&dyn crate::storage::Storage) -> Result<T, Refusal> + Send + 'static,
{
    let storage = server.storage.clone();
    match tokio::task::spawn_blocking(move || work(storage.as_ref())).await {
        Ok(Ok(value)) => (status, axum::Json(value)).into_response(),
        Ok(Err(refusal)) => refusal.into_response(),
        Err(err) => Refusal::internal(err).into_response(),
    }
}

async fn list_lines(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    if let Err(refusal) = require_admin(&server, &headers).await {
        return refusal.into_response();
    }
    blocking(&server, StatusCode::OK, |s| {
        s.lines().map_err(storage_error)
    })
    .await
}

async fn add_line(State(server): State<Arc<Server>>, headers: HeaderMap, body: String) -> Response {
    if let Err(refusal) = require_admin(&server, &headers).await {
        return refusal.into_response();
    }
    let line: NewLine = match json_body(&body) {
        Ok(line) => line,
        Err(refusal) => return refusal.into_response(),
    };
    let name = line.name.trim().to_string();
    if name.is_empty() {
        return invalid("a line needs a name").into_response();
    }
    blocking(&server, StatusCode::CREATED, move |s| {
        let id = s.add_line(&name).map_err(storage_error)?;
        Ok(LineInfo { id, name })
    })
    .await
}

async fn add_specialist(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if let Err(refusal) = require_admin(&server, &headers).await {
        return refusal.into_response();
    }
    let new: NewSpecialist = match json_body(&body) {
        Ok(new) => new,
        Err(refusal) => return refusal.into_response(),
    };
    if new.login.trim().is_empty() || new.password.is_empty() || new.name.trim().is_empty() {
        return invalid("login, password and name cannot be empty").into_response();
    }
    blocking(&server, StatusCode::CREATED, move |s| {
        // Check the lines first so that a typo does not leave a specialist without them.
        let known = s.lines().map_err(storage_error)?;
        if let Some(unknown) = new
            .lines
            .iter()
            .find(|l| !known.iter().any(|k| k.id == **l))
        {
            return Err(invalid(format!("no line {unknown}")));
        }
        let hash = hash_password(&new.password).map_err(Refusal::internal)?;
        let id = s
            .add_specialist(new.login.trim(), &hash, new.name.trim())
            .map_err(storage_error)?;
        for line in &new.lines {
            s.serve_line(id, *line, new.priority, new.limit)
                .map_err(storage_error)?;
        }
        Ok(Created { id })
    })
    .await
}

async fn import_clients(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Path(line): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    if let Err(refusal) = require_admin(&server, &headers).await {
        return refusal.into_response();
    }
    let Ok(line) = line.parse::<u64>() else {
        return invalid(format!("{line:?} is not a line id")).into_response();
    };
    blocking(&server, StatusCode::OK, move |s| {
        import(s, line, &body).map_err(|err| match err {
            ImportError::Storage(StorageError::Invalid(why)) => {
                Refusal::new(StatusCode::NOT_FOUND, ErrorCode::Invalid, why)
            }
            ImportError::Storage(other) => Refusal::internal(other),
            refused => invalid(refused.to_string()),
        })
    })
    .await
}
