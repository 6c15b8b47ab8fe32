//! Recordings that survive the app: an in-progress marker (the journal) next to each
//! recording while its call runs, and, at the next start, every recording whose journal is
//! still there (the app crashed or was killed) closed and queued for upload like a finished
//! one.
//!
//! ```text
//! recordings/call-7.ogg           the recording (a whole Ogg page every 0.5 s)
//! recordings/call-7.ogg.journal   {call, server, gaps, paused}: written when the call's media
//!                                 comes up, rewritten at each pause and resume (and every
//!                                 second while paused), removed once the finished recording
//!                                 is queued
//! ```
//!
//! [`recover_interrupted`] closes each journaled recording at its last whole page
//! ([`linedesk_voice::recovery::close`]: the partial page cut, an end-of-stream page written),
//! queues it with its gaps (a pause going on at the crash ends with the recording) and removes
//! the journal. The pages reach the file (the kernel) as they end, which is what survives a
//! killed process; the file is also made durable (`fdatasync`) every second while the call runs
//! (`crate::call_recording`), so a power cut loses at most about a second and a half.

use std::path::{Path, PathBuf};
use std::time::Duration;

use linedesk_protocol::RecordingGap;
use serde::{Deserialize, Serialize};

use crate::EngineError;
use crate::queue::UploadQueue;

/// The journal's file name: the recording's with this appended.
pub const JOURNAL_SUFFIX: &str = ".journal";

/// What the journal of a recording in progress holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    pub call: u64,
    /// The server the call is on, as the app knows it (see [`crate::queue::Pending::server`]).
    pub server: String,
    /// The pauses that ended.
    #[serde(default)]
    pub gaps: Vec<RecordingGap>,
    /// The pause going on, as long as it had lasted when written.
    #[serde(default)]
    pub paused: Option<RecordingGap>,
}

/// The journal's path for the recording at `recording`.
pub fn journal_path(recording: &Path) -> PathBuf {
    let mut name = recording.as_os_str().to_os_string();
    name.push(JOURNAL_SUFFIX);
    PathBuf::from(name)
}

impl Journal {
    pub fn new(call: u64, server: &str) -> Journal {
        Journal {
            call,
            server: server.to_string(),
            gaps: Vec::new(),
            paused: None,
        }
    }

    /// Write the journal of `recording` (a temporary file renamed over it: a crash leaves the
    /// old one or the new one, never half of one).
    pub fn save(&self, recording: &Path) -> Result<(), EngineError> {
        let path = journal_path(recording);
        let mut tmp = path.clone().into_os_string();
        tmp.push(".part");
        let tmp = PathBuf::from(tmp);
        std::fs::write(&tmp, serde_json::to_vec(self)?).map_err(EngineError::io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(EngineError::io(&path))
    }

    /// Every gap, the pause going on included.
    pub fn all_gaps(&self) -> Vec<RecordingGap> {
        let mut all = self.gaps.clone();
        all.extend(self.paused);
        all
    }
}

/// The recording at `recording` is queued (or was never worth keeping): its journal goes.
pub fn remove(recording: &Path) -> Result<(), EngineError> {
    let path = journal_path(recording);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(EngineError::Io { path, source: e }),
    }
}

/// One interrupted recording found and queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    pub call: u64,
    /// Its length once closed.
    pub duration: Duration,
    /// Bytes cut off its end (a partial page).
    pub cut: u64,
    pub gaps: Vec<RecordingGap>,
}

/// What [`recover_interrupted`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recovery {
    pub queued: Vec<Recovered>,
    /// Journals that could not be acted on, with why: the journal is renamed
    /// `*.journal.unusable` and the recording, if any, left where it is.
    pub unusable: Vec<(PathBuf, String)>,
}

/// Close and queue every recording in `dir` whose journal says its call never finished (see
/// the module's description). Run at start, before new calls.
pub fn recover_interrupted(dir: &Path, queue: &UploadQueue) -> Result<Recovery, EngineError> {
    let mut recovery = Recovery::default();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(recovery),
        Err(e) => return Err(EngineError::io(dir)(e)),
    };
    let mut journals: Vec<PathBuf> = Vec::new();
    for entry in entries {
        let path = entry.map_err(EngineError::io(dir))?.path();
        if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(JOURNAL_SUFFIX))
        {
            journals.push(path);
        }
    }
    journals.sort();
    for path in journals {
        match recover_one(&path, queue) {
            Ok(Some(recovered)) => recovery.queued.push(recovered),
            Ok(None) => {}
            Err(why) => {
                let mut aside = path.clone().into_os_string();
                aside.push(".unusable");
                std::fs::rename(&path, &aside).map_err(EngineError::io(&path))?;
                recovery.unusable.push((path, why));
            }
        }
    }
    Ok(recovery)
}

/// One journal: `Ok(None)` when there was no recording to keep (the file never made it).
fn recover_one(journal: &Path, queue: &UploadQueue) -> Result<Option<Recovered>, String> {
    let bytes = std::fs::read(journal).map_err(|e| e.to_string())?;
    let found: Journal =
        serde_json::from_slice(&bytes).map_err(|e| format!("the journal does not read: {e}"))?;
    let recording = journal
        .to_str()
        .and_then(|p| p.strip_suffix(JOURNAL_SUFFIX))
        .map(PathBuf::from)
        .ok_or("the journal's name")?;
    if !recording.exists() {
        std::fs::remove_file(journal).map_err(|e| e.to_string())?;
        return Ok(None);
    }
    let closed = linedesk_voice::recovery::close(&recording).map_err(|e| e.to_string())?;
    let duration_ms = u64::try_from(closed.duration.as_millis()).unwrap_or(u64::MAX);
    // A pause going on at the crash ends with the recording; none can lie past its end.
    let gaps: Vec<RecordingGap> = found
        .all_gaps()
        .into_iter()
        .map(|g| RecordingGap {
            at_ms: g.at_ms.min(duration_ms),
            ..g
        })
        .collect();
    queue
        .enqueue_with_gaps(found.call, &recording, &found.server, &gaps)
        .map_err(|e| e.to_string())?;
    remove(&recording).map_err(|e| e.to_string())?;
    Ok(Some(Recovered {
        call: found.call,
        duration: closed.duration,
        cut: closed.cut,
        gaps,
    }))
}
