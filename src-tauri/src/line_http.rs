//! Requests of the line server's HTTP routes with the session's token (reports, line
//! administration): the answer's JSON, or the server's refusal as the boundary's error with
//! its code, field and rule kept for the page to translate.

use linedesk_engine::{Bare, Connector};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{CommandError, CommandResult, ErrorCode};
use crate::state::AppState;

/// A refusal of the server (`crates/server/src/http/error.rs`'s body).
#[derive(serde::Deserialize)]
struct Refusal {
    code: linedesk_protocol::ErrorCode,
    message: String,
    #[serde(default)]
    field: Option<String>,
    #[serde(default)]
    rule: Option<String>,
}

/// The server's refusal as the boundary's error: who may not see it, what was wrong with the
/// question, or that the server cannot answer now.
pub(crate) fn refused(status: u16, body: &[u8]) -> CommandError {
    use linedesk_protocol::ErrorCode as Wire;
    let Ok(r) = serde_json::from_slice::<Refusal>(body) else {
        return CommandError::unavailable(format!("the line server answered {status}"));
    };
    let code = match r.code {
        Wire::Forbidden => ErrorCode::Forbidden,
        Wire::Invalid if status == 404 => ErrorCode::NotFound,
        // A title taken, said with its rule and field: the admin changes what they typed.
        Wire::Invalid | Wire::TooLong | Wire::BadFrame | Wire::Conflict => ErrorCode::Invalid,
        Wire::RateLimited => ErrorCode::RateLimited,
        _ => ErrorCode::Unavailable,
    };
    CommandError {
        code,
        message: r.message,
        field: r.field,
        rule: r.rule,
    }
}

pub(crate) fn connection(state: &AppState) -> CommandResult<(Connector, String)> {
    let calls = state.calls()?;
    let token = calls
        .token()
        .ok_or_else(|| CommandError::unavailable("not connected to the line server"))?;
    let connector = Connector::parse(&calls.server(), Bare::Plain, calls.ca_file())
        .map_err(|e| CommandError::unavailable(e.to_string()))?;
    Ok((connector, token))
}

fn answer<T: DeserializeOwned>(path: &str, status: u16, body: &[u8]) -> CommandResult<T> {
    if !(200..300).contains(&status) {
        return Err(refused(status, body));
    }
    serde_json::from_slice(body).map_err(|e| CommandError::internal(format!("{path}: {e}")))
}

/// `GET path`.
pub(crate) async fn get<T: DeserializeOwned>(state: &AppState, path: String) -> CommandResult<T> {
    let (connector, token) = connection(state)?;
    let (status, body) = linedesk_engine::get_with_token(&connector, &token, &path)
        .await
        .map_err(|e| CommandError::unavailable(e.to_string()))?;
    answer(&path, status, &body)
}

/// `method path` with `value` as the JSON body.
pub(crate) async fn send<T: DeserializeOwned>(
    state: &AppState,
    method: &str,
    path: String,
    value: &impl Serialize,
) -> CommandResult<T> {
    let json = serde_json::to_vec(value).map_err(|e| CommandError::internal(e.to_string()))?;
    send_bytes(state, method, path, "application/json", json).await
}

/// `method path` with `bytes` of `content_type` as the body.
pub(crate) async fn send_bytes<T: DeserializeOwned>(
    state: &AppState,
    method: &str,
    path: String,
    content_type: &str,
    bytes: Vec<u8>,
) -> CommandResult<T> {
    let (connector, token) = connection(state)?;
    let (status, body) =
        linedesk_engine::send_with_token(&connector, &token, (method, &path), content_type, bytes)
            .await
            .map_err(|e| CommandError::unavailable(e.to_string()))?;
    answer(&path, status, &body)
}

/// `GET path`'s bytes as they came (a file).
pub(crate) async fn get_bytes(state: &AppState, path: String) -> CommandResult<Vec<u8>> {
    let (connector, token) = connection(state)?;
    let (status, body) = linedesk_engine::get_with_token(&connector, &token, &path)
        .await
        .map_err(|e| CommandError::unavailable(e.to_string()))?;
    if !(200..300).contains(&status) {
        return Err(refused(status, &body));
    }
    Ok(body)
}

/// Copy `line`'s quick replies and knowledge base into the store again (after its admin
/// changed them here), as the sync does at each connection.
pub(crate) async fn refresh_reference(state: &AppState, line: u64) -> CommandResult<()> {
    let (connector, token) = connection(state)?;
    let store = state
        .shared_store()
        .ok_or_else(|| CommandError::internal("no store"))?;
    linedesk_sync::refresh_reference(&connector, &token, &store, &[line])
        .await
        .map_err(|e| CommandError::unavailable(e.to_string()))
}

/// A line's id from the page.
pub(crate) fn id(name: &str, value: i64) -> CommandResult<u64> {
    u64::try_from(value).map_err(|_| CommandError::invalid(name, "not an id"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_keeps_its_code_rule_and_field() {
        let body =
            br#"{"code":"forbidden","message":"not a supervisor","rule":"report.not_supervisor"}"#;
        let e = refused(403, body);
        assert_eq!(e.code, ErrorCode::Forbidden);
        assert_eq!(e.rule.as_deref(), Some("report.not_supervisor"));
        let e = refused(
            400,
            br#"{"code":"invalid","message":"bad","field":"levels.1.calendar","rule":"sla.notation"}"#,
        );
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::Invalid, Some("levels.1.calendar"))
        );
        assert_eq!(refused(502, b"<html>").code, ErrorCode::Unavailable);
    }
}
