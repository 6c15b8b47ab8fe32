//! Fan-out of newly appended events to the sessions subscribed to their line, and of relayed
//! call signalling to the sessions of its addressee.
//!
//! A session that falls behind the broadcast buffer does not lose events: it notices the gap
//! (or the lag) and reads them back from storage from its cursor.

use tokio::sync::broadcast;

use crate::signal::Relayed;
use crate::storage::StoredEvent;

const BUFFER: usize = 4096;

/// Signals in flight; a session that lags behind loses some (the ICE candidates of a call are
/// a handful, so it takes thousands of simultaneous call set-ups).
const SIGNAL_BUFFER: usize = 1024;

#[derive(Clone)]
pub struct Hub {
    tx: broadcast::Sender<StoredEvent>,
    signals: broadcast::Sender<Relayed>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            tx: broadcast::channel(BUFFER).0,
            signals: broadcast::channel(SIGNAL_BUFFER).0,
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

    /// Hand a call signal to every live session; only its addressee's forward it.
    pub fn relay(&self, signal: Relayed) {
        let _ = self.signals.send(signal);
    }

    pub fn signals(&self) -> broadcast::Receiver<Relayed> {
        self.signals.subscribe()
    }
}
