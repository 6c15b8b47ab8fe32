//! Issue 14, quality honesty: how good a finished call was, for its entry in the chat's
//! timeline (`ui/src/lib/call/CallQuality.svelte`). Each party's statistics as the line
//! server's `CallStats` events brought them into the store.

use linedesk_store::CallQualityEntry;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// Both parties' statistics of `call_id` (the specialist's first); empty until one reported.
#[tauri::command]
#[specta::specta]
pub async fn call_quality(
    state: State<'_, AppState>,
    call_id: i64,
) -> CommandResult<Vec<CallQualityEntry>> {
    Ok(state.store()?.call_quality(call_id)?)
}
