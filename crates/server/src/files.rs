//! Files sent in a chat (A1), as stored: one row per file with its bytes (see migration 9 for
//! why in the database), announced with `Event::FileShared`. A client's file opens an appeal
//! when none is open, like a message; a specialist's goes to the client's open appeal, if any.
//! A `key` makes a retried upload answer with the file stored the first time.

use linedesk_protocol::{
    AppealChannel, Event, MAX_FILE_BYTES, Role, SharedFile, sanitize_file_name,
};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::contact;
use crate::sqlite::batch::{Work, specialist_only};
use crate::sqlite::{id, sql_id};
use crate::storage::{StorageError, StoredFile, Subject};

/// Who uploaded, as the `files.uploader` column spells it (keys are per uploader).
fn uploader(actor: Subject) -> String {
    match actor.role {
        Role::Client => format!("client:{}", actor.id),
        _ => format!("specialist:{}", actor.id),
    }
}

fn earlier(w: &Work<'_>, actor: Subject, key: &str) -> Result<Option<SharedFile>, StorageError> {
    Ok(w.repo
        .tx
        .query_row(
            "SELECT id, name, size, appeal_id FROM files WHERE uploader = ?1 AND key = ?2",
            params![uploader(actor), key],
            |r| {
                Ok(SharedFile {
                    file: id(r.get(0)?),
                    name: r.get(1)?,
                    size: id(r.get(2)?),
                    appeal: r.get::<_, Option<i64>>(3)?.map(id),
                    duplicate: true,
                })
            },
        )
        .optional()?)
}

/// Keep `bytes` named `name` in the chat of `client` on `line` (a specialist's upload: both
/// given and checked; a client's: `None`, their own line).
#[allow(clippy::too_many_arguments)]
pub(crate) fn share(
    w: &mut Work<'_>,
    actor: Subject,
    to: Option<(u64, u64)>,
    name: &str,
    bytes: &[u8],
    key: Option<&str>,
) -> Result<SharedFile, StorageError> {
    if let Some(key) = key {
        if key.is_empty() || key.len() > linedesk_protocol::MAX_KEY_BYTES {
            return Err(StorageError::Invalid("the key is 1 to 128 bytes".into()));
        }
        if let Some(found) = earlier(w, actor, key)? {
            return Ok(found);
        }
    }
    let name = sanitize_file_name(name)
        .ok_or_else(|| StorageError::Invalid(format!("{name:?} is not a usable file name")))?;
    if bytes.is_empty() {
        return Err(StorageError::Invalid("the file is empty".into()));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(StorageError::Invalid(format!(
            "a file is at most {MAX_FILE_BYTES} bytes"
        )));
    }
    let (line, client, from_specialist, appeal) = match (actor.role, to) {
        (Role::Client, None) => {
            let client = actor.id;
            let line = id(w.repo.tx.query_row(
                "SELECT line_id FROM clients WHERE id = ?1",
                [sql_id(client)],
                |r| r.get(0),
            )?);
            let appeal = w.appeal_from_client(line, client, AppealChannel::File)?;
            (line, client, None, Some(appeal))
        }
        (_, Some((line, client))) => {
            let specialist = specialist_only(actor)?;
            contact::may_contact(w.repo.tx, specialist, line, client)?;
            (
                line,
                client,
                Some(specialist),
                w.open_appeal_of(line, client)?,
            )
        }
        _ => {
            return Err(StorageError::NotAllowed(
                "clients send files to their own line only".into(),
            ));
        }
    };
    let size = bytes.len() as u64;
    w.repo.tx.execute(
        "INSERT INTO files (line_id, client_id, from_specialist, appeal_id, name, size, sha256,
             bytes, uploader, key, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            sql_id(line),
            sql_id(client),
            from_specialist.map(sql_id),
            appeal.map(sql_id),
            name,
            sql_id(size),
            format!("{:x}", Sha256::digest(bytes)),
            bytes,
            uploader(actor),
            key,
            w.now_ms
        ],
    )?;
    let file = id(w.repo.tx.last_insert_rowid());
    w.append(
        line,
        Event::FileShared {
            file,
            client,
            from_specialist,
            name: name.clone(),
            size,
            appeal,
        },
    )?;
    Ok(SharedFile {
        file,
        name,
        size,
        appeal,
        duplicate: false,
    })
}

/// A stored file with its bytes.
pub(crate) fn load(conn: &Connection, file: u64) -> Result<Option<StoredFile>, StorageError> {
    Ok(conn
        .query_row(
            "SELECT line_id, client_id, name, bytes FROM files WHERE id = ?1",
            [sql_id(file)],
            |r| {
                Ok(StoredFile {
                    line: id(r.get(0)?),
                    client: id(r.get(1)?),
                    name: r.get(2)?,
                    bytes: r.get(3)?,
                })
            },
        )
        .optional()?)
}
