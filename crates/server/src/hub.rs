//! Fan-out of newly appended events to the sessions subscribed to their line, and of relayed
//! call signalling to the sessions of its addressee.
//!
//! One broadcast channel per line: an event wakes only the sessions of its line (with ten lines
//! and thousands of clients, a single channel woke every session for every event). A session
//! that falls behind its line's buffer does not lose events: it notices the lag (or a gap in
//! the sequence) and reads them back from storage from its cursor.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use crate::signal::Relayed;
use crate::storage::StoredEvent;

/// Events of one line in flight.
const LINE_BUFFER: usize = 1024;

/// Signals in flight; a session that lags behind loses some (the ICE candidates of a call are
/// a handful, so it takes thousands of simultaneous call set-ups).
const SIGNAL_BUFFER: usize = 1024;

#[derive(Clone)]
pub struct Hub {
    lines: Arc<Mutex<HashMap<u64, broadcast::Sender<StoredEvent>>>>,
    signals: broadcast::Sender<Relayed>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            lines: Arc::default(),
            signals: broadcast::channel(SIGNAL_BUFFER).0,
        }
    }
}

impl Hub {
    fn lines(&self) -> std::sync::MutexGuard<'_, HashMap<u64, broadcast::Sender<StoredEvent>>> {
        self.lines
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn publish(&self, events: &[StoredEvent]) {
        let lines = self.lines();
        for e in events {
            // No subscriber is fine: the event is in storage.
            if let Some(tx) = lines.get(&e.line) {
                let _ = tx.send(e.clone());
            }
        }
    }

    /// The live events of `line` from now on.
    pub fn subscribe(&self, line: u64) -> broadcast::Receiver<StoredEvent> {
        self.lines()
            .entry(line)
            .or_insert_with(|| broadcast::channel(LINE_BUFFER).0)
            .subscribe()
    }

    /// Hand a call signal to every live session; only its addressee's forward it.
    pub fn relay(&self, signal: Relayed) {
        let _ = self.signals.send(signal);
    }

    pub fn signals(&self) -> broadcast::Receiver<Relayed> {
        self.signals.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linedesk_protocol::Event;

    fn event(line: u64, seq: u64) -> StoredEvent {
        StoredEvent {
            line,
            seq,
            at_ms: 0,
            event: Event::LineNamed {
                name: format!("{line}"),
            },
        }
    }

    #[test]
    fn an_event_reaches_only_the_subscribers_of_its_line() {
        let hub = Hub::default();
        let mut one = hub.subscribe(1);
        let mut two = hub.subscribe(2);
        hub.publish(&[event(1, 1), event(3, 1), event(1, 2)]);
        assert_eq!(one.try_recv().map(|e| e.seq).ok(), Some(1));
        assert_eq!(one.try_recv().map(|e| e.seq).ok(), Some(2));
        assert!(one.try_recv().is_err());
        assert!(two.try_recv().is_err(), "line 2 heard nothing");
    }
}
