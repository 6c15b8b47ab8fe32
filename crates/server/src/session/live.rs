//! The live path of a session: what the hub queued in its mailbox, sent with one flush per
//! wake-up, and a line read back from storage when something before an event was missed.

use axum::extract::ws::Message;
use futures_util::SinkExt;
use linedesk_protocol::Role;

use super::{Closed, Session};
use crate::hub::{Batch, LiveEvent};
use crate::storage::Subject;

/// What to do with one live event.
enum Live {
    Skip,
    Send,
    /// Something before it was missed: read the line back from storage.
    Rewind,
}

impl Session {
    /// Send what the hub queued: every frame fed to the socket, one flush for the batch; a
    /// line with something missed (a gap, another epoch, a full mailbox) read back from
    /// storage.
    pub(super) async fn on_live(&mut self) -> Result<(), Closed> {
        let mut batch = std::mem::take(&mut self.live_batch);
        self.feeds.mailbox.take_into(&mut batch);
        let sent = self.send_live(&mut batch).await;
        batch.events.clear();
        batch.lagged.clear();
        self.live_batch = batch;
        sent
    }

    async fn send_live(&mut self, batch: &mut Batch) -> Result<(), Closed> {
        let mut rewind = std::mem::take(&mut batch.lagged);
        let oldest = batch.events.first().map(|e| e.published);
        for event in batch.events.drain(..) {
            if rewind.contains(&event.line) {
                continue;
            }
            match self.live(&event) {
                Live::Skip => {}
                Live::Rewind => {
                    rewind.insert(event.line);
                }
                Live::Send => {
                    self.cursors.insert(event.line, event.seq);
                    self.socket
                        .feed(Message::Text(event.frame.clone()))
                        .await
                        .map_err(|_| Closed)?;
                }
            }
        }
        self.socket.flush().await.map_err(|_| Closed)?;
        if let Some(oldest) = oldest {
            crate::metrics::metrics().fanned_out(oldest);
        }
        for line in rewind {
            self.feeds.rewind(line);
            self.replay(line).await?;
        }
        Ok(())
    }

    /// After a replay: when the hub does not know yet where the line stands, tell it the
    /// cursor, once storage confirms the cursor is a committed event (a client may name any
    /// number).
    pub(super) async fn seed_hub(&mut self, line: u64) {
        let Some(&cursor) = self.cursors.get(&line) else {
            return;
        };
        if cursor == 0 || self.server.hub.knows(line) {
            return;
        }
        let storage = self.server.storage.clone();
        let found =
            tokio::task::spawn_blocking(move || storage.events_after(line, cursor - 1, 1)).await;
        if let Ok(Ok(page)) = found
            && page.first().map(|e| e.seq) == Some(cursor)
            && let Some(epoch) = self.server.hub.seed(line, cursor)
        {
            self.feeds.epochs.insert(line, epoch);
        }
    }

    fn live(&self, event: &LiveEvent) -> Live {
        let Some(&cursor) = self.cursors.get(&event.line) else {
            return Live::Skip;
        };
        // A line being read back from storage: the replay reaches this event too (it was
        // committed before it was published).
        if event.seq <= cursor || self.replays.contains(&event.line) {
            return Live::Skip;
        }
        match self.subject {
            // A client's mailbox holds only their events: nothing to see between two of them
            // as long as the line's epoch is the one of the cursor.
            Some(Subject {
                role: Role::Client,
                id,
            }) => {
                if event.for_client != Some(id) {
                    Live::Skip
                } else if self.feeds.epochs.get(&event.line) == Some(&event.epoch) {
                    Live::Send
                } else {
                    Live::Rewind
                }
            }
            _ if event.seq == cursor + 1 => Live::Send,
            // A gap: events were appended that this session has not seen.
            _ => Live::Rewind,
        }
    }
}
