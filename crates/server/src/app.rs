//! The HTTP side: `POST /api/login`, `GET /api/ws` (the WebSocket of [`crate::session`]) and
//! the bearer-token reads of [`crate::api`]. Serving also starts the SLA timer.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use linedesk_protocol::{ErrorCode, MAX_FRAME_BYTES};
use serde::{Deserialize, Serialize};

use crate::auth::{TOKEN_LIFETIME_MS, new_token, verify_password};
use crate::hub::Hub;
use crate::presence::{OFFLINE_GRACE, Sessions};
use crate::session;
use crate::storage::Storage;

pub struct Server {
    pub storage: Arc<dyn Storage>,
    pub hub: Hub,
    /// Live specialist sessions, for presence that follows the connection.
    pub sessions: Sessions,
    /// Wakes the SLA timer early (an appeal opened).
    pub sla_wake: tokio::sync::Notify,
}

impl Server {
    pub fn new(storage: Arc<dyn Storage>) -> Arc<Server> {
        Server::with_offline_grace(storage, OFFLINE_GRACE)
    }

    /// A server that sets a disconnected specialist Offline after `grace` (tests use a short one).
    pub fn with_offline_grace(
        storage: Arc<dyn Storage>,
        grace: std::time::Duration,
    ) -> Arc<Server> {
        Arc::new(Server {
            storage,
            hub: Hub::default(),
            sessions: Sessions::new(grace),
            sla_wake: tokio::sync::Notify::new(),
        })
    }
}

/// The wall clock, read at the edge.
pub fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

#[derive(Debug, Deserialize)]
struct LoginRequest {
    login: String,
    password: String,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct LoginResponse {
    pub token: String,
    pub role: linedesk_protocol::Role,
    pub id: u64,
}

/// The body of every HTTP error: the same codes as the WebSocket's.
#[derive(Debug, Serialize, Deserialize)]
pub struct HttpError {
    pub code: ErrorCode,
    pub message: String,
}

pub(crate) fn http_error(
    status: StatusCode,
    code: ErrorCode,
    message: impl Into<String>,
) -> Response {
    (
        status,
        axum::Json(HttpError {
            code,
            message: message.into(),
        }),
    )
        .into_response()
}

async fn login(State(server): State<Arc<Server>>, body: String) -> Response {
    if body.len() > MAX_FRAME_BYTES {
        return http_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooLarge,
            "the request is too large",
        );
    }
    let Ok(request) = serde_json::from_str::<LoginRequest>(&body) else {
        return http_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadFrame,
            "expected {\"login\", \"password\"}",
        );
    };
    let storage = server.storage.clone();
    // argon2 is deliberately slow: keep it off the async workers.
    let outcome = tokio::task::spawn_blocking(move || {
        let Some(account) = storage.account_by_login(&request.login)? else {
            return Ok(None);
        };
        if !verify_password(&request.password, &account.password_hash) {
            return Ok(None);
        }
        let (token, hash) =
            new_token().map_err(|e| crate::storage::StorageError::Invalid(e.to_string()))?;
        storage.save_token(&hash, account.subject, now_ms() + TOKEN_LIFETIME_MS)?;
        Ok::<_, crate::storage::StorageError>(Some(LoginResponse {
            token,
            role: account.subject.role,
            id: account.subject.id,
        }))
    })
    .await;
    match outcome {
        Ok(Ok(Some(response))) => axum::Json(response).into_response(),
        Ok(Ok(None)) => http_error(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            "wrong login or password",
        ),
        Ok(Err(err)) => http_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            err.to_string(),
        ),
        Err(err) => http_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            err.to_string(),
        ),
    }
}

/// Frames above the protocol's limit but below this still reach the session, which answers
/// `too_large`; larger ones close the connection (memory protection).
const WS_HARD_LIMIT: usize = 1024 * 1024;

/// Per-connection socket buffers. Frames are small JSON; tungstenite's 128 KiB defaults cost
/// about 140 KB per idle connection (780 MB for 5,500 sessions in the load test).
const WS_BUFFER: usize = 8 * 1024;

async fn websocket(State(server): State<Arc<Server>>, upgrade: WebSocketUpgrade) -> Response {
    upgrade
        .read_buffer_size(WS_BUFFER)
        .write_buffer_size(WS_BUFFER)
        .max_message_size(WS_HARD_LIMIT)
        .max_frame_size(WS_HARD_LIMIT)
        .on_upgrade(move |socket| session::run(socket, server))
}

pub fn router(server: Arc<Server>) -> Router {
    Router::new()
        .route("/api/login", post(login))
        .route("/api/ws", get(websocket))
        .route(
            "/api/lines/{line}/quick-replies",
            get(crate::api::quick_replies),
        )
        .route("/api/lines/{line}/kb", get(crate::api::kb))
        .with_state(server)
}

/// Serve until the listener fails; the SLA timer runs alongside.
pub async fn serve(listener: tokio::net::TcpListener, server: Arc<Server>) -> std::io::Result<()> {
    let timer = tokio::spawn(crate::sla_timer::run(server.clone()));
    let served = axum::serve(listener, router(server)).await;
    timer.abort();
    served
}
