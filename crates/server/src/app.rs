//! The HTTP side: `POST /api/login` (throttled, see [`crate::throttle`]), `POST /api/logout`,
//! `GET /api/ws` (the WebSocket of [`crate::session`]), the bearer-token reads of
//! [`crate::api`], the call recordings of [`crate::recordings`] and the admin API of
//! [`crate::admin`]. Serving also starts the SLA timer.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::Router;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use linedesk_protocol::{ErrorCode, MAX_FRAME_BYTES};
use serde::{Deserialize, Serialize};

use crate::auth::{TOKEN_LIFETIME_MS, new_token, token_hash, verify_password};
use crate::hub::Hub;
use crate::presence::{OFFLINE_GRACE, Sessions};
use crate::session;
use crate::storage::{Revoked, Storage, Subject};
use crate::throttle::{LoginThrottle, Outcome};

pub struct Server {
    pub storage: Arc<dyn Storage>,
    pub hub: Hub,
    /// Live specialist sessions, for presence that follows the connection.
    pub sessions: Sessions,
    /// Wakes the SLA timer early (an appeal opened).
    pub sla_wake: tokio::sync::Notify,
    /// Failed logins per login and per address (in memory: a restart forgets them).
    pub throttle: Mutex<LoginThrottle>,
    /// Revoked tokens, for the live sessions to close (fed by [`crate::revocation`]).
    pub revoked: tokio::sync::broadcast::Sender<Revoked>,
    pub(crate) watching_revocations: AtomicBool,
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
            throttle: Mutex::new(LoginThrottle::default()),
            revoked: tokio::sync::broadcast::channel(1024).0,
            watching_revocations: AtomicBool::new(false),
        })
    }

    fn throttle(&self) -> MutexGuard<'_, LoginThrottle> {
        // The throttle's state is counters: usable whatever a panicking holder left.
        self.throttle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The peer's address, when the server was started with it (`serve`, `serve_tls`).
pub struct PeerIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for PeerIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<PeerIp, Self::Rejection> {
        Ok(PeerIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
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
    /// When the token expires (Unix ms); renew it before (`POST /api/token/renew`).
    #[serde(default)]
    pub expires_ms: i64,
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

/// An HTTP refusal: its status and the wire's code, answered as an [`HttpError`] body.
#[derive(Debug, thiserror::Error)]
#[error("{status}: {message}")]
pub(crate) struct Refusal {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
}

impl Refusal {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn internal(err: impl std::fmt::Display) -> Refusal {
        Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            err.to_string(),
        )
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        http_error(self.status, self.code, self.message)
    }
}

/// The owner of the request's `Authorization: Bearer TOKEN` and the token's hash.
pub(crate) async fn authenticate(
    server: &Server,
    headers: &HeaderMap,
) -> Result<(Subject, String), Refusal> {
    let unauthenticated = |message: &str| {
        Refusal::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            message,
        )
    };
    let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return Err(unauthenticated("send Authorization: Bearer TOKEN"));
    };
    let hash = token_hash(token.trim());
    let storage = server.storage.clone();
    let lookup = hash.clone();
    match tokio::task::spawn_blocking(move || storage.token_owner(&lookup, now_ms())).await {
        Ok(Ok(Some(subject))) => Ok((subject, hash)),
        Ok(Ok(None)) => Err(unauthenticated("the token is unknown, expired or revoked")),
        Ok(Err(err)) => Err(Refusal::internal(err)),
        Err(err) => Err(Refusal::internal(err)),
    }
}

fn internal(err: impl std::fmt::Display) -> Response {
    Refusal::internal(err).into_response()
}

/// `POST /api/logout`: the bearer token is revoked; its live sessions are closed.
async fn logout(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    let (_, hash) = match authenticate(&server, &headers).await {
        Ok(found) => found,
        Err(refusal) => return refusal.into_response(),
    };
    let storage = server.storage.clone();
    match tokio::task::spawn_blocking(move || storage.revoke_token(&hash, now_ms())).await {
        Ok(Ok(_)) => StatusCode::NO_CONTENT.into_response(),
        Ok(Err(err)) => internal(err),
        Err(err) => internal(err),
    }
}

async fn login(State(server): State<Arc<Server>>, PeerIp(ip): PeerIp, body: String) -> Response {
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
    let attempt = match server
        .throttle()
        .attempt(&request.login, ip, Instant::now())
    {
        Ok(attempt) => attempt,
        Err(wait) => {
            let seconds = wait.as_secs().max(1);
            let mut response = http_error(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                format!("too many failed logins; try again in {seconds} s"),
            );
            if let Ok(value) = seconds.to_string().parse() {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            return response;
        }
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
        let expires_ms = now_ms() + TOKEN_LIFETIME_MS;
        storage.save_token(&hash, account.subject, expires_ms)?;
        Ok::<_, crate::storage::StorageError>(Some(LoginResponse {
            token,
            role: account.subject.role,
            id: account.subject.id,
            expires_ms,
        }))
    })
    .await;
    let verdict = match &outcome {
        Ok(Ok(Some(_))) => Outcome::Succeeded,
        Ok(Ok(None)) => Outcome::Failed,
        _ => Outcome::Undecided,
    };
    server.throttle().finish(attempt, verdict, Instant::now());
    match outcome {
        Ok(Ok(Some(response))) => axum::Json(response).into_response(),
        Ok(Ok(None)) => http_error(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            "wrong login or password",
        ),
        Ok(Err(err)) => internal(err),
        Err(err) => internal(err),
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
        .route("/api/logout", post(logout))
        .route("/api/token/renew", post(crate::token_routes::renew))
        .route("/api/ws", get(websocket))
        .route(
            "/api/lines/{line}/quick-replies",
            get(crate::api::quick_replies),
        )
        .route("/api/lines/{line}/kb", get(crate::api::kb))
        .merge(crate::admin::routes())
        .merge(crate::recordings::routes())
        .merge(crate::file_routes::routes())
        .with_state(server)
}

/// Serve plain HTTP and WS until the listener fails; the SLA timer and the revocation watch
/// run alongside.
pub async fn serve(listener: tokio::net::TcpListener, server: Arc<Server>) -> std::io::Result<()> {
    crate::revocation::start_watching(&server);
    let timer = tokio::spawn(crate::sla_timer::run(server.clone()));
    let served = axum::serve(
        listener,
        router(server).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await;
    timer.abort();
    served
}
