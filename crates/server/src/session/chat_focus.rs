//! C9 in a session: the chat its specialist has open and whether they type
//! (`ClientFrame::ChatFocus`, checked and rate-limited here, kept by
//! [`crate::chat_watch::ChatWatch`]), and the lists of watchers of that chat sent back
//! (`ServerFrame::ChatWatchers`). Nothing here reaches storage or a line's log.

use linedesk_protocol::{ChatRef, ErrorCode, Role, ServerFrame};

use super::{Closed, Session};
use crate::chat_watch::{FOCUS_BURST, FOCUS_PER_SECOND, WatchersUpdate};
use crate::rate_limit::RateLimit;
use crate::storage::Subject;

/// A session's place in the server's chat presence.
pub(super) struct Watching {
    pub(super) id: u64,
    gate: RateLimit,
    /// The chat it has open now.
    focus: Option<ChatRef>,
}

impl Watching {
    pub(super) fn new(id: u64) -> Watching {
        Watching {
            id,
            gate: RateLimit::new(FOCUS_BURST, FOCUS_PER_SECOND),
            focus: None,
        }
    }
}

impl Session {
    pub(super) async fn chat_focus(
        &mut self,
        subject: Subject,
        chat: Option<ChatRef>,
        typing: bool,
    ) -> Result<(), Closed> {
        if subject.role != Role::Specialist {
            return self
                .error(ErrorCode::Forbidden, "only specialists open chats", None)
                .await;
        }
        if let Some(chat) = chat
            && !self.lines.contains(&chat.line)
        {
            let message = format!("line {} is not one you serve", chat.line);
            return self.error(ErrorCode::Forbidden, message, None).await;
        }
        if !self.watching.gate.allow() {
            return self
                .error(ErrorCode::RateLimited, "chat focus changes too often", None)
                .await;
        }
        self.watching.focus = chat;
        self.server
            .chat_watch
            .focus(self.watching.id, subject.id, chat, typing);
        Ok(())
    }

    /// A chat's watchers changed: told when it is this session's open chat on a line it still
    /// serves.
    pub(super) async fn on_watchers(&mut self, update: &WatchersUpdate) -> Result<(), Closed> {
        if self.watching.focus != Some(update.chat) {
            return Ok(());
        }
        if !self.lines.contains(&update.chat.line) {
            // The line was taken away meanwhile: the chat is closed for good.
            self.watching.focus = None;
            self.server.chat_watch.leave(self.watching.id);
            return Ok(());
        }
        self.send(ServerFrame::ChatWatchers {
            line: update.chat.line,
            client: update.chat.client,
            watchers: update.watchers.clone(),
        })
        .await
    }
}
