//! C9, the chat's "who else" (issue 16, item 2): the app tells the line which chat it has open
//! and whether its specialist types (`chat_focus`, live over the sync session, never stored),
//! shows who else has it open (`chat_watchers`), and warns before writing into an appeal a
//! colleague holds (`colleague_hold`; `send_message` refuses such a message with the rule
//! `appeal.held_by_colleague` until the specialist confirms: `send_message_confirmed`; files,
//! a quick reply's files and calls take `confirmed` and are refused the same way,
//! [`past_hold`]).

use linedesk_protocol::ChatRef;
use linedesk_store::{ColleagueHold, Message};
use serde::Serialize;
use tauri::State;

use crate::commands::now_ms;
use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

/// A colleague with the same chat open, for the chat's header.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ChatWatcherView {
    pub specialist: i64,
    /// As the line announced them (`None`: not yet).
    pub name: Option<String>,
    pub typing: bool,
}

fn chat_ref(line_id: i64, client_id: i64) -> CommandResult<ChatRef> {
    let id = |v: i64, field: &str| {
        u64::try_from(v).map_err(|_| CommandError::invalid(field, "an id is positive"))
    };
    Ok(ChatRef {
        line: id(line_id, "lineId")?,
        client: id(client_id, "clientId")?,
    })
}

/// C9: the app shows `client_id`'s chat of `line_id` (`None`: no chat), its specialist typing
/// in it or not. The line hears it when connected (and again after a reconnect).
#[tauri::command]
#[specta::specta]
pub async fn chat_focus(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: Option<i64>,
    typing: bool,
) -> CommandResult<()> {
    let chat = client_id.map(|c| chat_ref(line_id, c)).transpose()?;
    let line = state.line().map_err(CommandError::unavailable)?;
    line.sync.focus_chat(chat, typing);
    Ok(())
}

/// C9: the colleagues with this chat open now, typing or not (this specialist left out);
/// empty when nobody else or when the line has not said (offline).
#[tauri::command]
#[specta::specta]
pub async fn chat_watchers(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
) -> CommandResult<Vec<ChatWatcherView>> {
    let chat = chat_ref(line_id, client_id)?;
    let Ok(line) = state.line() else {
        return Ok(Vec::new());
    };
    let Some(seen) = line.sync.chat_watchers().filter(|w| w.chat == chat) else {
        return Ok(Vec::new());
    };
    let store = state.store()?;
    let me = store.server_me()?;
    let names = store.colleagues(line_id)?;
    Ok(seen
        .watchers
        .into_iter()
        .filter_map(|w| {
            let specialist = i64::try_from(w.specialist).ok()?;
            (Some(specialist) != me).then(|| ChatWatcherView {
                specialist,
                name: names
                    .iter()
                    .find(|c| c.id == specialist)
                    .map(|c| c.name.clone()),
                typing: w.typing,
            })
        })
        .collect())
}

/// C9: the client's open appeal when a colleague holds it (writing needs a confirmation).
#[tauri::command]
#[specta::specta]
pub async fn colleague_hold(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
) -> CommandResult<Option<ColleagueHold>> {
    chat_ref(line_id, client_id)?;
    Ok(state.store()?.colleague_hold(line_id, client_id)?)
}

/// The refusal of a message into a colleague's appeal that was not confirmed.
pub(crate) fn held_by_colleague(hold: &ColleagueHold) -> CommandError {
    CommandError {
        code: crate::error::ErrorCode::Forbidden,
        message: format!(
            "a colleague holds appeal {}: confirm to write into it",
            hold.appeal
        ),
        field: None,
        rule: Some("appeal.held_by_colleague".into()),
    }
}

/// C9 for a file, a quick reply's file or a call to the client: refused with the rule
/// `appeal.held_by_colleague` while a colleague holds the client's appeal, unless the
/// specialist was warned and `confirmed` (the server checks again: the line's rule).
pub(crate) fn past_hold(
    store: &linedesk_store::Store,
    line_id: i64,
    client_id: i64,
    confirmed: bool,
) -> CommandResult<()> {
    if confirmed {
        return Ok(());
    }
    match store.colleague_hold(line_id, client_id)? {
        Some(hold) => Err(held_by_colleague(&hold)),
        None => Ok(()),
    }
}

/// C9: a message into an appeal a colleague holds, after the specialist confirmed.
#[tauri::command]
#[specta::specta]
pub async fn send_message_confirmed(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
    text: String,
) -> CommandResult<Message> {
    chat_ref(line_id, client_id)?;
    let message = state
        .store()?
        .send_message_confirmed(line_id, client_id, &text, now_ms())?;
    state.nudge();
    Ok(message)
}
