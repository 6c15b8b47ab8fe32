//! R1: the Reports view (Alt+4). Each report is asked from the line server
//! (`GET /api/lines/{line}/reports/...` with the session's token), which computes it over its
//! own storage and decides what the specialist may see (a supervisor of the line: everyone;
//! anyone else: their own figures). The app keeps no copy: a report is read when shown.

use linedesk_protocol::encode_query_value;
use linedesk_protocol::reports::{
    CallReport, MonitorReport, OperatorReport, ReportAccess, SlaReport,
};
use tauri::State;

use crate::error::{CommandError, CommandResult};
use crate::line_http::id;
use crate::state::AppState;

async fn fetch<T: serde::de::DeserializeOwned>(state: &AppState, path: String) -> CommandResult<T> {
    crate::line_http::get(state, path).await
}

/// The query of a period report: the period, and the specialist and level when chosen.
fn period_path(
    line: i64,
    report: &str,
    from_ms: i64,
    to_ms: i64,
    specialist: Option<i64>,
    level: Option<&str>,
) -> CommandResult<String> {
    let line = id("line", line)?;
    let mut path = format!("/api/lines/{line}/reports/{report}?from_ms={from_ms}&to_ms={to_ms}");
    if let Some(s) = specialist {
        path.push_str(&format!("&specialist={}", id("specialist", s)?));
    }
    if let Some(level) = level.filter(|l| !l.is_empty()) {
        path.push_str(&format!("&level={}", encode_query_value(level)));
    }
    Ok(path)
}

/// The lines the specialist serves, each with whether they supervise it.
#[tauri::command]
#[specta::specta]
pub async fn report_lines(state: State<'_, AppState>) -> CommandResult<ReportAccess> {
    fetch(&state, "/api/reports/lines".into()).await
}

/// S6: SLA compliance of `line`'s appeals opened in `[from_ms, to_ms)`.
#[tauri::command]
#[specta::specta]
pub async fn report_sla(
    state: State<'_, AppState>,
    line: i64,
    from_ms: i64,
    to_ms: i64,
    specialist: Option<i64>,
    level: Option<String>,
    appeal_type: Option<String>,
) -> CommandResult<SlaReport> {
    let mut path = period_path(line, "sla", from_ms, to_ms, specialist, level.as_deref())?;
    // S5: the appeals of one type only.
    if let Some(kind) = appeal_type.filter(|t| !t.is_empty()) {
        path.push_str(&format!("&appeal_type={}", encode_query_value(&kind)));
    }
    fetch(&state, path).await
}

/// A6: operator statistics of the period.
#[tauri::command]
#[specta::specta]
pub async fn report_operators(
    state: State<'_, AppState>,
    line: i64,
    from_ms: i64,
    to_ms: i64,
    specialist: Option<i64>,
) -> CommandResult<OperatorReport> {
    let path = period_path(line, "operators", from_ms, to_ms, specialist, None)?;
    fetch(&state, path).await
}

/// Calls of the period with their quality.
#[tauri::command]
#[specta::specta]
pub async fn report_calls(
    state: State<'_, AppState>,
    line: i64,
    from_ms: i64,
    to_ms: i64,
    specialist: Option<i64>,
) -> CommandResult<CallReport> {
    let path = period_path(line, "calls", from_ms, to_ms, specialist, None)?;
    fetch(&state, path).await
}

/// The line now (supervisors only): presence and load, the queue.
#[tauri::command]
#[specta::specta]
pub async fn report_monitor(state: State<'_, AppState>, line: i64) -> CommandResult<MonitorReport> {
    let line = id("line", line)?;
    fetch(&state, format!("/api/lines/{line}/reports/monitor")).await
}

/// Issue 15: the SLA of `appeal` of `line` explained by the line server (the level and why,
/// each deadline's working-time segments, the waits, what-if the client answers now); the SLA
/// badge of the info panel opens it.
#[tauri::command]
#[specta::specta]
pub async fn appeal_sla(
    state: State<'_, AppState>,
    line: i64,
    appeal: i64,
) -> CommandResult<linedesk_protocol::sla_explain::AppealSla> {
    let (line, appeal) = (id("line", line)?, id("appeal", appeal)?);
    fetch(&state, format!("/api/lines/{line}/appeals/{appeal}/sla")).await
}

/// Largest CSV the page may save: a report's tables hold at most a thousand rows each.
const MAX_CSV_BYTES: usize = 16 * 1024 * 1024;

/// Save a table of a report as CSV (built by the page, `ui/src/lib/reports/csv.ts`) in the
/// data dir's `exports/`, as chat files go to `downloads/`; returns the file's path.
#[tauri::command]
#[specta::specta]
pub async fn save_csv(
    state: State<'_, AppState>,
    file_name: String,
    text: String,
) -> CommandResult<String> {
    if text.len() > MAX_CSV_BYTES {
        return Err(CommandError::invalid(
            "text",
            "the table is too large to save",
        ));
    }
    let name = csv_name(&file_name)?;
    let dir = state.data_dir().join("exports");
    std::fs::create_dir_all(&dir).map_err(|e| CommandError::internal(e.to_string()))?;
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|e| CommandError::internal(e.to_string()))?;
    Ok(path.display().to_string())
}

/// A safe file name ending in `.csv`.
fn csv_name(asked: &str) -> CommandResult<String> {
    let name = linedesk_protocol::sanitize_file_name(asked)
        .ok_or_else(|| CommandError::invalid("fileName", "not a file name"))?;
    Ok(if name.to_lowercase().ends_with(".csv") {
        name
    } else {
        format!("{name}.csv")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_query_names_only_what_was_chosen() {
        assert_eq!(
            period_path(3, "sla", 10, 20, None, None).expect("path"),
            "/api/lines/3/reports/sla?from_ms=10&to_ms=20"
        );
        assert_eq!(
            period_path(3, "sla", 10, 20, Some(7), Some("VIP клиенты")).expect("path"),
            "/api/lines/3/reports/sla?from_ms=10&to_ms=20&specialist=7&level=VIP%20%D0%BA%D0%BB%D0%B8%D0%B5%D0%BD%D1%82%D1%8B"
        );
        assert!(period_path(-1, "sla", 10, 20, None, None).is_err());
    }

    #[test]
    fn csv_files_keep_a_safe_name() {
        assert_eq!(csv_name("sla-2026").expect("name"), "sla-2026.csv");
        assert_eq!(csv_name("../../etc/x.CSV").expect("name"), "x.CSV");
        assert!(csv_name("").is_err());
    }
}
