//! Wire types of the workstation (issue 6): what opened an appeal (A1), files in a chat and
//! drafts of knowledge-base articles (C8).
//!
//! Files travel over HTTP, not the WebSocket (frames are capped at [`crate::MAX_FRAME_BYTES`]):
//! `POST /api/files?name=..&key=..` (a client, to their line) or
//! `POST /api/lines/{line}/clients/{client}/files?name=..&key=..` (a specialist), raw body,
//! answered with a [`SharedFile`]; `GET /api/files/{id}` gives the bytes back.

use linedesk_domain::appeal::Channel;
use serde::{Deserialize, Serialize};

/// Largest file a chat carries, in bytes (HTTP 413 beyond).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// Longest file name kept, in characters (longer names are cut, keeping the extension).
pub const MAX_FILE_NAME_CHARS: usize = 120;

/// A1: what opened an appeal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppealChannel {
    /// A message (and every appeal of a log older than this field).
    #[default]
    Chat,
    Call,
    Remote,
    File,
    /// Started by a specialist by hand.
    Manual,
}

impl AppealChannel {
    /// The code the app's store keeps and the UI translates.
    pub fn code(self) -> &'static str {
        match self {
            AppealChannel::Chat => "chat",
            AppealChannel::Call => "call",
            AppealChannel::Remote => "remote",
            AppealChannel::File => "file",
            AppealChannel::Manual => "manual",
        }
    }
}

impl From<AppealChannel> for Channel {
    fn from(c: AppealChannel) -> Channel {
        match c {
            AppealChannel::Chat => Channel::Message,
            AppealChannel::Call => Channel::Call,
            AppealChannel::Remote => Channel::RemoteSession,
            AppealChannel::File => Channel::File,
            AppealChannel::Manual => Channel::Manual,
        }
    }
}

/// The server's answer to a file upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedFile {
    /// The file's id: `GET /api/files/{file}`.
    pub file: u64,
    /// The name as kept (sanitised).
    pub name: String,
    pub size: u64,
    /// The appeal it belongs to (a client's file opens one).
    pub appeal: Option<u64>,
    /// The same `key` was uploaded before: this is that file, nothing new was stored.
    pub duplicate: bool,
}

/// A specialist's draft of a KB article (C8: a reply saved as a draft), kept apart from the
/// published articles: never suggested to clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KbDraft {
    #[serde(default)]
    pub id: u64,
    pub subject: String,
    pub text: String,
    /// Who saved it (set by the server).
    #[serde(default)]
    pub specialist: u64,
    #[serde(default)]
    pub at_ms: i64,
}

/// A file name safe to keep and to offer for saving: the last path component only, control
/// characters dropped and characters Windows forbids written `_`, no leading dots,
/// at most [`MAX_FILE_NAME_CHARS`] characters (the extension kept). `None` when nothing
/// usable is left.
pub fn sanitize_file_name(raw: &str) -> Option<String> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| {
            if matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() || cleaned.chars().all(|c| c == '_') {
        return None;
    }
    if cleaned.chars().count() <= MAX_FILE_NAME_CHARS {
        return Some(cleaned.to_string());
    }
    let ext = cleaned
        .rsplit_once('.')
        .map(|(_, e)| e)
        .filter(|e| e.chars().count() <= 10)
        .map(|e| format!(".{e}"))
        .unwrap_or_default();
    let keep = MAX_FILE_NAME_CHARS - ext.chars().count();
    let stem: String = cleaned.chars().take(keep).collect();
    Some(format!("{}{ext}", stem.trim_end()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Action, Event};

    #[test]
    fn file_names_lose_paths_and_dangerous_characters() {
        assert_eq!(
            sanitize_file_name("../../etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(
            sanitize_file_name("C:\\Users\\a\\Отчёт 2026.xlsx").as_deref(),
            Some("Отчёт 2026.xlsx")
        );
        assert_eq!(
            sanitize_file_name("a<b>|c?.txt\n").as_deref(),
            Some("a_b__c_.txt")
        );
        assert_eq!(sanitize_file_name(".hidden").as_deref(), Some("hidden"));
        for empty in ["", "   ", "..", "/", "a/", "???"] {
            assert_eq!(sanitize_file_name(empty), None, "{empty:?}");
        }
        let long = format!("{}.pdf", "я".repeat(300));
        let kept = sanitize_file_name(&long).expect("kept");
        assert_eq!(kept.chars().count(), MAX_FILE_NAME_CHARS);
        assert!(kept.ends_with(".pdf"), "{kept}");
    }

    #[test]
    fn old_logs_decode_and_new_shapes_are_stable() {
        let old = r#"{"kind":"appeal_opened","appeal":1,"client":2}"#;
        assert_eq!(
            serde_json::from_str::<Event>(old).expect("old"),
            Event::AppealOpened {
                appeal: 1,
                client: 2,
                channel: AppealChannel::Chat
            }
        );
        let old_transfer = r#"{"kind":"transfer_appeal","appeal":1,"to":null,"reason":"r"}"#;
        assert!(matches!(
            serde_json::from_str::<Action>(old_transfer).expect("old"),
            Action::TransferAppeal { target: None, .. }
        ));
        let tier = r#"{"kind":"transfer_appeal","appeal":1,"to":null,"reason":"r","target":{"to":"tier","id":"second"}}"#;
        assert!(matches!(
            serde_json::from_str::<Action>(tier).expect("tier"),
            Action::TransferAppeal {
                target: Some(linedesk_domain::appeal::TransferTarget::Tier(
                    linedesk_domain::appeal::SupportTier::Second
                )),
                ..
            }
        ));
        let spam = Action::MarkSpam { appeal: 4 };
        assert_eq!(
            serde_json::to_string(&spam).expect("json"),
            r#"{"kind":"mark_spam","appeal":4}"#
        );
        let file = Event::FileShared {
            file: 9,
            client: 2,
            from_specialist: None,
            name: "a.pdf".into(),
            size: 3,
            appeal: Some(1),
        };
        assert!(file.shown_to_client());
        assert_eq!(file.client(), Some(2));
        let queue = Event::TicketQueueNamed {
            queue: 1,
            name: "Первая линия".into(),
        };
        assert_eq!(queue.client(), None);
    }
}
