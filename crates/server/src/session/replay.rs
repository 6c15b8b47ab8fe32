//! A line's replay from storage: everything after the session's cursor, a page per turn of the
//! session's loop (incoming frames, live events and pings take turns with it), then `CaughtUp`.
//!
//! While one page is sent, the next is read from storage (a full page means more may follow):
//! the app's first sync of a large line waited for each read after each page before (issue 16,
//! item 5: BENCHMARKS.md). A page's frames are fed to the socket and flushed once. A prefetched
//! page is used only when it starts at the cursor the line has when its turn comes (a live
//! event sent meanwhile moves the cursor: the page is read again from there).

use axum::extract::ws::Message;
use futures_util::SinkExt;
use linedesk_protocol::{Role, ServerFrame};
use tokio::task::JoinHandle;

use super::{Closed, Session};
use crate::storage::{StorageError, StoredEvent, Subject};
use crate::wire_error::WireError;

/// Events read from storage per page of a replay.
const REPLAY_PAGE: u32 = 500;

type Page = JoinHandle<Result<Vec<StoredEvent>, StorageError>>;

/// The page of `line` after `after`, being read.
pub(super) struct Prefetch {
    line: u64,
    after: u64,
    page: Page,
}

impl Session {
    /// Send everything of `line` after its cursor from storage, then say the replay is done:
    /// queued here, sent a page at a time by [`Session::replay_page`].
    pub(super) async fn replay(&mut self, line: u64) -> Result<(), Closed> {
        if !self.replays.contains(&line) {
            self.replays.push_back(line);
        }
        Ok(())
    }

    fn read_page(&self, line: u64, after: u64) -> Page {
        let storage = self.server.storage.clone();
        tokio::task::spawn_blocking(move || storage.events_after(line, after, REPLAY_PAGE))
    }

    /// One page of the first replay under way: read from storage (or taken as prefetched),
    /// the next one's read started, then the events sent (the socket's pace: a slow reader
    /// slows its own replay, nobody else's). The line goes to the back of the queue, or is
    /// done with `CaughtUp`.
    pub(super) async fn replay_page(&mut self) -> Result<(), Closed> {
        let Some(line) = self.replays.pop_front() else {
            return Ok(());
        };
        let Some(&after) = self.cursors.get(&line) else {
            return Ok(());
        };
        let reading = match self.prefetch.take() {
            Some(p) if p.line == line && p.after == after => p.page,
            // Another line's or from another cursor: not this page (its read just ends).
            _ => self.read_page(line, after),
        };
        let page = match reading.await {
            Ok(Ok(page)) => page,
            Ok(Err(err)) => {
                let refused = WireError::from(err);
                return self.error(refused.code, refused.message, None).await;
            }
            Err(err) => {
                let refused = WireError::internal(err);
                return self.error(refused.code, refused.message, None).await;
            }
        };
        let Some(last) = page.last().map(|e| e.seq) else {
            self.send(ServerFrame::CaughtUp { line, seq: after })
                .await?;
            self.seed_hub(line).await;
            return Ok(());
        };
        if page.len() == REPLAY_PAGE as usize {
            self.prefetch = Some(Prefetch {
                line,
                after: last,
                page: self.read_page(line, last),
            });
        }
        for event in page {
            self.feed(event).await?;
        }
        match tokio::time::timeout(self.server.limits.idle_timeout, self.socket.flush()).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) | Err(_) => return Err(Closed),
        }
        self.replay(line).await
    }

    /// One stored event to the socket (unflushed), if this session's subject may see it.
    async fn feed(&mut self, e: StoredEvent) -> Result<(), Closed> {
        self.cursors.insert(e.line, e.seq);
        // A client sees only events about themselves (their messages, their appeals), and of
        // those not the line's internal work (SLA timers, tickets).
        if let Some(Subject {
            role: Role::Client,
            id,
        }) = self.subject
            && (e.event.client() != Some(id) || !e.event.shown_to_client())
        {
            return Ok(());
        }
        let frame = ServerFrame::Event {
            line: e.line,
            seq: e.seq,
            at_ms: e.at_ms,
            event: e.event,
        };
        let message = Message::Text(frame.encode().into());
        match tokio::time::timeout(self.server.limits.idle_timeout, self.socket.feed(message)).await
        {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) | Err(_) => Err(Closed),
        }
    }
}
