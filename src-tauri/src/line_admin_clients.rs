//! C5 and T2 in the Administration view (issue 15, item 4): a line's admin finds, adds and
//! edits clients with their whole card, and adds and renames ticket queues, on the line server
//! (`crates/server/src/http/line_admin_clients.rs`, `line_admin_queues.rs` check them); the
//! line's apps get each card and queue name through the line's log.

use linedesk_protocol::ClientProfile;
use linedesk_protocol::line_admin::{AdminClient, AdminQueue, DisputeLine, NewQueue};
use tauri::State;

use crate::error::CommandResult;
use crate::line_http::{get, id, send};
use crate::state::AppState;

/// At most 50 clients of `line` whose name, company, INN or 1C-Connect ID holds the words.
#[tauri::command]
#[specta::specta]
pub async fn admin_clients(
    state: State<'_, AppState>,
    line: i64,
    query: String,
) -> CommandResult<Vec<AdminClient>> {
    let line = id("line", line)?;
    let q = linedesk_protocol::encode_query_value(&query);
    get(&state, format!("/api/lines/{line}/admin/clients?q={q}")).await
}

/// A new client (`client` absent) or client `client`'s card rewritten; a refusal names the
/// field and the rule.
#[tauri::command]
#[specta::specta]
pub async fn admin_save_client(
    state: State<'_, AppState>,
    line: i64,
    client: Option<i64>,
    card: ClientProfile,
) -> CommandResult<AdminClient> {
    let line = id("line", line)?;
    match client {
        None => {
            send(
                &state,
                "POST",
                format!("/api/lines/{line}/admin/clients"),
                &card,
            )
            .await
        }
        Some(c) => {
            let c = id("client", c)?;
            let path = format!("/api/lines/{line}/admin/clients/{c}");
            send(&state, "PUT", path, &card).await
        }
    }
}

/// T2: `line`'s ticket queues, the default one first.
#[tauri::command]
#[specta::specta]
pub async fn admin_queues(state: State<'_, AppState>, line: i64) -> CommandResult<Vec<AdminQueue>> {
    let line = id("line", line)?;
    get(&state, format!("/api/lines/{line}/admin/queues")).await
}

/// T2: a new ticket queue of `line`; a refusal names the field and the rule.
#[tauri::command]
#[specta::specta]
pub async fn admin_add_queue(
    state: State<'_, AppState>,
    line: i64,
    name: String,
) -> CommandResult<AdminQueue> {
    let line = id("line", line)?;
    let path = format!("/api/lines/{line}/admin/queues");
    send(&state, "POST", path, &NewQueue { name }).await
}

/// T4 (seed 004): disputes of queue `queue`'s closed tickets go to line `dispute_line` (none:
/// nowhere).
#[tauri::command]
#[specta::specta]
pub async fn admin_set_dispute_line(
    state: State<'_, AppState>,
    line: i64,
    queue: i64,
    dispute_line: Option<i64>,
) -> CommandResult<AdminQueue> {
    let line = id("line", line)?;
    let queue = id("queue", queue)?;
    let dispute = dispute_line.map(|l| id("dispute_line", l)).transpose()?;
    let path = format!("/api/lines/{line}/admin/queues/{queue}/dispute-line");
    send(&state, "PUT", path, &DisputeLine { line: dispute }).await
}

/// T2: queue `queue` of `line` renamed; a refusal names the field and the rule.
#[tauri::command]
#[specta::specta]
pub async fn admin_rename_queue(
    state: State<'_, AppState>,
    line: i64,
    queue: i64,
    name: String,
) -> CommandResult<AdminQueue> {
    let line = id("line", line)?;
    let queue = id("queue", queue)?;
    let path = format!("/api/lines/{line}/admin/queues/{queue}");
    send(&state, "PUT", path, &NewQueue { name }).await
}
