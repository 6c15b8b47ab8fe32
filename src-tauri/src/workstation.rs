//! Commands of the workstation's lists and actions (issue 6): my appeals (A6), starting,
//! marking spam and transferring appeals (A1, A3), tickets (T1-T5), files in the chat (A1) and
//! KB drafts (C8). Each validates in the store and goes to the server through the outbox.

use linedesk_domain::appeal::TransferTarget;
use linedesk_domain::ids::QueueId;
use linedesk_domain::ticket::{TicketCommand, TicketState, allowed_commands};
use linedesk_store::{
    AppealListFilter, AppealRecord, TicketHistoryRow, TicketQueue, TicketView, UploadRow,
};
use tauri::State;

use crate::commands::now_ms;
use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

/// A6: this specialist's appeals matching `filter`, newest first.
#[tauri::command]
#[specta::specta]
pub async fn my_appeals(
    state: State<'_, AppState>,
    filter: AppealListFilter,
) -> CommandResult<Vec<AppealRecord>> {
    let store = state.store()?;
    match store.server_me()? {
        Some(me) => Ok(store.my_appeals(me, &filter)?),
        // Never signed in yet: nothing is this specialist's.
        None => Ok(Vec::new()),
    }
}

/// A1: start an appeal of the client by hand (assigned to this specialist); S5: with the type
/// the specialist names, which picks the SLA level.
#[tauri::command]
#[specta::specta]
pub async fn start_appeal(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
    appeal_type: Option<String>,
) -> CommandResult<()> {
    state
        .store()?
        .start_appeal(line_id, client_id, appeal_type.as_deref(), now_ms())?;
    state.nudge();
    Ok(())
}

/// A6: finish the client's open appeal as spam.
#[tauri::command]
#[specta::specta]
pub async fn mark_spam(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
) -> CommandResult<()> {
    state.store()?.mark_spam(line_id, client_id, now_ms())?;
    state.nudge();
    Ok(())
}

/// A3: hand the open appeal to a level of the line or to another line, with a reason.
#[tauri::command]
#[specta::specta]
pub async fn transfer_appeal_to(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
    target: TransferTarget,
    reason: String,
) -> CommandResult<()> {
    state
        .store()?
        .transfer_appeal_to(line_id, client_id, target, &reason, now_ms())?;
    state.nudge();
    Ok(())
}

/// T3: the specialist's personal folder (their tickets not closed).
#[tauri::command]
#[specta::specta]
pub async fn ticket_folder(state: State<'_, AppState>) -> CommandResult<Vec<TicketView>> {
    let store = state.store()?;
    match store.server_me()? {
        Some(me) => Ok(store.ticket_folder(me)?),
        None => Ok(Vec::new()),
    }
}

/// T4: a ticket by its number, in any state.
#[tauri::command]
#[specta::specta]
pub async fn find_ticket(
    state: State<'_, AppState>,
    number: String,
) -> CommandResult<Option<TicketView>> {
    Ok(state.store()?.find_ticket(number.trim())?)
}

/// One ticket with its action history (T4) and what it allows now (T2-T5), from the
/// domain's state machine: the page has no copy of the rules.
#[tauri::command]
#[specta::specta]
pub async fn ticket_details(
    state: State<'_, AppState>,
    ticket: i64,
) -> CommandResult<(TicketView, Vec<TicketHistoryRow>, Vec<TicketCommand>)> {
    let store = state.store()?;
    let view = store
        .ticket(ticket)?
        .ok_or_else(|| CommandError::not_found("no such ticket"))?;
    let allowed = allowed_of(&view);
    Ok((view, store.ticket_history(ticket)?, allowed))
}

/// The commands a stored ticket allows (none for a state this app does not know).
fn allowed_of(view: &TicketView) -> Vec<TicketCommand> {
    let state =
        serde_json::from_value::<TicketState>(serde_json::Value::String(view.state.clone()));
    let queue = view
        .queue_id
        .and_then(|q| u64::try_from(q).ok())
        .map(QueueId);
    state.map_or_else(|_| Vec::new(), |state| allowed_commands(state, queue))
}

/// T2: the ticket queues of a line.
#[tauri::command]
#[specta::specta]
pub async fn ticket_queues(
    state: State<'_, AppState>,
    line_id: i64,
) -> CommandResult<Vec<TicketQueue>> {
    Ok(state.store()?.ticket_queues(line_id)?)
}

/// T2: the tickets waiting in a queue (for a worker).
#[tauri::command]
#[specta::specta]
pub async fn tickets_in_queue(
    state: State<'_, AppState>,
    queue: i64,
) -> CommandResult<Vec<TicketView>> {
    Ok(state.store()?.tickets_in_queue(queue)?)
}

/// What a ticket action does (T2-T5); each goes through the outbox.
#[derive(Debug, Clone, serde::Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TicketAction {
    /// T3: keep it in the folder only (no queue works on it).
    Save,
    Dispatch {
        queue: i64,
    },
    Take,
    Reject {
        reason: String,
    },
    Forward {
        queue: i64,
    },
    Comment {
        text: String,
    },
    Repeat {
        comment: String,
        client_insists: bool,
    },
    Close,
    /// T4: a returned ticket fixed by closing it and registering a new one.
    CloseAndRecreate {
        subject: String,
        text: String,
    },
    /// T4 (seed 004): the client disputes a closed ticket: their appeal goes to the line the
    /// ticket's queue names.
    Dispute {
        reason: String,
    },
}

#[tauri::command]
#[specta::specta]
pub async fn ticket_action(
    state: State<'_, AppState>,
    ticket: i64,
    action: TicketAction,
) -> CommandResult<()> {
    let now = now_ms();
    {
        let store = state.store()?;
        match action {
            TicketAction::Save => store.save_ticket(ticket, now)?,
            TicketAction::Dispatch { queue } => store.dispatch_ticket(ticket, queue, now)?,
            TicketAction::Take => store.take_ticket(ticket, now)?,
            TicketAction::Reject { reason } => store.reject_ticket(ticket, &reason, now)?,
            TicketAction::Forward { queue } => store.forward_ticket(ticket, queue, now)?,
            TicketAction::Comment { text } => store.comment_ticket(ticket, &text, now)?,
            TicketAction::Repeat {
                comment,
                client_insists,
            } => store.repeat_ticket(ticket, &comment, client_insists, now)?,
            TicketAction::Close => store.close_ticket(ticket, now)?,
            TicketAction::CloseAndRecreate { subject, text } => {
                store.close_and_recreate_ticket(ticket, &subject, &text, now)?
            }
            TicketAction::Dispute { reason } => store.dispute_ticket(ticket, &reason, now)?,
        }
    }
    state.nudge();
    Ok(())
}

/// Largest file the chat sends (the server's cap).
const MAX_FILE_BYTES: usize = linedesk_protocol::MAX_FILE_BYTES;

/// A1: send a file to the client's chat. Kept in the store until the server has it (nothing
/// is lost offline); `base64` is the file's bytes.
#[tauri::command]
#[specta::specta]
pub async fn send_file(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
    name: String,
    base64: String,
    confirmed: bool,
) -> CommandResult<()> {
    use base64::Engine as _;
    if base64.len() > MAX_FILE_BYTES / 3 * 4 + 8 {
        return Err(CommandError::invalid(
            "file",
            format!("a file is at most {} MB", MAX_FILE_BYTES / 1024 / 1024),
        ));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(base64.as_bytes())
        .map_err(|_| CommandError::invalid("file", "the file could not be read"))?;
    {
        let store = state.store()?;
        // C9: past a colleague's hold only after the warning.
        crate::collision::past_hold(&store, line_id, client_id, confirmed)?;
        store.queue_upload_as(
            line_id,
            client_id,
            (name.as_str(), bytes.as_slice()),
            confirmed,
            now_ms(),
        )?;
    }
    state.nudge_uploads();
    Ok(())
}

/// The specialist's files to the client, sent or waiting (the chat shows the waiting ones).
#[tauri::command]
#[specta::specta]
pub async fn list_uploads(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
) -> CommandResult<Vec<UploadRow>> {
    Ok(state.store()?.uploads_of(line_id, client_id)?)
}

/// C9: a file the server held because a colleague took the client's appeal after it was
/// queued: the specialist, asked again, sends it anyway (`send`, with `confirmed`) or drops it.
#[tauri::command]
#[specta::specta]
pub async fn answer_held_upload(
    state: State<'_, AppState>,
    upload_id: i64,
    send: bool,
) -> CommandResult<()> {
    let store = state.store()?;
    if send {
        store.confirm_held_upload(upload_id)?;
        drop(store);
        state.nudge_uploads();
    } else {
        store.drop_held_upload(upload_id)?;
    }
    Ok(())
}

/// Fetch a chat file from the server and save it in the app's downloads folder; its path.
#[tauri::command]
#[specta::specta]
pub async fn download_file(
    state: State<'_, AppState>,
    file_id: i64,
    name: String,
) -> CommandResult<String> {
    let line = state
        .line()
        .map_err(|why| CommandError::unavailable(why.to_string()))?;
    let token = line
        .sync
        .token()
        .ok_or_else(|| CommandError::unavailable("not connected to the line server"))?;
    let file = u64::try_from(file_id).map_err(|_| CommandError::not_found("no such file"))?;
    let bytes = linedesk_sync::download_file(&line.http_config(), &token, file)
        .await
        .map_err(|e| CommandError::unavailable(e.to_string()))?;
    let safe = linedesk_protocol::sanitize_file_name(&name).unwrap_or_else(|| "file".into());
    let dir = state.data_dir().join("downloads");
    std::fs::create_dir_all(&dir).map_err(|e| CommandError::internal(e.to_string()))?;
    let path = dir.join(format!("{file_id}-{safe}"));
    std::fs::write(&path, bytes).map_err(|e| CommandError::internal(e.to_string()))?;
    Ok(path.display().to_string())
}

/// C8: keep a reply as a draft KB article of the line (through the outbox).
#[tauri::command]
#[specta::specta]
pub async fn save_kb_draft(
    state: State<'_, AppState>,
    line_id: i64,
    subject: String,
    text: String,
) -> CommandResult<()> {
    state
        .store()?
        .queue_kb_draft(line_id, &subject, &text, now_ms())?;
    state.nudge();
    Ok(())
}

/// Send the queued files whenever the session has a token; retried every few seconds.
pub fn spawn_upload_loop(state: &AppState) {
    let (Some(store), Ok(line)) = (state.shared_store(), state.line()) else {
        return;
    };
    let sync = line.sync.clone();
    let config = line.http_config();
    let wake = state.upload_wake();
    tauri::async_runtime::spawn(async move {
        loop {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(3), wake.notified()).await;
            let Some(token) = sync.token() else { continue };
            if let Err(err) = linedesk_sync::upload_pending(&store, &config, &token, now_ms()).await
            {
                eprintln!("linedesk: files wait for the server: {err}");
            }
        }
    });
}

/// A7: the client's appeals on the line, oldest first (the chat's timeline).
#[tauri::command]
#[specta::specta]
pub async fn client_appeals(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
) -> CommandResult<Vec<AppealRecord>> {
    Ok(state.store()?.appeals_of(line_id, client_id)?)
}

/// A7: transfers and ratings of the client's appeals, oldest first (the chat's timeline).
#[tauri::command]
#[specta::specta]
pub async fn appeal_notes(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
) -> CommandResult<Vec<linedesk_store::AppealNote>> {
    Ok(state.store()?.appeal_notes_of(line_id, client_id)?)
}
