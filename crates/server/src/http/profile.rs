//! W1: the specialist's profile reaching colleagues and clients, over HTTP with a bearer token
//! from `POST /api/login`:
//!
//! - `PUT /api/profile/avatar` (a specialist; body the image, at most
//!   [`MAX_AVATAR_BYTES`]: 413 `too_large` beyond): kept when its bytes are a PNG, JPEG or WebP
//!   (the type is read from them, never from a header: 400 `invalid` otherwise), then
//!   `Event::SpecialistProfiled` on every line they serve; 204. `DELETE` the same path removes it.
//! - `GET /api/specialists/{id}/avatar`: the image with the type it was kept as, for
//!   colleagues sharing a line with the specialist and clients of a line the specialist
//!   serves (403 for anybody else, 404 when none is set); `nosniff` and a CSP that runs
//!   nothing, so no browser ever reads it as a page.
//! - `GET /api/lines/{line}/specialists/{id}`: the specialist's name, position and avatar
//!   version ([`SpecialistCard`]) for the line's clients and specialists, when the specialist
//!   serves the line (the widget shows who answers).
//!
//! The name and position are set over the WebSocket (`Action::SetProfile`).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use linedesk_line::profile::MAX_AVATAR_BYTES;
use linedesk_protocol::{Role, SpecialistCard};

use super::auth::authenticate;
use super::body::read_body;
use super::error::{Refusal, blocking};
use crate::context::{Server, now_ms};
use crate::storage::Subject;

pub fn routes() -> Router<Arc<Server>> {
    Router::new()
        .route("/api/profile/avatar", put(put_avatar).delete(delete_avatar))
        .route("/api/specialists/{id}/avatar", get(avatar))
        .route("/api/lines/{line}/specialists/{id}", get(card))
}

async fn put_avatar(State(server): State<Arc<Server>>, headers: HeaderMap, body: Body) -> Response {
    async {
        let subject = specialist(&server, &headers).await?;
        let body = read_body(&server, &headers, body, MAX_AVATAR_BYTES, "an avatar").await?;
        set(&server, subject, Some(body.to_vec())).await
    }
    .await
    .unwrap_or_else(IntoResponse::into_response)
}

async fn delete_avatar(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    async {
        let subject = specialist(&server, &headers).await?;
        set(&server, subject, None).await
    }
    .await
    .unwrap_or_else(IntoResponse::into_response)
}

async fn specialist(server: &Arc<Server>, headers: &HeaderMap) -> Result<Subject, Refusal> {
    let (subject, _) = authenticate(server, headers).await?;
    if subject.role != Role::Specialist {
        return Err(Refusal::forbidden("only specialists have a profile here"));
    }
    Ok(subject)
}

async fn set(
    server: &Arc<Server>,
    subject: Subject,
    bytes: Option<Vec<u8>>,
) -> Result<Response, Refusal> {
    let events = blocking(server, move |s| {
        Ok(s.set_avatar(subject, bytes.as_deref(), now_ms())?)
    })
    .await?;
    server.hub.publish(&events);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Whether `asker` shares a line with specialist `id` (a client: their line is one `id` serves).
fn may_see(
    storage: &dyn crate::storage::Storage,
    asker: Subject,
    id: u64,
) -> Result<bool, crate::storage::StorageError> {
    if asker.role == Role::Admin {
        return Ok(false);
    }
    let theirs = storage.lines_of(Subject::specialist(id))?;
    Ok(storage.lines_of(asker)?.iter().any(|l| theirs.contains(l)))
}

async fn avatar(
    State(server): State<Arc<Server>>,
    Path(id): Path<u64>,
    headers: HeaderMap,
) -> Response {
    async {
        let (asker, _) = authenticate(&server, &headers).await?;
        let found = blocking(&server, move |s| {
            if !may_see(s, asker, id)? {
                return Ok(Err(()));
            }
            Ok(Ok(s.specialist_avatar(id)?))
        })
        .await?;
        match found {
            Err(()) => Err(Refusal::forbidden(format!(
                "specialist {id} serves none of your lines"
            ))),
            Ok(None) => Err(Refusal::not_found(format!("specialist {id} has no avatar"))),
            Ok(Some((bytes, kind))) => Ok((
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static(kind.content_type()),
                    ),
                    (
                        header::X_CONTENT_TYPE_OPTIONS,
                        HeaderValue::from_static("nosniff"),
                    ),
                    (
                        header::CONTENT_SECURITY_POLICY,
                        HeaderValue::from_static("default-src 'none'; sandbox"),
                    ),
                    (
                        header::CACHE_CONTROL,
                        HeaderValue::from_static("private, max-age=300"),
                    ),
                ],
                bytes,
            )
                .into_response()),
        }
    }
    .await
    .unwrap_or_else(IntoResponse::into_response)
}

async fn card(
    State(server): State<Arc<Server>>,
    Path((line, id)): Path<(u64, u64)>,
    headers: HeaderMap,
) -> Response {
    async {
        let (asker, _) = authenticate(&server, &headers).await?;
        let found = blocking(&server, move |s| {
            let mine = s.lines_of(asker)?.contains(&line);
            let theirs = s.lines_of(Subject::specialist(id))?.contains(&line);
            if asker.role == Role::Admin || !mine || !theirs {
                return Ok(None);
            }
            Ok(s.specialist_profile(id)?)
        })
        .await?;
        match found {
            None => Err(Refusal::forbidden(format!(
                "specialist {id} does not serve a line of yours"
            ))),
            Some(p) => Ok(axum::Json(SpecialistCard {
                specialist: id,
                name: p.name,
                position: p.position,
                avatar: p.avatar,
            })
            .into_response()),
        }
    }
    .await
    .unwrap_or_else(IntoResponse::into_response)
}
