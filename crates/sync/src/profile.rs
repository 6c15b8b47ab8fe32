//! W1: the specialist's avatar reaching the line, and the colleagues' reaching the store. The
//! name and position go as an action of the outbox (`profile.set`); the avatar is an upload
//! (`PUT /api/profile/avatar` with the image's bytes from the profile as it is when sent, or
//! `DELETE` when it was removed), done in the outbox's order. Colleagues' avatars the server
//! announced (`SpecialistProfiled`) are fetched (`GET /api/specialists/{id}/avatar`) when their
//! version changed.

use std::sync::Mutex;

use http_body_util::Full;
use hyper::body::Bytes;
use linedesk_store::Store;
use linedesk_store::colleague_profile::avatar_bytes;

use crate::SyncError;
use crate::connection::http;
use crate::endpoint::Connector;

/// The outbox kind of an avatar upload (the store's `save_profile_for_line`).
pub(crate) const AVATAR_KIND: &str = "profile.avatar";

fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Upload the profile's avatar now (or remove it): `Ok(Err(reason))` when the server refused
/// it for good (not an image, too large), which fails the outbox item.
pub(crate) async fn upload_avatar(
    connector: &Connector,
    token: &str,
    store: &Mutex<Store>,
) -> Result<Result<(), String>, SyncError> {
    let avatar = lock(store).profile()?.avatar;
    let (method, body) = match avatar.as_deref().map(avatar_bytes) {
        None => (hyper::Method::DELETE, Vec::new()),
        Some(Some(bytes)) => (hyper::Method::PUT, bytes),
        Some(None) => return Ok(Err("the avatar is not a base64 image".into())),
    };
    let request = hyper::Request::builder()
        .method(method)
        .uri("/api/profile/avatar")
        .header(hyper::header::HOST, connector.endpoint().authority())
        .header(hyper::header::AUTHORIZATION, format!("Bearer {token}"))
        .header(hyper::header::CONTENT_TYPE, "application/octet-stream")
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| SyncError::Unreachable(e.to_string()))?;
    let (status, answer) = http(connector, request).await?;
    if status.is_success() {
        Ok(Ok(()))
    } else if status.is_client_error() && status != hyper::StatusCode::UNAUTHORIZED {
        Ok(Err(format!(
            "avatar refused ({status}): {}",
            String::from_utf8_lossy(&answer)
        )))
    } else {
        Err(SyncError::Protocol(format!(
            "avatar upload answered {status}"
        )))
    }
}

/// Fetch the colleagues' avatars announced since they were last fetched.
pub(crate) async fn fetch_colleague_avatars(
    connector: &Connector,
    token: &str,
    store: &Mutex<Store>,
) -> Result<bool, SyncError> {
    let wanted = lock(store).colleague_avatars_to_fetch()?;
    for &(id, version) in &wanted {
        let request = hyper::Request::get(format!("/api/specialists/{id}/avatar"))
            .header(hyper::header::HOST, connector.endpoint().authority())
            .header(hyper::header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Full::new(Bytes::new()))
            .map_err(|e| SyncError::Unreachable(e.to_string()))?;
        let (status, bytes) = http(connector, request).await?;
        let store = lock(store);
        if status.is_success() {
            if store.set_colleague_avatar(id, version, &bytes).is_err() {
                store.skip_colleague_avatar(id, version)?;
            }
        } else {
            // Gone meanwhile, or not ours to see: not asked again until it changes.
            store.skip_colleague_avatar(id, version)?;
        }
    }
    Ok(!wanted.is_empty())
}
