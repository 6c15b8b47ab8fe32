//! S4: the specialist waits for the client in the open appeal they hold; the store queues it
//! for the server and shows the "waiting" badge at once. A4: the line's recommended closing
//! phrases, inserted into the reply like quick replies.

use tauri::State;

use crate::commands::now_ms;
use crate::error::CommandResult;
use crate::state::AppState;

/// S4: put the client's open appeal into "waiting for the client".
#[tauri::command]
#[specta::specta]
pub async fn wait_for_client(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
) -> CommandResult<()> {
    state
        .store()?
        .wait_for_client(line_id, client_id, now_ms())?;
    state.nudge();
    Ok(())
}

/// A4: the line's recommended closing phrases, in the line's order.
#[tauri::command]
#[specta::specta]
pub async fn closing_phrases(
    state: State<'_, AppState>,
    line_id: i64,
) -> CommandResult<Vec<String>> {
    Ok(state.store()?.closing_phrases(line_id)?)
}
