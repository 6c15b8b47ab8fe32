//! Live sessions per account, and presence that follows the connection.
//!
//! Every signed-in session is counted under its account: at most
//! [`crate::session_limits::SessionLimits::per_account`] at once. When a specialist's last
//! session closes and they do not come back within a grace period, they are set Offline, which
//! hands their open appeals to colleagues or the queue (P4). A short network blip changes
//! nothing.
//!
//! Several servers of one database (issue 17): a specialist's live sessions may be on any of
//! them. Each server tells the storage whose presence it holds (a first session joined, the
//! last one left: [`crate::storage::Storage::hold_presence`]), and the grace rule sets a
//! specialist Offline only when no other server holds theirs
//! ([`crate::storage::Storage::present_elsewhere`]); the server where their last session ends
//! does it then.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, Role};

use crate::context::{Server, now_ms};
use crate::storage::{Applied, Subject};

/// How long a specialist may be disconnected before they count as Offline.
pub const OFFLINE_GRACE: Duration = Duration::from_secs(60);

/// What a server says (on stderr) when a specialist's last session on it ended but they are
/// still connected to another server, so their status stays.
pub const KEPT_ELSEWHERE: &str = "presence kept: a session on another server";

/// The account already has as many live sessions as it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("this account already has {0} live sessions; close one first")]
pub struct TooManySessions(pub usize);

pub struct Sessions {
    live: Mutex<HashMap<Subject, usize>>,
    grace: Duration,
}

impl Sessions {
    pub fn new(grace: Duration) -> Sessions {
        Sessions {
            live: Mutex::new(HashMap::new()),
            grace,
        }
    }

    fn live(&self) -> MutexGuard<'_, HashMap<Subject, usize>> {
        // Counters only: usable whatever a panicking holder left.
        self.live
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Live sessions of `subject`.
    pub fn count(&self, subject: Subject) -> usize {
        self.live().get(&subject).copied().unwrap_or(0)
    }

    /// A session of `subject` signed in, unless the account already has `cap` live ones.
    pub fn join(&self, subject: Subject, cap: usize) -> Result<(), TooManySessions> {
        self.join_then(subject, cap, |_| {})
    }

    /// [`Sessions::join`], and a specialist's first session here holds their presence for the
    /// other servers.
    pub fn enter(server: &Server, subject: Subject, cap: usize) -> Result<(), TooManySessions> {
        server.sessions.join_then(subject, cap, |first| {
            if first && subject.role == Role::Specialist {
                server.storage.hold_presence(subject.id, true);
            }
        })
    }

    /// Join, then `counted(first)` under the lock (so the holds of one account are asked for
    /// in the order its sessions came and went).
    fn join_then(
        &self,
        subject: Subject,
        cap: usize,
        counted: impl FnOnce(bool),
    ) -> Result<(), TooManySessions> {
        let mut live = self.live();
        let n = live.entry(subject).or_default();
        if *n >= cap {
            return Err(TooManySessions(*n));
        }
        *n += 1;
        counted(*n == 1);
        Ok(())
    }

    /// A session of `subject` ended; a specialist left with none goes Offline after the grace
    /// period unless a new one starts meanwhile.
    pub fn leave(server: &Arc<Server>, subject: Subject) {
        let left = {
            let mut live = server.sessions.live();
            let n = live.entry(subject).or_default();
            *n = n.saturating_sub(1);
            let left = *n;
            if left == 0 {
                live.remove(&subject);
                if subject.role == Role::Specialist {
                    server.storage.hold_presence(subject.id, false);
                }
            }
            left
        };
        if left > 0 || subject.role != Role::Specialist {
            return;
        }
        let specialist = subject.id;
        let server = server.clone();
        tokio::spawn(async move {
            tokio::time::sleep(server.sessions.grace).await;
            if server.sessions.count(subject) > 0 {
                return;
            }
            let storage = server.storage.clone();
            let applied = tokio::task::spawn_blocking(move || {
                match storage.present_elsewhere(specialist) {
                    Ok(false) => {}
                    Ok(true) => {
                        eprintln!("linedesk-server: {KEPT_ELSEWHERE} (specialist {specialist})");
                        return Ok(Applied::Done(Vec::new()));
                    }
                    // Unknown: the status stays; the server that holds the last session, or
                    // this one's next session's end, decides again.
                    Err(err) => return Err(err),
                }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_has_at_most_cap_sessions() {
        let sessions = Sessions::new(OFFLINE_GRACE);
        let anna = Subject::specialist(1);
        assert_eq!(sessions.join(anna, 2), Ok(()));
        assert_eq!(sessions.join(anna, 2), Ok(()));
        assert_eq!(sessions.join(anna, 2), Err(TooManySessions(2)));
        assert_eq!(
            sessions.join(Subject::client(1), 2),
            Ok(()),
            "another account"
        );
        assert_eq!(sessions.count(anna), 2);
    }
}
