//! Recordings set aside: entries of the upload queue that can never succeed as they are,
//! kept in [`SET_ASIDE_DIR`] with a typed reason ([`AsideReason`]) so the app can say why,
//! upload them again when the cause is gone ([`UploadQueue::retry_aside`]) or save a copy
//! ([`UploadQueue::copy_aside`]). Nothing here deletes a recording.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Pending, SET_ASIDE_DIR, Scan, UploadQueue, read_dir, save};
use crate::EngineError;

/// Why a recording was set aside: a closed set the app translates (`recording.aside.<code>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AsideReason {
    /// The server has no such call (404).
    UnknownCall,
    /// The call is not this specialist's to record (403).
    NotYours,
    /// The call has another recording already (409: different bytes; the first is kept).
    AlreadyRecorded,
    /// The file is over the server's cap (413).
    TooLarge,
    /// The server refused the request as invalid (400, 415, 422): a call it does not know
    /// (the line says so as `invalid`), a file or gaps it cannot read.
    Invalid,
    /// Another refusal that retrying the same request cannot change (405, 410).
    Refused,
    /// The recording's own file is gone or cannot be read.
    FileUnreadable,
    /// The server address the entry names cannot be read.
    ServerUnreadable,
    /// The entry's sidecar cannot be read.
    SidecarUnreadable,
}

impl AsideReason {
    /// The reason of an upload refused with this error, when it can never succeed as it is
    /// (`None`: a missing token, a timeout, a flood limit, a server error or the network may
    /// pass, so it is retried).
    pub fn of(error: &EngineError) -> Option<AsideReason> {
        match error {
            EngineError::Refused { status, .. } => match status {
                404 => Some(AsideReason::UnknownCall),
                403 => Some(AsideReason::NotYours),
                409 => Some(AsideReason::AlreadyRecorded),
                413 => Some(AsideReason::TooLarge),
                400 | 415 | 422 => Some(AsideReason::Invalid),
                405 | 410 => Some(AsideReason::Refused),
                _ => None,
            },
            EngineError::Io { .. } => Some(AsideReason::FileUnreadable),
            _ => None,
        }
    }

    /// The stable code (`unknown_call`, `too_large`, ...).
    pub fn code(self) -> &'static str {
        match self {
            AsideReason::UnknownCall => "unknown_call",
            AsideReason::NotYours => "not_yours",
            AsideReason::AlreadyRecorded => "already_recorded",
            AsideReason::TooLarge => "too_large",
            AsideReason::Invalid => "invalid",
            AsideReason::Refused => "refused",
            AsideReason::FileUnreadable => "file_unreadable",
            AsideReason::ServerUnreadable => "server_unreadable",
            AsideReason::SidecarUnreadable => "sidecar_unreadable",
        }
    }
}

/// Why an entry was set aside, as its sidecar keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Aside {
    pub reason: AsideReason,
    /// The HTTP status of the refusal, when the server refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

/// One recording set aside, as the app lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsideEntry {
    pub call: u64,
    pub reason: AsideReason,
    pub status: Option<u16>,
    /// What the server or the system said, as it said it (for the log, not the UI's words).
    pub detail: String,
    /// Whether the recording's file is there (it can be saved and uploaded again).
    pub has_file: bool,
}

impl UploadQueue {
    fn aside_dir(&self) -> PathBuf {
        self.dir.join(SET_ASIDE_DIR)
    }

    /// Move the entry of `call` into [`SET_ASIDE_DIR`] with `why` as its last error (a
    /// sidecar that could not be read is moved as it is).
    pub(super) fn put_aside(
        &self,
        call: u64,
        pending: Option<Pending>,
        reason: Aside,
        why: &str,
    ) -> Result<(), EngineError> {
        let aside = self.aside_dir();
        std::fs::create_dir_all(&aside).map_err(EngineError::io(&aside))?;
        let ogg = self.ogg(call);
        if ogg.exists() {
            let to = aside.join(format!("call-{call}.ogg"));
            std::fs::rename(&ogg, &to).map_err(EngineError::io(&to))?;
        }
        let sidecar = self.sidecar(call);
        let to = aside.join(format!("call-{call}.json"));
        match pending {
            Some(mut p) => {
                p.last_error = Some(why.to_string());
                p.aside = Some(reason);
                save(&to, &p)?;
                std::fs::remove_file(&sidecar).map_err(EngineError::io(&sidecar))
            }
            None => std::fs::rename(&sidecar, &to).map_err(EngineError::io(&to)),
        }
    }

    /// Everything set aside whose sidecar reads, by call id.
    pub fn set_aside(&self) -> Result<Vec<Pending>, EngineError> {
        let dir = self.aside_dir();
        if !dir.exists() {
            return Ok(Vec::new());
        }
        Ok(read_dir(&dir)?.read)
    }

    /// Everything set aside with why, by call id; an entry whose sidecar cannot be read is
    /// listed too ([`AsideReason::SidecarUnreadable`]).
    pub fn aside_entries(&self) -> Result<Vec<AsideEntry>, EngineError> {
        let dir = self.aside_dir();
        if !dir.exists() {
            return Ok(Vec::new());
        }
        let Scan { read, unreadable } = read_dir(&dir)?;
        let has_file = |call: u64| dir.join(format!("call-{call}.ogg")).is_file();
        let mut entries: Vec<AsideEntry> = read
            .into_iter()
            .map(|p| {
                // Set aside by a version that kept no reason: its words are all there is.
                let aside = p.aside.clone().unwrap_or(Aside {
                    reason: AsideReason::Refused,
                    status: None,
                });
                AsideEntry {
                    call: p.call,
                    reason: aside.reason,
                    status: aside.status,
                    detail: p.last_error.unwrap_or_default(),
                    has_file: has_file(p.call),
                }
            })
            .collect();
        entries.extend(unreadable.into_iter().map(|(call, why)| AsideEntry {
            call,
            reason: AsideReason::SidecarUnreadable,
            status: None,
            detail: why,
            has_file: has_file(call),
        }));
        entries.sort_by_key(|e| e.call);
        Ok(entries)
    }

    /// Put the set-aside entry of `call` back in the queue, due at once with its attempts
    /// cleared (the cause is gone: a server fixed, a call that now exists). An entry whose
    /// sidecar could not be read goes back naming no server: to the one the app is signed
    /// in to. If it cannot succeed yet, the next pass sets it aside again, still kept.
    pub fn retry_aside(&self, call: u64) -> Result<(), EngineError> {
        let dir = self.aside_dir();
        let sidecar = dir.join(format!("call-{call}.json"));
        let ogg = dir.join(format!("call-{call}.ogg"));
        if !ogg.is_file() {
            return Err(EngineError::io(&ogg)(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no recording of this call is set aside",
            )));
        }
        let pending = match std::fs::read(&sidecar)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Pending>(&bytes).ok())
        {
            Some(p) if p.call == call => Pending {
                attempts: 0,
                next_attempt_ms: 0,
                last_error: None,
                aside: None,
                ..p
            },
            _ => Pending {
                call,
                server: None,
                attempts: 0,
                gaps: Vec::new(),
                next_attempt_ms: 0,
                last_error: None,
                aside: None,
            },
        };
        let to = self.ogg(call);
        std::fs::rename(&ogg, &to).map_err(EngineError::io(&to))?;
        save(&self.sidecar(call), &pending)?;
        match std::fs::remove_file(&sidecar) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(EngineError::io(sidecar)(e)),
            _ => Ok(()),
        }
    }

    /// Copy the set-aside recording of `call` into `folder` (created if missing) as
    /// `call-<id>.ogg`, or `call-<id> (2).ogg` ... when that name is taken; the copy's path.
    /// The set-aside entry stays as it is.
    pub fn copy_aside(&self, call: u64, folder: &Path) -> Result<PathBuf, EngineError> {
        let from = self.aside_dir().join(format!("call-{call}.ogg"));
        std::fs::create_dir_all(folder).map_err(EngineError::io(folder))?;
        let mut to = folder.join(format!("call-{call}.ogg"));
        let mut n = 2;
        while to.exists() {
            to = folder.join(format!("call-{call} ({n}).ogg"));
            n += 1;
        }
        std::fs::copy(&from, &to).map_err(EngineError::io(&from))?;
        Ok(to)
    }
}
