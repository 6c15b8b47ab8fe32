//! The Help panel's conversation as the staff line shows it to its client (the specialist):
//! folded from the client session's events, with what was typed and not yet acknowledged.
//! Pure: the session task feeds it frames; the commands read it.

use std::collections::{HashMap, HashSet};

use linedesk_protocol::{Event, ServerFrame};
use serde::Serialize;

/// At most this many messages are kept (the oldest go first).
pub const MAX_HELP_MESSAGES: usize = 1000;

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
    /// The staff line and this specialist's client on it (0 before the first answer).
    pub line: i64,
    pub client: i64,
    /// The client session is signed in and caught up.
    pub connected: bool,
    /// An appeal of this specialist's is open on the staff line.
    pub appeal_open: bool,
    pub messages: Vec<HelpMessage>,
    pub pending: Vec<HelpPending>,
}

/// The conversation and the last event number seen (the cursor of the next subscription).
#[derive(Debug, Default)]
pub struct Conversation {
    pub view: HelpView,
    pub cursor: u64,
    /// The answering specialists' names, as fetched.
    names: HashMap<u64, String>,
    /// The specialists whose names were asked for (once each).
    asked: HashSet<u64>,
}

impl Conversation {
    /// Fold one frame of the client session in.
    pub fn apply(&mut self, frame: ServerFrame) {
        match frame {
            ServerFrame::Event {
                seq, at_ms, event, ..
            } => {
                if seq <= self.cursor {
                    return;
                }
                self.cursor = seq;
                self.event(seq, at_ms, event);
            }
            ServerFrame::CaughtUp { seq, .. } => {
                self.cursor = self.cursor.max(seq);
                self.view.connected = true;
            }
            ServerFrame::Ack { key, .. } => {
                // The message's event came before its Ack (the hub publishes, then answers).
                self.view.pending.retain(|p| p.key != key);
            }
            ServerFrame::Error {
                code,
                key: Some(key),
                ..
            } => {
                let code = serde_json::to_value(code)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_else(|| "internal".into());
                if let Some(p) = self.view.pending.iter_mut().find(|p| p.key == key) {
                    p.refused = Some(code);
                }
            }
            _ => {}
        }
    }

    fn event(&mut self, seq: u64, at_ms: i64, event: Event) {
        let me = u64::try_from(self.view.client).unwrap_or(0);
        if event.client() != Some(me) {
            return;
        }
        match event {
            Event::MessagePosted {
                from_specialist,
                text,
                ..
            } => {
                self.view.messages.push(HelpMessage {
                    seq: i64::try_from(seq).unwrap_or(i64::MAX),
                    at_ms,
                    mine: from_specialist.is_none(),
                    from_specialist: from_specialist.and_then(|s| i64::try_from(s).ok()),
                    from_name: from_specialist.and_then(|s| self.names.get(&s).cloned()),
                    text,
                });
                let over = self.view.messages.len().saturating_sub(MAX_HELP_MESSAGES);
                self.view.messages.drain(..over);
            }
            Event::AppealOpened { .. } | Event::AppealAssigned { .. } => {
                self.view.appeal_open = true;
            }
            Event::AppealFinished { .. } => self.view.appeal_open = false,
            _ => {}
        }
    }

    /// The answering specialists whose names are to be fetched now (each is asked for once).
    pub fn names_wanted(&mut self) -> Vec<u64> {
        let wanted: Vec<u64> = self
            .view
            .messages
            .iter()
            .filter_map(|m| m.from_specialist.and_then(|s| u64::try_from(s).ok()))
            .filter(|s| !self.names.contains_key(s) && !self.asked.contains(s))
            .collect::<HashSet<u64>>()
            .into_iter()
            .collect();
        self.asked.extend(wanted.iter().copied());
        wanted
    }

    /// W1: the staff line's specialist `specialist` is called `name`: their answers say so.
    pub fn named(&mut self, specialist: u64, name: String) {
        let id = i64::try_from(specialist).ok();
        for m in &mut self.view.messages {
            if m.from_specialist.is_some() && m.from_specialist == id {
                m.from_name = Some(name.clone());
            }
        }
        self.names.insert(specialist, name);
    }

    /// The messages typed and neither acknowledged nor refused, to send (again).
    pub fn unsent(&self) -> Vec<(String, String)> {
        self.view
            .pending
            .iter()
            .filter(|p| p.refused.is_none())
            .map(|p| (p.key.clone(), p.text.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(seq: u64, client: u64, from: Option<u64>, text: &str) -> ServerFrame {
        ServerFrame::Event {
            line: 2,
            seq,
            at_ms: 1000 + i64::try_from(seq).expect("small"),
            event: Event::MessagePosted {
                client,
                from_specialist: from,
                text: text.into(),
                appeal: Some(1),
                key: None,
            },
        }
    }

    #[test]
    fn only_this_clients_messages_once_each_and_pending_until_acknowledged() {
        let mut c = Conversation::default();
        c.view.client = 7;
        c.view.pending.push(HelpPending {
            key: "k1".into(),
            text: "Помогите".into(),
            refused: None,
        });
        c.apply(posted(3, 7, None, "Помогите"));
        c.apply(posted(3, 7, None, "Помогите"));
        c.apply(posted(4, 8, None, "чужое"));
        assert_eq!(c.unsent(), [("k1".to_string(), "Помогите".to_string())]);
        c.apply(ServerFrame::Ack {
            key: "k1".into(),
            duplicate: false,
        });
        c.apply(posted(5, 7, Some(2), "Перезапустите"));
        let texts: Vec<(&str, bool)> = c
            .view
            .messages
            .iter()
            .map(|m| (m.text.as_str(), m.mine))
            .collect();
        assert_eq!(texts, [("Помогите", true), ("Перезапустите", false)]);
        assert!(c.view.pending.is_empty());
        assert_eq!(c.cursor, 5);
    }

    #[test]
    fn w3_an_answer_shows_the_name_of_the_specialist_who_wrote_it_asked_for_once() {
        let mut c = Conversation::default();
        c.view.client = 7;
        c.apply(posted(3, 7, None, "Помогите"));
        c.apply(posted(4, 7, Some(2), "Перезапустите"));
        assert_eq!(c.names_wanted(), [2]);
        assert!(c.names_wanted().is_empty(), "asked once");
        c.named(2, "Борис Петров".into());
        c.apply(posted(5, 7, Some(2), "Помогло?"));
        let who: Vec<Option<&str>> = c
            .view
            .messages
            .iter()
            .map(|m| m.from_name.as_deref())
            .collect();
        assert_eq!(who, [None, Some("Борис Петров"), Some("Борис Петров")]);
        assert!(c.names_wanted().is_empty());
    }

    #[test]
    fn a_refused_message_stays_with_its_code_and_is_not_sent_again() {
        let mut c = Conversation::default();
        c.view.pending.push(HelpPending {
            key: "k1".into(),
            text: "x".into(),
            refused: None,
        });
        c.apply(ServerFrame::Error {
            code: linedesk_protocol::ErrorCode::TooLong,
            message: "too long".into(),
            key: Some("k1".into()),
            rule: None,
            field: Some("text".into()),
        });
        assert_eq!(c.view.pending[0].refused.as_deref(), Some("too_long"));
        assert!(c.unsent().is_empty());
    }
}
