//! Fan-out of newly appended events to the sessions subscribed to their line.
//!
//! A session that falls behind the broadcast buffer does not lose events: it notices the gap
//! (or the lag) and reads them back from storage from its cursor.

use tokio::sync::broadcast;

use crate::storage::StoredEvent;

const BUFFER: usize = 4096;

#[derive(Clone)]
pub struct Hub {
    tx: broadcast::Sender<StoredEvent>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            tx: broadcast::channel(BUFFER).0,
        }
    }
}

impl Hub {
    pub fn publish(&self, events: &[StoredEvent]) {
        for e in events {
            // No subscriber is fine: the event is in storage.
            let _ = self.tx.send(e.clone());
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<StoredEvent> {
        self.tx.subscribe()
    }
}
