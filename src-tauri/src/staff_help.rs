//! W3, the header's Help button (issue 16, item 6): the specialist asks their company's own
//! support line (the server's staff line) for help, as a client of it.
//!
//! `help_open` asks the line server for the specialist's client identity on the staff line and
//! a token for it (`POST /api/help/session`), then keeps a second WebSocket session signed in
//! with that token: a client's session, so the server's own client rules decide what it sees
//! (only this conversation; no other client of the staff line, nothing of the specialist's own
//! lines) and the specialist's session gains nothing. Its events are folded into the Help
//! panel's conversation (`conversation.rs`) in memory; `help_send` writes a message there (A1:
//! the first one opens an appeal on the staff line, routed to its specialists), resent with
//! its key after a reconnect until acknowledged. `help_view` is what the panel polls.

mod conversation;
mod session;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use linedesk_protocol::{MAX_MESSAGE_CHARS, StaffHelpSession};
use tauri::State;
use tokio::sync::mpsc;

use conversation::Conversation;
pub use conversation::{HelpMessage, HelpPending, HelpView};

use crate::error::{CommandError, CommandResult};
use crate::state::{AppState, lock};

/// The Help conversation while its session runs.
struct Running {
    conversation: Arc<Mutex<Conversation>>,
    sends: mpsc::UnboundedSender<(String, String)>,
    task: tokio::task::JoinHandle<()>,
}

/// The app's one Help conversation (none until the Help button is first pressed).
#[derive(Default)]
pub struct HelpDesk {
    running: Mutex<Option<Running>>,
    next_key: AtomicU64,
}

impl Drop for HelpDesk {
    fn drop(&mut self) {
        if let Some(r) = lock(&self.running).take() {
            r.task.abort();
        }
    }
}

impl HelpDesk {
    fn view(&self) -> Option<HelpView> {
        lock(&self.running)
            .as_ref()
            .map(|r| lock(&r.conversation).view.clone())
    }

    fn live(&self) -> bool {
        lock(&self.running)
            .as_ref()
            .is_some_and(|r| !r.task.is_finished())
    }
}

/// W3: open (or keep) the Help conversation with the staff line: the specialist's client
/// identity there and its session. `not_found` when the server has no staff line.
#[tauri::command]
#[specta::specta]
pub async fn help_open(state: State<'_, AppState>) -> CommandResult<HelpView> {
    let desk = state.help();
    if desk.live()
        && let Some(view) = desk.view()
    {
        return Ok(view);
    }
    let help: StaffHelpSession = crate::line_http::send(
        &state,
        "POST",
        "/api/help/session".into(),
        &serde_json::Value::Null,
    )
    .await?;
    let (connector, _) = crate::line_http::connection(&state)?;
    let mut conversation = Conversation::default();
    conversation.view.line = i64::try_from(help.line).unwrap_or_default();
    conversation.view.client = i64::try_from(help.client).unwrap_or_default();
    // Messages typed before a token expired are sent with the new one.
    if let Some(old) = lock(&desk.running).take() {
        old.task.abort();
        conversation.view.pending = lock(&old.conversation).view.pending.clone();
    }
    let conversation = Arc::new(Mutex::new(conversation));
    let (sends, queued) = mpsc::unbounded_channel();
    let task = tokio::spawn(session::run(connector, help, conversation.clone(), queued));
    let view = lock(&conversation).view.clone();
    *lock(&desk.running) = Some(Running {
        conversation,
        sends,
        task,
    });
    Ok(view)
}

/// W3: the Help conversation as it is now (empty before `help_open`).
#[tauri::command]
#[specta::specta]
pub async fn help_view(state: State<'_, AppState>) -> CommandResult<HelpView> {
    Ok(state.help().view().unwrap_or_default())
}

/// W3: write `text` to the staff line (shown pending until the line acknowledges it).
#[tauri::command]
#[specta::specta]
pub async fn help_send(state: State<'_, AppState>, text: String) -> CommandResult<HelpView> {
    let text = text.trim().to_string();
    if text.is_empty() || text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(CommandError::invalid(
            "text",
            format!("a message is 1 to {MAX_MESSAGE_CHARS} characters"),
        ));
    }
    let desk = state.help();
    let guard = lock(&desk.running);
    let Some(running) = guard.as_ref() else {
        return Err(CommandError::unavailable(
            "the Help conversation is not open",
        ));
    };
    let key = format!(
        "help-{}-{}",
        crate::commands::now_ms(),
        desk.next_key.fetch_add(1, Ordering::Relaxed)
    );
    let mut conversation = lock(&running.conversation);
    conversation.view.pending.push(HelpPending {
        key: key.clone(),
        text: text.clone(),
        refused: None,
    });
    // A closed channel (the session ended) keeps the message pending for the next open.
    let _ = running.sends.send((key, text));
    Ok(conversation.view.clone())
}
