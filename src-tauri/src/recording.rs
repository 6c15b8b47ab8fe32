//! The call's recording in the app: its indicator in the call panel (what was recorded so far,
//! paused or not), pause and resume for sensitive data (nothing recorded meanwhile: a gap the
//! timeline shows), and, at start, the recordings a crash or kill left behind, closed and
//! queued for upload like finished ones (`linedesk_engine::journal`).

use std::path::Path;

use linedesk_engine::RecordingStatus;
use linedesk_engine::journal;
use linedesk_engine::queue::UploadQueue;
use serde::Serialize;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// The call panel's recording indicator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RecordingView {
    /// Audio in the recording so far (the call less its pauses).
    pub recorded_ms: u32,
    /// Nothing is recorded right now.
    pub paused: bool,
    /// Pauses so far.
    pub gaps: u32,
    /// The recorder failed (the call goes on).
    pub failed: bool,
}

impl From<RecordingStatus> for RecordingView {
    fn from(s: RecordingStatus) -> Self {
        RecordingView {
            recorded_ms: u32::try_from(s.recorded.as_millis()).unwrap_or(u32::MAX),
            paused: s.paused,
            gaps: u32::try_from(s.gaps).unwrap_or(u32::MAX),
            failed: s.failed,
        }
    }
}

/// Close and queue what a killed or crashed run left in `recordings` (its upload queue is
/// `recordings/outbox`); said on stderr, never fatal.
pub fn recover(recordings: &Path) {
    let outbox = recordings.join("outbox");
    let recovery = UploadQueue::open(&outbox)
        .and_then(|queue| journal::recover_interrupted(recordings, &queue));
    match recovery {
        Ok(done) => {
            for r in &done.queued {
                eprintln!(
                    "linedesk: the recording of call {} was interrupted; closed at {} ms \
                     ({} bytes of a partial page cut) and queued for upload",
                    r.call,
                    r.duration.as_millis(),
                    r.cut
                );
            }
            for (path, why) in &done.unusable {
                eprintln!(
                    "linedesk: an interrupted recording cannot be closed ({why}); its journal \
                     {} is set aside",
                    path.display()
                );
            }
        }
        Err(err) => eprintln!("linedesk: interrupted recordings were not looked for: {err}"),
    }
}

/// Pause (`on`) or resume the recording of the call in progress.
#[tauri::command]
#[specta::specta]
pub async fn set_recording_paused(state: State<'_, AppState>, on: bool) -> CommandResult<()> {
    Ok(state.calls()?.set_recording_paused(on).await?)
}
