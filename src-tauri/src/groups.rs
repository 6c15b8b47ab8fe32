//! C6: group chats around a client from the client's chat: the store queues each action for
//! the server (a message shows at once as pending; a new group and member changes show when
//! the server's event comes back) and keeps the groups with the client's chat.

use tauri::State;

use linedesk_store::groups::GroupView;

use crate::commands::now_ms;
use crate::error::CommandResult;
use crate::state::AppState;

/// The client's groups on the line, with their members and messages.
#[tauri::command]
#[specta::specta]
pub async fn client_groups(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
) -> CommandResult<Vec<GroupView>> {
    Ok(state.store()?.groups_of(line_id, client_id)?)
}

/// Make a group with the client and colleagues `members` of the line.
#[tauri::command]
#[specta::specta]
pub async fn create_group(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
    title: String,
    members: Vec<i64>,
) -> CommandResult<()> {
    state
        .store()?
        .create_group(line_id, client_id, &title, &members, now_ms())?;
    state.nudge();
    Ok(())
}

/// Bring colleague `specialist_id` into the group.
#[tauri::command]
#[specta::specta]
pub async fn add_group_member(
    state: State<'_, AppState>,
    group_id: i64,
    specialist_id: i64,
) -> CommandResult<()> {
    state
        .store()?
        .add_group_member(group_id, specialist_id, now_ms())?;
    state.nudge();
    Ok(())
}

/// Take `specialist_id` out of the group (oneself: leave it).
#[tauri::command]
#[specta::specta]
pub async fn remove_group_member(
    state: State<'_, AppState>,
    group_id: i64,
    specialist_id: i64,
) -> CommandResult<()> {
    state
        .store()?
        .remove_group_member(group_id, specialist_id, now_ms())?;
    state.nudge();
    Ok(())
}

/// Write in the group.
#[tauri::command]
#[specta::specta]
pub async fn send_group_message(
    state: State<'_, AppState>,
    group_id: i64,
    text: String,
) -> CommandResult<i64> {
    let id = state
        .store()?
        .send_group_message(group_id, &text, now_ms())?;
    state.nudge();
    Ok(id)
}
