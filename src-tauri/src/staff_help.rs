//! W3, the header's Help button (issue 16, item 6): the specialist asks their company's own
//! support line (the server's staff line) for help, as a client of it.
//!
//! `help_open` asks the line server for the specialist's client identity on the staff line and
//! a token for it (`POST /api/help/session`), then keeps a second WebSocket session signed in
//! with that token (`linedesk_sync::spawn_staff_help`): a client's session, so the server's own
//! client rules decide what it sees (only this conversation; no other client of the staff line,
//! nothing of the specialist's own lines) and the specialist's session gains nothing. The
//! conversation is kept in the local store (`linedesk_store::staff_help`) like the rest of the
//! app's data: it is there after a restart, and `help_send` queues a message there first (A1:
//! the first one opens an appeal on the staff line), so one typed offline or before a restart
//! is sent at the next session, with its key, exactly once. `help_view` is what the panel
//! polls; the app opens the session by itself at launch when a typed message waits.

mod view;

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use linedesk_protocol::{MAX_MESSAGE_CHARS, StaffHelpSession};
use linedesk_sync::HelpHandle;
use tauri::{AppHandle, Manager, State};

pub use view::{HelpMessage, HelpPending, HelpView};

use crate::error::{CommandError, CommandResult, ErrorCode};
use crate::state::{AppState, lock};

/// The app's Help session (none until the Help button is first pressed, or a typed message
/// waits at launch).
#[derive(Default)]
pub struct HelpDesk {
    running: Mutex<Option<HelpHandle>>,
    next_key: AtomicU64,
}

impl HelpDesk {
    fn live(&self) -> bool {
        lock(&self.running)
            .as_ref()
            .is_some_and(|r| !r.is_finished())
    }

    fn connected(&self) -> bool {
        lock(&self.running)
            .as_ref()
            .is_some_and(HelpHandle::connected)
    }

    fn nudge(&self) {
        if let Some(r) = lock(&self.running).as_ref() {
            r.nudge();
        }
    }
}

fn view(state: &AppState) -> CommandResult<HelpView> {
    let kept = state.store()?.staff_help()?;
    let desk = state.help();
    Ok(HelpView::of(kept, desk.live(), desk.connected()))
}

/// Start (or keep) the Help session: a new identity and token from the server when none runs.
async fn start(state: &AppState) -> CommandResult<()> {
    if state.help().live() {
        return Ok(());
    }
    let help: StaffHelpSession = crate::line_http::send(
        state,
        "POST",
        "/api/help/session".into(),
        &serde_json::Value::Null,
    )
    .await?;
    let (connector, _) = crate::line_http::connection(state)?;
    let store = state
        .shared_store()
        .ok_or_else(|| CommandError::unavailable("the local store is not open"))?;
    let handle = linedesk_sync::spawn_staff_help(connector, help, store)?;
    *lock(&state.help().running) = Some(handle);
    Ok(())
}

/// W3: open (or keep) the Help conversation with the staff line: the specialist's client
/// identity there and its session. `not_found` when the server has no staff line.
#[tauri::command]
#[specta::specta]
pub async fn help_open(state: State<'_, AppState>) -> CommandResult<HelpView> {
    start(&state).await?;
    view(&state)
}

/// W3: the Help conversation as kept (what the staff line said until now, and what waits to be
/// sent), whether or not its session runs.
#[tauri::command]
#[specta::specta]
pub async fn help_view(state: State<'_, AppState>) -> CommandResult<HelpView> {
    view(&state)
}

/// W3: write `text` to the staff line: kept in the store at once (shown pending until the line
/// acknowledges it) and sent now if the session runs, else at its next start.
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
    let now = crate::commands::now_ms();
    let key = format!(
        "help-{now}-{}",
        state.help().next_key.fetch_add(1, Ordering::Relaxed)
    );
    state.store()?.queue_staff_help(&key, &text, now)?;
    state.help().nudge();
    view(&state)
}

/// At launch: when a Help message typed before (offline, or before a restart) waits, start the
/// Help session as soon as the line server takes the specialist's token, so it is sent without
/// the panel being opened.
pub fn resume_at_launch(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let waiting = state
            .store()
            .and_then(|s| Ok(s.staff_help_unsent()?))
            .is_ok_and(|unsent| !unsent.is_empty());
        if !waiting {
            return;
        }
        let mut wait = Duration::from_secs(1);
        loop {
            match start(&state).await {
                Ok(()) => return,
                // No staff line on this server (any more): the messages stay kept.
                Err(err) if matches!(err.code, ErrorCode::NotFound | ErrorCode::Forbidden) => {
                    return;
                }
                Err(_) => {
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(60));
                }
            }
        }
    });
}
