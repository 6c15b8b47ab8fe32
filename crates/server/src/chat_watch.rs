//! C9: who has which client's chat open, and who is typing in it: live presence of the
//! specialists' sessions, kept in memory only (never in a line's log, gone with a restart).
//!
//! A specialist's session says which chat it has open (`ClientFrame::ChatFocus`); every
//! change is published to the sessions with the changed chat open as the chat's whole list
//! ([`WatchersUpdate`] -> `ServerFrame::ChatWatchers`). It ends when the session closes the chat,
//! opens another, or ends ([`ChatWatch::leave`], called when a session's loop ends, however
//! it ends). Bounds: one chat per session (sessions per account are capped), at most
//! [`MAX_CHAT_WATCHERS`] specialists listed per chat, and a session's focus changes pass a
//! small token bucket of their own (the session refuses the rest, `rate_limited`).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use linedesk_protocol::{ChatRef, ChatWatcher, MAX_CHAT_WATCHERS};
use tokio::sync::broadcast;

/// Focus changes a session may make at once, and per second after that (typing is told at
/// most every few seconds by the app; this only stops a flood).
pub const FOCUS_BURST: u32 = 10;
pub const FOCUS_PER_SECOND: u32 = 4;

/// Updates kept for sessions slow to read them; a session that lags loses the oldest (the
/// next update of a chat carries its whole list again).
const UPDATE_BUFFER: usize = 1024;

/// One chat's watchers after a change, for the sessions with that chat open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchersUpdate {
    pub chat: ChatRef,
    pub watchers: Vec<ChatWatcher>,
}

/// One session's open chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Focus {
    chat: ChatRef,
    specialist: u64,
    typing: bool,
}

#[derive(Default)]
struct State {
    by_session: HashMap<u64, Focus>,
    /// Per chat, its sessions: (specialist, typing).
    by_chat: HashMap<ChatRef, BTreeMap<u64, (u64, bool)>>,
}

impl State {
    fn remove(&mut self, session: u64) -> Option<Focus> {
        let old = self.by_session.remove(&session)?;
        if let Some(sessions) = self.by_chat.get_mut(&old.chat) {
            sessions.remove(&session);
            if sessions.is_empty() {
                self.by_chat.remove(&old.chat);
            }
        }
        Some(old)
    }

    /// Each specialist once (typing in any of their sessions), by id, at most the bound.
    fn watchers(&self, chat: ChatRef) -> Vec<ChatWatcher> {
        let mut by_specialist: BTreeMap<u64, bool> = BTreeMap::new();
        for (specialist, typing) in self.by_chat.get(&chat).into_iter().flat_map(|s| s.values()) {
            *by_specialist.entry(*specialist).or_default() |= *typing;
        }
        by_specialist
            .into_iter()
            .take(MAX_CHAT_WATCHERS)
            .map(|(specialist, typing)| ChatWatcher { specialist, typing })
            .collect()
    }
}

/// The server's live chat presence (one per server).
pub struct ChatWatch {
    state: Mutex<State>,
    updates: broadcast::Sender<Arc<WatchersUpdate>>,
    next_session: AtomicU64,
}

impl Default for ChatWatch {
    fn default() -> Self {
        ChatWatch {
            state: Mutex::default(),
            updates: broadcast::channel(UPDATE_BUFFER).0,
            next_session: AtomicU64::new(1),
        }
    }
}

impl ChatWatch {
    fn state(&self) -> MutexGuard<'_, State> {
        // Plain maps, each change made whole under the lock: usable after a panicking holder.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A new session's handle in this registry.
    pub fn session_id(&self) -> u64 {
        self.next_session.fetch_add(1, Ordering::Relaxed)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<WatchersUpdate>> {
        self.updates.subscribe()
    }

    /// `session` of `specialist` has `chat` open now (`None`: none), `typing` or not. Each
    /// chat whose list changed is published; the same focus again changes nothing.
    pub fn focus(&self, session: u64, specialist: u64, chat: Option<ChatRef>, typing: bool) {
        let changed = {
            let mut state = self.state();
            let new = chat.map(|chat| Focus {
                chat,
                specialist,
                typing,
            });
            if state.by_session.get(&session).copied() == new {
                return;
            }
            let old = state.remove(session);
            if let Some(new) = new {
                state.by_session.insert(session, new);
                state
                    .by_chat
                    .entry(new.chat)
                    .or_default()
                    .insert(session, (specialist, typing));
            }
            let mut chats: Vec<ChatRef> = old.map(|f| f.chat).into_iter().collect();
            if let Some(new) = new
                && !chats.contains(&new.chat)
            {
                chats.push(new.chat);
            }
            chats
                .into_iter()
                .map(|chat| WatchersUpdate {
                    chat,
                    watchers: state.watchers(chat),
                })
                .collect::<Vec<_>>()
        };
        for update in changed {
            // Nobody listening (no session) is fine.
            let _ = self.updates.send(Arc::new(update));
        }
    }

    /// The session ended (or lost the line): its chat is closed.
    pub fn leave(&self, session: u64) {
        self.focus(session, 0, None, false);
    }

    /// The watchers of `chat` now.
    pub fn watchers(&self, chat: ChatRef) -> Vec<ChatWatcher> {
        self.state().watchers(chat)
    }

    /// How many sessions have a chat open (for tests and the bound).
    pub fn open_chats(&self) -> usize {
        self.state().by_session.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHAT: ChatRef = ChatRef { line: 1, client: 7 };
    const OTHER: ChatRef = ChatRef { line: 1, client: 8 };

    fn watcher(specialist: u64, typing: bool) -> ChatWatcher {
        ChatWatcher { specialist, typing }
    }

    #[test]
    fn c9_opening_typing_and_leaving_publish_the_chat_s_whole_list() {
        let watch = ChatWatch::default();
        let mut updates = watch.subscribe();
        let (a, b, b2) = (watch.session_id(), watch.session_id(), watch.session_id());
        watch.focus(a, 10, Some(CHAT), false);
        watch.focus(b, 20, Some(CHAT), true);
        // Boris's second session, not typing: he is still typing (in the first).
        watch.focus(b2, 20, Some(CHAT), false);
        assert_eq!(
            watch.watchers(CHAT),
            [watcher(10, false), watcher(20, true)]
        );
        // The same focus again publishes nothing.
        watch.focus(a, 10, Some(CHAT), false);
        let mut seen = Vec::new();
        while let Ok(u) = updates.try_recv() {
            seen.push(u.watchers.len());
        }
        assert_eq!(seen, [1, 2, 2]);
        // Opening another chat leaves this one: both are published.
        watch.focus(b, 20, Some(OTHER), false);
        let first = updates.try_recv().expect("left");
        assert_eq!(
            (first.chat, first.watchers.clone()),
            (CHAT, vec![watcher(10, false), watcher(20, false)])
        );
        assert_eq!(updates.try_recv().expect("joined").chat, OTHER);
        for s in [a, b, b2] {
            watch.leave(s);
        }
        assert_eq!(watch.open_chats(), 0);
        assert!(watch.watchers(CHAT).is_empty());
    }

    #[test]
    fn c9_a_crowded_chat_lists_at_most_the_bound() {
        let watch = ChatWatch::default();
        for specialist in 0..(MAX_CHAT_WATCHERS as u64 + 5) {
            watch.focus(watch.session_id(), specialist, Some(CHAT), false);
        }
        assert_eq!(watch.watchers(CHAT).len(), MAX_CHAT_WATCHERS);
    }
}
