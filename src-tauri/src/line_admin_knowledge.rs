//! C8 in the Administration view (issue 15, item 4): a line's admin keeps its quick replies
//! (with files) and KB articles on the line server (`crates/server/src/http/
//! line_admin_knowledge.rs` checks and stores them); after each change the app copies the
//! line's replies and KB into its store again, so the admin's chats use them at once. And any
//! specialist sends a quick reply's files into a chat.

use base64::Engine as _;
use linedesk_protocol::line_admin::{AdminArticle, ArticleDraft, QuickReplies, QuickReplyFile};
use tauri::State;

use crate::error::{CommandError, CommandResult};
use crate::line_http::{get, get_bytes, id, refresh_reference, send, send_bytes};
use crate::state::AppState;

/// Largest file a quick reply carries (the server's cap).
const MAX_FILE_BYTES: usize = linedesk_protocol::MAX_FILE_BYTES;

/// `line`'s quick replies in order, with their files.
#[tauri::command]
#[specta::specta]
pub async fn admin_quick_replies(
    state: State<'_, AppState>,
    line: i64,
) -> CommandResult<QuickReplies> {
    let line = id("line", line)?;
    get(&state, format!("/api/lines/{line}/admin/quick-replies")).await
}

/// Store `line`'s quick replies, all or nothing (`invalid` naming `replies.N.title` and the
/// rule); the local copy follows.
#[tauri::command]
#[specta::specta]
pub async fn admin_save_quick_replies(
    state: State<'_, AppState>,
    line: i64,
    replies: QuickReplies,
) -> CommandResult<QuickReplies> {
    let line = id("line", line)?;
    let path = format!("/api/lines/{line}/admin/quick-replies");
    let saved = send(&state, "PUT", path, &replies).await?;
    refresh_reference(&state, line).await?;
    Ok(saved)
}

/// Keep a file for `line`'s quick replies (`base64` its bytes); it is carried by the replies
/// that name it once they are saved.
#[tauri::command]
#[specta::specta]
pub async fn admin_upload_reply_file(
    state: State<'_, AppState>,
    line: i64,
    name: String,
    base64: String,
) -> CommandResult<QuickReplyFile> {
    let line = id("line", line)?;
    if base64.len() > MAX_FILE_BYTES / 3 * 4 + 8 {
        return Err(CommandError::invalid(
            "file",
            format!("a file is at most {} MB", MAX_FILE_BYTES / 1024 / 1024),
        ));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(base64.as_bytes())
        .map_err(|_| CommandError::invalid("file", "the file could not be read"))?;
    let name = linedesk_protocol::sanitize_file_name(&name)
        .ok_or_else(|| CommandError::invalid("name", "not a file name"))?;
    let path = format!(
        "/api/lines/{line}/admin/quick-reply-files?name={}",
        linedesk_protocol::encode_query_value(&name)
    );
    send_bytes(&state, "POST", path, "application/octet-stream", bytes).await
}

/// Every KB article of `line`, by title.
#[tauri::command]
#[specta::specta]
pub async fn admin_kb_articles(
    state: State<'_, AppState>,
    line: i64,
) -> CommandResult<Vec<AdminArticle>> {
    let line = id("line", line)?;
    get(&state, format!("/api/lines/{line}/admin/kb")).await
}

/// A new KB article (`article` absent) or article `article` rewritten; the local copy follows.
#[tauri::command]
#[specta::specta]
pub async fn admin_save_article(
    state: State<'_, AppState>,
    line: i64,
    article: Option<i64>,
    draft: ArticleDraft,
) -> CommandResult<AdminArticle> {
    let line = id("line", line)?;
    let saved = match article {
        None => {
            send(
                &state,
                "POST",
                format!("/api/lines/{line}/admin/kb"),
                &draft,
            )
            .await?
        }
        Some(a) => {
            let a = id("article", a)?;
            send(
                &state,
                "PUT",
                format!("/api/lines/{line}/admin/kb/{a}"),
                &draft,
            )
            .await?
        }
    };
    refresh_reference(&state, line).await?;
    Ok(saved)
}

/// Delete KB article `article` of `line`; the local copy follows.
#[tauri::command]
#[specta::specta]
pub async fn admin_delete_article(
    state: State<'_, AppState>,
    line: i64,
    article: i64,
) -> CommandResult<()> {
    let line = id("line", line)?;
    let article = id("article", article)?;
    let path = format!("/api/lines/{line}/admin/kb/{article}");
    let _: serde_json::Value =
        send_bytes(&state, "DELETE", path, "application/json", Vec::new()).await?;
    refresh_reference(&state, line).await?;
    Ok(())
}

/// C8: send a quick reply's file into the client's chat: fetched from the line server, then
/// queued like any file the specialist sends (kept in the store until the server has it).
#[tauri::command]
#[specta::specta]
pub async fn send_reply_file(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
    file_id: i64,
    name: String,
    confirmed: bool,
) -> CommandResult<()> {
    let line = id("line", line_id)?;
    let file = id("file", file_id)?;
    let name = linedesk_protocol::sanitize_file_name(&name)
        .ok_or_else(|| CommandError::invalid("name", "not a file name"))?;
    // C9: past a colleague's hold only after the warning.
    crate::collision::past_hold(&*state.store()?, line_id, client_id, confirmed)?;
    let bytes = get_bytes(
        &state,
        format!("/api/lines/{line}/quick-reply-files/{file}"),
    )
    .await?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(CommandError::invalid("file", "the file is too large"));
    }
    state.store()?.queue_upload_as(
        line_id,
        client_id,
        (name.as_str(), bytes.as_slice()),
        confirmed,
        crate::commands::now_ms(),
    )?;
    state.nudge_uploads();
    Ok(())
}
