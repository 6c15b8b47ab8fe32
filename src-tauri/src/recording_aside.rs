//! Recordings the line server refused for good (`linedesk_engine::queue::AsideReason`): the
//! upload queue sets them aside with their file; here the app shows why on the call's
//! timeline entry (`ui/src/lib/call/RecordingAside.svelte`), puts one back in the queue when
//! the specialist asks, or saves a copy in the data dir's `downloads/` (where the chat's files
//! go). Nothing here deletes a recording.

use std::path::{Path, PathBuf};

use linedesk_engine::queue::{AsideEntry, AsideReason, UploadQueue};
use serde::Serialize;
use tauri::State;

use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

/// Why a recording was not uploaded: the UI shows `recording.aside.<code>`
/// (`ui/src/i18n/*.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum RecordingAsideReason {
    UnknownCall,
    NotYours,
    AlreadyRecorded,
    TooLarge,
    Invalid,
    Refused,
    FileUnreadable,
    ServerUnreadable,
    SidecarUnreadable,
}

impl From<AsideReason> for RecordingAsideReason {
    fn from(reason: AsideReason) -> Self {
        match reason {
            AsideReason::UnknownCall => RecordingAsideReason::UnknownCall,
            AsideReason::NotYours => RecordingAsideReason::NotYours,
            AsideReason::AlreadyRecorded => RecordingAsideReason::AlreadyRecorded,
            AsideReason::TooLarge => RecordingAsideReason::TooLarge,
            AsideReason::Invalid => RecordingAsideReason::Invalid,
            AsideReason::Refused => RecordingAsideReason::Refused,
            AsideReason::FileUnreadable => RecordingAsideReason::FileUnreadable,
            AsideReason::ServerUnreadable => RecordingAsideReason::ServerUnreadable,
            AsideReason::SidecarUnreadable => RecordingAsideReason::SidecarUnreadable,
        }
    }
}

/// A recording set aside, for its call's timeline entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SetAsideRecording {
    pub call: i64,
    pub reason: RecordingAsideReason,
    /// The HTTP status of the server's refusal, when it refused.
    pub status: Option<u16>,
    /// Whether the file is there to save or upload again.
    pub has_file: bool,
}

impl From<AsideEntry> for SetAsideRecording {
    fn from(entry: AsideEntry) -> Self {
        SetAsideRecording {
            call: i64::try_from(entry.call).unwrap_or(i64::MAX),
            reason: entry.reason.into(),
            status: entry.status,
            has_file: entry.has_file,
        }
    }
}

/// The app's recording upload queue (`recordings/outbox` of the data dir), as the call
/// engine's upload loop uses it.
pub fn outbox(data_dir: &Path) -> PathBuf {
    data_dir.join("recordings").join("outbox")
}

fn queue(state: &AppState) -> CommandResult<UploadQueue> {
    UploadQueue::open(&outbox(state.data_dir())).map_err(|e| CommandError::internal(e.to_string()))
}

fn call_number(call_id: i64) -> CommandResult<u64> {
    u64::try_from(call_id).map_err(|_| CommandError::invalid("callId", "not a call"))
}

/// Every recording set aside, by call (the timeline asks every few seconds while it shows
/// calls without a recording).
#[tauri::command]
#[specta::specta]
pub async fn recordings_set_aside(
    state: State<'_, AppState>,
) -> CommandResult<Vec<SetAsideRecording>> {
    let entries = queue(&state)?
        .aside_entries()
        .map_err(|e| CommandError::internal(e.to_string()))?;
    Ok(entries.into_iter().map(SetAsideRecording::from).collect())
}

/// Put the set-aside recording of `call_id` back in the upload queue (the upload loop tries it
/// within seconds; refused again, it is set aside again, still kept).
#[tauri::command]
#[specta::specta]
pub async fn retry_recording_upload(state: State<'_, AppState>, call_id: i64) -> CommandResult<()> {
    let call = call_number(call_id)?;
    let queue = queue(&state)?;
    let known = queue
        .aside_entries()
        .map_err(|e| CommandError::internal(e.to_string()))?
        .iter()
        .any(|e| e.call == call && e.has_file);
    if !known {
        return Err(CommandError::not_found(format!(
            "no recording of call {call} is set aside"
        )));
    }
    eprintln!("linedesk: the recording of call {call} is queued for upload again");
    queue
        .retry_aside(call)
        .map_err(|e| CommandError::internal(e.to_string()))
}

/// Save a copy of the set-aside recording of `call_id` in the data dir's `downloads/`: the
/// copy's path.
#[tauri::command]
#[specta::specta]
pub async fn save_recording_copy(
    state: State<'_, AppState>,
    call_id: i64,
) -> CommandResult<String> {
    let call = call_number(call_id)?;
    let queue = queue(&state)?;
    let has_file = queue
        .aside_entries()
        .map_err(|e| CommandError::internal(e.to_string()))?
        .iter()
        .any(|e| e.call == call && e.has_file);
    if !has_file {
        return Err(CommandError::not_found(format!(
            "no recording of call {call} is set aside"
        )));
    }
    let path = queue
        .copy_aside(call, &state.data_dir().join("downloads"))
        .map_err(|e| CommandError::internal(e.to_string()))?;
    Ok(path.display().to_string())
}
