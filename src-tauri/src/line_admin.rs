//! Line administration (issue 15, item 4): the Administration view of a line's admins. Every
//! check and the SLA preview are the line server's (`crates/server/src/http/line_admin.rs`,
//! the rules in `linedesk_line::line_admin`); the app sends what the admin typed and shows the
//! answer, and keeps no copy of what it edits.

use linedesk_protocol::line_admin::{
    AdminAccess, LevelCheck, LevelDraft, SlaLevels, TeamMember, TeamSettings,
};
use tauri::State;

use crate::error::CommandResult;
use crate::line_http::{get, id, send};
use crate::state::AppState;

/// The lines the signed-in specialist administers (none: no Administration view).
#[tauri::command]
#[specta::specta]
pub async fn admin_lines(state: State<'_, AppState>) -> CommandResult<AdminAccess> {
    get(&state, "/api/line-admin/lines".into()).await
}

/// S1, S5: `line`'s SLA levels in order, their calendars and times in the notation.
#[tauri::command]
#[specta::specta]
pub async fn admin_sla_levels(state: State<'_, AppState>, line: i64) -> CommandResult<SlaLevels> {
    let line = id("line", line)?;
    get(&state, format!("/api/lines/{line}/admin/sla")).await
}

/// One level as typed: its first problem (the field, the rule, the notation's item) or when an
/// appeal opened now would be due under it.
#[tauri::command]
#[specta::specta]
pub async fn admin_check_level(
    state: State<'_, AppState>,
    line: i64,
    level: LevelDraft,
) -> CommandResult<LevelCheck> {
    let line = id("line", line)?;
    send(
        &state,
        "POST",
        format!("/api/lines/{line}/admin/sla/check"),
        &level,
    )
    .await
}

/// Store `line`'s levels, all or nothing; a problem comes back as `invalid` naming the field
/// (`levels.2.calendar`) and the rule.
#[tauri::command]
#[specta::specta]
pub async fn admin_save_sla_levels(
    state: State<'_, AppState>,
    line: i64,
    levels: SlaLevels,
) -> CommandResult<SlaLevels> {
    let line = id("line", line)?;
    send(
        &state,
        "PUT",
        format!("/api/lines/{line}/admin/sla"),
        &levels,
    )
    .await
}

/// A2 and the roles of each specialist of `line`.
#[tauri::command]
#[specta::specta]
pub async fn admin_team(state: State<'_, AppState>, line: i64) -> CommandResult<Vec<TeamMember>> {
    let line = id("line", line)?;
    get(&state, format!("/api/lines/{line}/admin/specialists")).await
}

/// Set a specialist's priority, limit and roles on `line`; a refusal names the field and rule.
#[tauri::command]
#[specta::specta]
pub async fn admin_save_member(
    state: State<'_, AppState>,
    line: i64,
    specialist: i64,
    settings: TeamSettings,
) -> CommandResult<TeamMember> {
    let line = id("line", line)?;
    let specialist = id("specialist", specialist)?;
    let path = format!("/api/lines/{line}/admin/specialists/{specialist}");
    send(&state, "PUT", path, &settings).await
}
