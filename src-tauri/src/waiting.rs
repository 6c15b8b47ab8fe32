//! S4: the specialist waits for the client in the open appeal they hold; the store queues it
//! for the server and shows the "waiting" badge at once. A4: the line's recommended closing
//! phrases, inserted into the reply like quick replies, and A5's auto-finish time the server
//! announced. S5: the appeal's type, chosen by its holder (the server checks it).

use tauri::State;

use linedesk_store::appeal_types::AppealTypeChoice;

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

/// A5: the line's auto-finish time in minutes as the server announced it (0: never).
#[tauri::command]
#[specta::specta]
pub async fn auto_finish_minutes(state: State<'_, AppState>, line_id: i64) -> CommandResult<u32> {
    Ok(state.store()?.auto_finish_minutes(line_id)?)
}

/// S5: the line's appeal types and the type of the client's open appeal (no client: the
/// types alone, as the reports' filter offers them).
#[tauri::command]
#[specta::specta]
pub async fn appeal_types(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: Option<i64>,
) -> CommandResult<AppealTypeChoice> {
    Ok(state.store()?.appeal_type_choice(line_id, client_id)?)
}

/// S5: the holder chooses the type of the client's open appeal (S3: no deadline moves).
#[tauri::command]
#[specta::specta]
pub async fn choose_appeal_type(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
    appeal_type: String,
) -> CommandResult<()> {
    state
        .store()?
        .choose_appeal_type(line_id, client_id, &appeal_type, now_ms())?;
    state.nudge();
    Ok(())
}
