//! The line's quick replies and knowledge base (C8), its closing settings (A4's phrases, A5's
//! auto-finish time) and its appeal types (S5), copied into the local store at every
//! connection with the session's token (`GET /api/lines/{line}/quick-replies`,
//! `GET /api/lines/{line}/kb`, `GET /api/lines/{line}/closing`,
//! `GET /api/lines/{line}/appeal-types`), so they work offline; and again when the server
//! says they changed (`ReferenceChanged`).

use std::sync::Mutex;

use http_body_util::Full;
use hyper::body::Bytes;
use linedesk_store::{KbArticle, QuickReply, ReplyFile, Store};
use serde::Deserialize;

use crate::SyncError;
use crate::connection::http;
use crate::endpoint::Connector;

#[derive(Debug, Deserialize)]
struct WireReply {
    title: String,
    text: String,
    /// A server before quick replies carried files sends none.
    #[serde(default)]
    files: Vec<linedesk_protocol::line_admin::QuickReplyFile>,
}

#[derive(Debug, Deserialize)]
struct WireArticle {
    id: u64,
    title: String,
    body: String,
}

async fn get<T: for<'de> Deserialize<'de>>(
    connector: &Connector,
    token: &str,
    path: &str,
) -> Result<T, SyncError> {
    let request = hyper::Request::get(path)
        .header(hyper::header::HOST, connector.endpoint().authority())
        .header(hyper::header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Full::new(Bytes::new()))
        .map_err(|e| SyncError::Unreachable(e.to_string()))?;
    let (status, bytes) = http(connector, request).await?;
    if !status.is_success() {
        return Err(SyncError::Protocol(format!("{path} answered {status}")));
    }
    serde_json::from_slice(&bytes).map_err(|e| SyncError::Protocol(format!("{path}: {e}")))
}

/// Copy every line's quick replies and knowledge base into the store (at each connection; and
/// by the app after its line admin changed them, so the change shows at once).
pub async fn refresh(
    connector: &Connector,
    token: &str,
    store: &Mutex<Store>,
    lines: &[u64],
) -> Result<(), SyncError> {
    for &line in lines {
        let replies: Vec<WireReply> = get(
            connector,
            token,
            &format!("/api/lines/{line}/quick-replies"),
        )
        .await?;
        let articles: Vec<WireArticle> =
            get(connector, token, &format!("/api/lines/{line}/kb")).await?;
        let closing: linedesk_protocol::LineClosing =
            get(connector, token, &format!("/api/lines/{line}/closing")).await?;
        let phrases = checked_phrases(closing.closing_phrases);
        let types: Vec<String> =
            get(connector, token, &format!("/api/lines/{line}/appeal-types")).await?;
        let types = checked_types(types);
        let replies: Vec<QuickReply> = replies
            .into_iter()
            .map(|r| QuickReply {
                title: r.title,
                text: r.text,
                files: r
                    .files
                    .into_iter()
                    .take(linedesk_protocol::line_admin::MAX_QUICK_REPLY_FILES)
                    .map(|f| ReplyFile {
                        id: i64::try_from(f.id).unwrap_or(i64::MAX),
                        name: f.name,
                        size: i64::try_from(f.size).unwrap_or(i64::MAX),
                    })
                    .collect(),
            })
            .collect();
        let articles: Vec<KbArticle> = articles
            .into_iter()
            .map(|a| KbArticle {
                id: i64::try_from(a.id).unwrap_or(i64::MAX),
                title: a.title,
                body: a.body,
            })
            .collect();
        let line = i64::try_from(line).unwrap_or(i64::MAX);
        let s = store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        s.replace_quick_replies(line, &replies)?;
        s.replace_kb(line, &articles)?;
        s.replace_closing(line, &phrases, closing.auto_finish_minutes)?;
        s.replace_appeal_types(line, &types)?;
    }
    Ok(())
}

/// S5: the line's appeal types as the store keeps them, checked at the boundary: each within
/// the wire's length, at most a level's worth of conditions in all.
pub(crate) fn checked_types(types: Vec<String>) -> Vec<String> {
    types
        .into_iter()
        .filter(|t| {
            !t.trim().is_empty()
                && linedesk_protocol::check_chars("", t, linedesk_protocol::MAX_APPEAL_KIND_CHARS)
                    .is_ok()
        })
        .take(MAX_APPEAL_TYPES)
        .collect()
}

/// At most this many appeal types of a line are kept (a bound on what a server may send).
const MAX_APPEAL_TYPES: usize = 200;

/// A4: what the store keeps of the line's closing phrases is checked here, at the boundary,
/// like a message: each within its length, at most the domain's number.
pub(crate) fn checked_phrases(phrases: Vec<String>) -> Vec<String> {
    phrases
        .into_iter()
        .filter(|p| {
            linedesk_protocol::check_chars("", p, linedesk_protocol::MAX_CLOSING_PHRASE_CHARS)
                .is_ok()
        })
        .take(linedesk_domain::appeal::closing::MAX_CLOSING_PHRASES)
        .collect()
}
