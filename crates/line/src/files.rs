//! Files sent in a chat (A1), announced with `Event::FileShared`. A file opens an appeal when
//! none is open, like a message: a client's is routed, a specialist's is theirs. A `key` makes a retried upload answer with the file stored the first time.

use linedesk_protocol::{
    AppealChannel, Event, MAX_FILE_BYTES, MAX_KEY_BYTES, Role, SharedFile, sanitize_file_name,
};

use crate::apply::key_owner;
use crate::error::{LineError, RepoError};
use crate::repo::{KeyOwner, Repo};
use crate::subject::Subject;
use crate::work::{Work, specialist_only};

/// A file shared in a chat (A1); the backend gives the id (and keeps its checksum).
#[derive(Debug, Clone)]
pub struct NewFile<'a> {
    pub line: u64,
    pub client: u64,
    pub from_specialist: Option<u64>,
    pub appeal: Option<u64>,
    pub name: &'a str,
    pub bytes: &'a [u8],
    /// Who uploaded: a retried upload with the same `key` is found by it.
    pub uploader: KeyOwner,
    pub key: Option<&'a str>,
    pub at_ms: i64,
}

/// What the chat file rules read and write, as a backend implements it (a part of [`Repo`]).
pub trait FileRepo {
    /// The file `uploader` shared with `key` before, marked as a duplicate.
    fn file_by_key(
        &mut self,
        uploader: KeyOwner,
        key: &str,
    ) -> Result<Option<SharedFile>, RepoError>;
    fn insert_file(&mut self, file: &NewFile<'_>) -> Result<u64, RepoError>;
}

/// An upload into a chat, as the wire gave it.
#[derive(Debug, Clone, Copy)]
pub struct Upload<'a> {
    /// (line, client): a specialist's upload names both; a client's is `None`, their own line.
    pub to: Option<(u64, u64)>,
    pub name: &'a str,
    pub bytes: &'a [u8],
    /// A retried upload with the same key answers the file stored the first time.
    pub key: Option<&'a str>,
    /// C9: the specialist was warned that a colleague holds the client's appeal and chose to
    /// send anyway.
    pub confirmed: bool,
}

/// Keep `bytes` named `name` in the chat of `client` on `line` (a specialist's upload: `to`
/// names both and they are checked, and C9's colleague hold with them; a client's: `None`,
/// their own line).
pub fn share_file<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    upload: &Upload<'_>,
) -> Result<SharedFile, LineError> {
    let Upload {
        to,
        name,
        bytes,
        key,
        confirmed,
    } = *upload;
    let uploader = key_owner(actor)?;
    if let Some(key) = key {
        if key.is_empty() || key.len() > MAX_KEY_BYTES {
            return Err(LineError::Invalid(format!(
                "the key is 1 to {MAX_KEY_BYTES} bytes"
            )));
        }
        if let Some(found) = w.repo.file_by_key(uploader, key)? {
            return Ok(found);
        }
    }
    let name = sanitize_file_name(name)
        .ok_or_else(|| LineError::Invalid(format!("{name:?} is not a usable file name")))?;
    if bytes.is_empty() {
        return Err(LineError::Invalid("the file is empty".into()));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(LineError::Invalid(format!(
            "a file is at most {MAX_FILE_BYTES} bytes"
        )));
    }
    let (line, client, from_specialist, appeal) = match (actor.role, to) {
        (Role::Client, None) => {
            let client = actor.id;
            let line = w
                .repo
                .client(client)?
                .ok_or_else(|| LineError::Invalid(format!("no client {client}")))?
                .line;
            let appeal = w.appeal_from_client(line, client, AppealChannel::File)?;
            (line, client, None, Some(appeal))
        }
        (_, Some((line, client))) => {
            let specialist = specialist_only(actor)?;
            w.may_contact(specialist, line, client)?;
            w.past_colleague_hold(specialist, line, client, confirmed)?;
            // A1: a specialist's file opens an appeal (theirs) when none is open.
            let appeal = w.appeal_from_specialist(line, client, AppealChannel::File, specialist)?;
            (line, client, Some(specialist), Some(appeal))
        }
        _ => {
            return Err(LineError::NotAllowed(
                "clients send files to their own line only".into(),
            ));
        }
    };
    let size = bytes.len() as u64;
    let file = w.repo.insert_file(&NewFile {
        line,
        client,
        from_specialist,
        appeal,
        name: &name,
        bytes,
        uploader,
        key,
        at_ms: w.now_ms,
    })?;
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
