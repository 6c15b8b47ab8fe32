//! What the Help panel shows: the store's kept conversation (`linedesk_store::staff_help`) and
//! whether its session is signed in now.

use linedesk_store::staff_help::HelpConversation;
use serde::Serialize;

/// One message of the Help conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct HelpMessage {
    /// The staff line's event number (the order).
    pub seq: i64,
    pub at_ms: i64,
    /// Written by this specialist (as the staff line's client).
    pub mine: bool,
    /// The staff line's specialist who answered (`None`: this specialist's own message).
    pub from_specialist: Option<i64>,
    /// Their name as the staff line shows it to its clients (W1), once fetched.
    pub from_name: Option<String>,
    pub text: String,
}

/// A message typed into the Help panel, not yet acknowledged by the staff line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct HelpPending {
    pub key: String,
    pub text: String,
    /// The wire's error code when the line refused it (`too_long`, ...): not sent again.
    pub refused: Option<String>,
}

/// What the Help panel shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct HelpView {
    /// The staff line and this specialist's client on it (0 before the server first gave them).
    pub line: i64,
    pub client: i64,
    /// The Help session runs (it may be reconnecting); `false`: open it again.
    pub running: bool,
    /// The client session is signed in and caught up.
    pub connected: bool,
    /// An appeal of this specialist's is open on the staff line.
    pub appeal_open: bool,
    pub messages: Vec<HelpMessage>,
    pub pending: Vec<HelpPending>,
}

impl HelpView {
    pub fn of(kept: HelpConversation, running: bool, connected: bool) -> HelpView {
        HelpView {
            line: kept.line,
            client: kept.client,
            running,
            connected,
            appeal_open: kept.appeal_open,
            messages: kept
                .messages
                .into_iter()
                .map(|m| HelpMessage {
                    seq: m.seq,
                    at_ms: m.at_ms,
                    mine: m.from_specialist.is_none(),
                    from_specialist: m.from_specialist,
                    from_name: m.from_name,
                    text: m.text,
                })
                .collect(),
            pending: kept
                .pending
                .into_iter()
                .map(|p| HelpPending {
                    key: p.key,
                    text: p.text,
                    refused: p.refused,
                })
                .collect(),
        }
    }
}
