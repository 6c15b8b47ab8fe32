//! The timers' leader (issue 17): of the servers of one database, exactly one runs the SLA
//! alerts, the A5 auto-finishes and the ends of unanswered calls at a time. It is the one that
//! holds [`TIMER_LOCK`], a session-level advisory lock taken on a connection of its own; the
//! others try again at every round of their timers. When the leader dies (kill -9, a lost
//! machine) its connection drops and PostgreSQL releases the lock, so the next server to try
//! takes over. Nothing else is handed over: what a timer did is in the storage (an alert fired,
//! an appeal finished, each marked in the transaction that appended its event), and every
//! round reads what is due from there, so the new leader neither repeats nor forgets anything.
//! Two rounds of two servers that both believe they lead (a leader whose connection broke
//! while its round ran) still fire once: rounds take the routing lock and re-read the marks.

use std::sync::Mutex;

use tokio_postgres::Client;

use super::connection::connect_client;
use crate::storage::StorageError;

/// The advisory lock the timers' leader holds for its session (a number the other users of the
/// database do not take; `ROUTING_LOCK` is another).
pub(crate) const TIMER_LOCK: i64 = 0x6c69_6e65_7469_6d65; // "linetime"

/// A server's candidacy: the connection it asks for the lock on, and whether it holds it.
pub(crate) struct Leader {
    config: tokio_postgres::Config,
    state: Mutex<Candidate>,
}

#[derive(Default)]
struct Candidate {
    client: Option<Client>,
    holds: bool,
}

impl Leader {
    pub(crate) fn new(config: tokio_postgres::Config) -> Leader {
        Leader {
            config,
            state: Mutex::default(),
        }
    }

    /// Whether this server leads now: `true` while its session holds [`TIMER_LOCK`]; else one
    /// try to take it (a new connection first when the last one dropped, and with it the lock).
    pub(crate) fn lead(&self, rt: &tokio::runtime::Runtime) -> Result<bool, StorageError> {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if state.client.as_ref().is_none_or(Client::is_closed) {
            *state = Candidate {
                client: Some(connect_client(rt, &self.config)?),
                holds: false,
            };
        }
        if state.holds {
            return Ok(true);
        }
        let Some(client) = state.client.as_ref() else {
            return Ok(false);
        };
        let row = futures_executor::block_on(
            client.query_one("SELECT pg_try_advisory_lock($1)", &[&TIMER_LOCK]),
        )?;
        state.holds = row.get(0);
        Ok(state.holds)
    }
}
