//! C9 over the sync session: the chat this app has open and whether its specialist types
//! (sent as `ClientFrame::ChatFocus` when it changes and again after every reconnect: the
//! server forgets a session's focus when it ends), and who else has it open
//! (`ServerFrame::ChatWatchers`, kept for the UI to read). Live only: nothing reaches the store.

use linedesk_protocol::{ChatRef, ChatWatcher, ServerFrame};
use tokio::sync::watch;

/// What the app has open now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Focus {
    pub chat: Option<ChatRef>,
    pub typing: bool,
}

/// Who has a chat open, as the server last said (this specialist included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watchers {
    pub chat: ChatRef,
    pub watchers: Vec<ChatWatcher>,
}

/// The app's side of C9, shared by the handle and the session.
pub(crate) struct ChatPresence {
    pub(crate) focus: watch::Sender<Focus>,
    seen: watch::Sender<Option<Watchers>>,
}

impl Default for ChatPresence {
    fn default() -> Self {
        ChatPresence {
            focus: watch::channel(Focus::default()).0,
            seen: watch::channel(None).0,
        }
    }
}

impl ChatPresence {
    /// The app opened `chat` (or none), typing or not; a change is sent when connected.
    pub(crate) fn set_focus(&self, chat: Option<ChatRef>, typing: bool) {
        self.focus.send_if_modified(|focus| {
            let new = Focus { chat, typing };
            let changed = *focus != new;
            *focus = new;
            changed
        });
        if chat.is_none() {
            self.seen.send_replace(None);
        }
    }

    /// The watchers of the chat open now, if the server said.
    pub(crate) fn watchers(&self) -> Option<Watchers> {
        let chat = self.focus.borrow().chat?;
        self.seen.borrow().clone().filter(|w| w.chat == chat)
    }

    /// A session ended: who else is there is unknown until the next one says.
    pub(crate) fn forget(&self) {
        self.seen.send_replace(None);
    }

    /// Keep a `ChatWatchers` frame (`None` back); any other frame is handed back as it was.
    pub(crate) fn take(&self, frame: Option<ServerFrame>) -> Option<ServerFrame> {
        match frame {
            Some(ServerFrame::ChatWatchers {
                line,
                client,
                watchers,
            }) => {
                self.seen.send_replace(Some(Watchers {
                    chat: ChatRef { line, client },
                    watchers,
                }));
                None
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c9_watchers_of_another_chat_than_the_open_one_are_not_shown() {
        let p = ChatPresence::default();
        let chat = ChatRef { line: 1, client: 2 };
        p.set_focus(Some(chat), false);
        let frame = |client| ServerFrame::ChatWatchers {
            line: 1,
            client,
            watchers: vec![ChatWatcher {
                specialist: 9,
                typing: true,
            }],
        };
        assert_eq!(p.take(Some(frame(2))), None);
        assert_eq!(p.watchers().map(|w| w.watchers.len()), Some(1));
        assert_eq!(p.take(Some(frame(3))), None);
        assert_eq!(p.watchers(), None, "the last list was of another chat");
        let pong = ServerFrame::Pong { id: 1 };
        assert_eq!(p.take(Some(pong.clone())), Some(pong));
        p.set_focus(None, false);
        assert_eq!(p.watchers(), None);
    }
}
