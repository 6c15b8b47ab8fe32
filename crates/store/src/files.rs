//! Files in a chat (A1). A file the server announced (`FileShared`) is a chat item
//! ([`ChatFile`] on the message, whose text is the file's name). A file this app sends is kept
//! here with its bytes ([`Store::queue_upload`]) until the server has it: the app's upload
//! loop takes [`Store::pending_uploads`], uploads each with its key and calls
//! [`Store::mark_uploaded`]; a crash or an offline spell loses nothing.

use serde::{Deserialize, Serialize};

use crate::Store;
use crate::error::{Result, StoreError};

/// Largest file the app sends, in bytes (the server's cap).
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// The file of a chat item: its id on the server and its size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ChatFile {
    pub id: i64,
    pub size: i64,
}

/// A file waiting for the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingUpload {
    pub id: i64,
    pub line_id: i64,
    pub client_id: i64,
    pub name: String,
    pub bytes: Vec<u8>,
    /// Sent with the upload: the server answers a retry with the first upload's file.
    pub key: String,
    pub created_at: i64,
    /// C9: sent past a colleague's hold on the client's appeal, after the warning.
    pub confirmed: bool,
}

/// A file of this app waiting for the server, as the chat lists it (no bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UploadRow {
    pub id: i64,
    pub name: String,
    pub size: i64,
    pub created_at: i64,
    /// Why the server refused it for good, if it did.
    pub failed_reason: Option<String>,
    /// C9: a colleague took the client's appeal after it was queued: it waits until the
    /// specialist confirms again ([`Store::confirm_held_upload`]) or drops it.
    pub held: bool,
}

impl Store {
    /// Keep a file the specialist sends to the client's chat until the server has it.
    pub fn queue_upload(
        &self,
        line_id: i64,
        client_id: i64,
        name: &str,
        bytes: &[u8],
        now_ms: i64,
    ) -> Result<i64> {
        self.queue_upload_as(line_id, client_id, (name, bytes), false, now_ms)
    }

    /// [`Store::queue_upload`] of `(name, bytes)`; `confirmed` (C9): the specialist was warned
    /// that a colleague holds the client's appeal and chose to send anyway.
    pub fn queue_upload_as(
        &self,
        line_id: i64,
        client_id: i64,
        (name, bytes): (&str, &[u8]),
        confirmed: bool,
        now_ms: i64,
    ) -> Result<i64> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 255 {
            return Err(StoreError::invalid("name", "1 to 255 characters"));
        }
        if bytes.is_empty() {
            return Err(StoreError::invalid("file", "the file is empty"));
        }
        if bytes.len() > MAX_UPLOAD_BYTES {
            return Err(StoreError::invalid(
                "file",
                format!("at most {MAX_UPLOAD_BYTES} bytes"),
            ));
        }
        crate::clients::require_line_client(&self.conn, line_id, client_id)?;
        let device = self.device_id()?;
        self.conn.execute(
            "INSERT INTO file_uploads (line_id, client_id, name, bytes, key, created_at, confirmed)
             VALUES (?1, ?2, ?3, ?4, ?5 || ':file:' || lower(hex(randomblob(12))), ?6, ?7)",
            rusqlite::params![line_id, client_id, name, bytes, device, now_ms, confirmed],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Files not yet on the server, oldest first.
    pub fn pending_uploads(&self, limit: u32) -> Result<Vec<PendingUpload>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, line_id, client_id, name, bytes, key, created_at, confirmed
             FROM file_uploads
             WHERE uploaded_at IS NULL AND failed_reason IS NULL AND held_at IS NULL
             ORDER BY id LIMIT ?1",
        )?;
        let rows = stmt
            .query_map([limit], |r| {
                Ok(PendingUpload {
                    id: r.get(0)?,
                    line_id: r.get(1)?,
                    client_id: r.get(2)?,
                    name: r.get(3)?,
                    bytes: r.get(4)?,
                    key: r.get(5)?,
                    created_at: r.get(6)?,
                    confirmed: r.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The client's files not on the server, oldest first: on their way, held (C9), or
    /// refused (the chat shows them as pending, asks again, or shows them failed).
    pub fn uploads_of(&self, line_id: i64, client_id: i64) -> Result<Vec<UploadRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, length(bytes), created_at, failed_reason, held_at IS NOT NULL
             FROM file_uploads
             WHERE line_id = ?1 AND client_id = ?2 AND uploaded_at IS NULL ORDER BY id",
        )?;
        let rows = stmt
            .query_map([line_id, client_id], |r| {
                Ok(UploadRow {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    size: r.get(2)?,
                    created_at: r.get(3)?,
                    failed_reason: r.get(4)?,
                    held: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The server has upload `id` as its file `file_id`: the bytes are dropped (the chat item
    /// comes with the server's `FileShared`).
    pub fn mark_uploaded(&self, id: i64, file_id: i64, now_ms: i64) -> Result<()> {
        let changed = self.conn.execute(
            "UPDATE file_uploads SET uploaded_at = ?3, file_id = ?2, bytes = x''
             WHERE id = ?1 AND uploaded_at IS NULL",
            [id, file_id, now_ms],
        )?;
        one_changed(changed, "pending upload", id)
    }
}

impl Store {
    /// The server refused upload `id` for good: it leaves the queue with the reason.
    pub fn mark_upload_failed(&self, id: i64, reason: &str) -> Result<()> {
        let changed = self.conn.execute(
            "UPDATE file_uploads SET failed_reason = ?2
             WHERE id = ?1 AND uploaded_at IS NULL AND failed_reason IS NULL",
            rusqlite::params![id, reason],
        )?;
        one_changed(changed, "pending upload", id)
    }
}

impl Store {
    /// C9: the server refused upload `id` (queued without confirmation) because a colleague
    /// holds the client's appeal now: it leaves the queue until the specialist confirms.
    pub fn hold_upload(&self, id: i64, now_ms: i64) -> Result<()> {
        let changed = self.conn.execute(
            "UPDATE file_uploads SET held_at = ?2
             WHERE id = ?1 AND uploaded_at IS NULL AND failed_reason IS NULL",
            [id, now_ms],
        )?;
        one_changed(changed, "pending upload", id)
    }

    /// C9: asked again, the specialist sends held upload `id` past the colleague's hold: back
    /// in the queue, confirmed.
    pub fn confirm_held_upload(&self, id: i64) -> Result<()> {
        let changed = self.conn.execute(
            "UPDATE file_uploads SET held_at = NULL, confirmed = 1
             WHERE id = ?1 AND held_at IS NOT NULL AND uploaded_at IS NULL",
            [id],
        )?;
        one_changed(changed, "held upload", id)
    }

    /// C9: asked again, the specialist does not send held upload `id`: it is dropped.
    pub fn drop_held_upload(&self, id: i64) -> Result<()> {
        let changed = self.conn.execute(
            "DELETE FROM file_uploads WHERE id = ?1 AND held_at IS NOT NULL AND uploaded_at IS NULL",
            [id],
        )?;
        one_changed(changed, "held upload", id)
    }
}

/// An update of one row by id: `NotFound` when none changed.
fn one_changed(changed: usize, what: &'static str, id: i64) -> Result<()> {
    if changed == 0 {
        return Err(StoreError::NotFound { what, id });
    }
    Ok(())
}
