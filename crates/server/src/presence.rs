//! Presence follows the connection: when a specialist's last session closes and they do not
//! come back within a grace period, they are set Offline, which hands their open appeals to
//! colleagues or the queue (P4). A short network blip changes nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::Action;

use crate::app::{Server, now_ms};
use crate::storage::{Applied, Subject};

/// How long a specialist may be disconnected before they count as Offline.
pub const OFFLINE_GRACE: Duration = Duration::from_secs(60);

pub struct Sessions {
    live: Mutex<HashMap<u64, usize>>,
    grace: Duration,
}

impl Sessions {
    pub fn new(grace: Duration) -> Sessions {
        Sessions {
            live: Mutex::new(HashMap::new()),
            grace,
        }
    }

    fn count(&self, specialist: u64) -> usize {
        self.live
            .lock()
            .map_or(0, |live| live.get(&specialist).copied().unwrap_or(0))
    }

    pub fn join(&self, specialist: u64) {
        if let Ok(mut live) = self.live.lock() {
            *live.entry(specialist).or_default() += 1;
        }
    }

    /// A session of `specialist` ended; after the grace period without a new one, Offline.
    pub fn leave(server: &Arc<Server>, specialist: u64) {
        let left = server.sessions.live.lock().map_or(0, |mut live| {
            let n = live.entry(specialist).or_default();
            *n = n.saturating_sub(1);
            *n
        });
        if left > 0 {
            return;
        }
        let server = server.clone();
        tokio::spawn(async move {
            tokio::time::sleep(server.sessions.grace).await;
            if server.sessions.count(specialist) > 0 {
                return;
            }
            let storage = server.storage.clone();
            let applied = tokio::task::spawn_blocking(move || {
                let now = now_ms();
                let action = Action::SetPresence {
                    status: PresenceStatus::Offline,
                };
                storage.apply(
                    Subject::specialist(specialist),
                    &format!("auto-offline-{now}"),
                    &action,
                    now,
                )
            })
            .await;
            if let Ok(Ok(Applied::Done(events))) = applied {
                server.hub.publish(&events);
            }
        });
    }
}
