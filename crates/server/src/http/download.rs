//! Streaming a blob (a file of a chat, a call's recording) once its permission was checked
//! from its metadata: chunks of [`CHUNK`] bytes read off the async workers, so a download
//! never holds more than one chunk in memory nor the writers' lock.

use std::sync::Arc;

use axum::body::{Body, Bytes};

use crate::context::Server;
use crate::storage::BlobId;

/// Bytes read per step of a download.
pub const CHUNK: usize = 256 * 1024;

/// The body of `blob`, `size` bytes long. A read that fails midway is logged and cuts the
/// response short (the client sees fewer bytes than `Content-Length` promised).
pub fn stream(server: Arc<Server>, blob: BlobId, size: u64) -> Body {
    let chunks = futures_util::stream::try_unfold(0u64, move |offset| {
        let storage = server.storage.clone();
        async move {
            if offset >= size {
                return Ok(None);
            }
            let len = usize::try_from(size - offset).map_or(CHUNK, |left| left.min(CHUNK));
            let read = tokio::task::spawn_blocking(move || storage.blob_chunk(blob, offset, len))
                .await
                .map_err(std::io::Error::other)
                .and_then(|r| r.map_err(std::io::Error::other));
            match read {
                Ok(bytes) if !bytes.is_empty() => {
                    let next = offset + bytes.len() as u64;
                    Ok(Some((Bytes::from(bytes), next)))
                }
                Ok(_) => {
                    tracing::error!(?blob, offset, size, "a blob ended before its size");
                    Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof))
                }
                Err(err) => {
                    tracing::error!(?blob, offset, error = %err, "a blob could not be read");
                    Err(err)
                }
            }
        }
    });
    Body::from_stream(chunks)
}
