//! The SLA timer at the edge: every second, and whenever an appeal opens, ask storage for the
//! alerts due now ([`crate::storage::Storage::due_alerts`]) and publish them. The decision and
//! the exactly-once bookkeeping are the line crate's rules (`linedesk_line::fire_due_alerts`,
//! with the time passed in), run by storage in one transaction; this loop only reads the clock.
//! The same round finishes the appeals whose A5 auto-finish is due
//! (`linedesk_line::fire_due_auto_finishes`), so both survive a restart the same way: what is
//! due is stored, and the first round after a start fires what fell due while it was down.
//!
//! Several servers of one PostgreSQL database (issue 17): only the timers' leader runs the
//! rounds ([`crate::storage::Storage::lead_timers`], asked before each); the others ask again
//! at every tick and take over when the leader dies. A change of lead is noted on stderr.

use std::sync::Arc;
use std::time::Duration;

use crate::context::{Server, now_ms};

/// How often the timer looks for due alerts.
pub const SLA_TICK: Duration = Duration::from_secs(1);

/// Run until the server is dropped (the task holds a reference, so: for the process's life).
pub async fn run(server: Arc<Server>) {
    let mut tick = tokio::time::interval(SLA_TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut leading = false;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = server.sla_wake.notified() => {}
        }
        let leads = leads(&server).await;
        if leads != leading {
            leading = leads;
            eprintln!(
                "linedesk-server: timers: {}",
                if leads {
                    LEADS
                } else {
                    "this server no longer leads"
                }
            );
        }
        if !leads {
            continue;
        }
        let storage = server.storage.clone();
        match tokio::task::spawn_blocking(move || storage.due_alerts(now_ms())).await {
            Ok(Ok(events)) => server.hub.publish(&events),
            // A failed round changes nothing (its transaction rolled back); the next retries.
            Ok(Err(err)) => eprintln!("linedesk-server: SLA timer: {err}"),
            Err(err) => eprintln!("linedesk-server: SLA timer: {err}"),
        }
    }
}

/// What a server says on stderr when it takes the timers' lead (tests wait for it).
pub const LEADS: &str = "this server leads (SLA alerts, auto-finish, unanswered calls)";

/// Whether this server runs the timers' round now ([`crate::storage::Storage::lead_timers`]);
/// an error counts as not leading (the round is left to the leader, or to the next try).
pub(crate) async fn leads(server: &Arc<Server>) -> bool {
    let storage = server.storage.clone();
    let failed = match tokio::task::spawn_blocking(move || storage.lead_timers()).await {
        Ok(Ok(leads)) => {
            if let Some(quiet) = lead_errors().recovered() {
                eprintln!(
                    "linedesk-server: timers' lead: the database answers again ({quiet} errors not shown)"
                );
            }
            return leads;
        }
        Ok(Err(err)) => err.to_string(),
        Err(err) => err.to_string(),
    };
    if let Some(quiet) = lead_errors().failed(std::time::Instant::now()) {
        eprintln!(
            "linedesk-server: timers' lead: {failed} ({quiet} more not shown since the last)"
        );
    }
    false
}

/// How often a failure to ask for the lead is written while it lasts (each timer asks every
/// second: a database that is down would otherwise fill the log).
pub const LEAD_ERROR_EVERY: Duration = Duration::from_secs(60);

fn lead_errors() -> std::sync::MutexGuard<'static, ErrorNotes> {
    static NOTES: std::sync::Mutex<ErrorNotes> = std::sync::Mutex::new(ErrorNotes::new());
    NOTES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A repeated error written once per [`LEAD_ERROR_EVERY`], with how many were not.
#[derive(Debug)]
pub struct ErrorNotes {
    last_written: Option<std::time::Instant>,
    quiet: u64,
    failing: bool,
}

impl ErrorNotes {
    pub const fn new() -> ErrorNotes {
        ErrorNotes {
            last_written: None,
            quiet: 0,
            failing: false,
        }
    }

    /// Another failure at `now`: `Some(errors not written since the last one)` when this one is
    /// to be written.
    pub fn failed(&mut self, now: std::time::Instant) -> Option<u64> {
        self.failing = true;
        let due = self
            .last_written
            .is_none_or(|at| now.duration_since(at) >= LEAD_ERROR_EVERY);
        if !due {
            self.quiet += 1;
            return None;
        }
        self.last_written = Some(now);
        Some(std::mem::take(&mut self.quiet))
    }

    /// A success: `Some(errors not written)` when it ends a run of failures.
    pub fn recovered(&mut self) -> Option<u64> {
        if !self.failing {
            return None;
        }
        self.failing = false;
        self.last_written = None;
        Some(std::mem::take(&mut self.quiet))
    }
}

impl Default for ErrorNotes {
    fn default() -> Self {
        ErrorNotes::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lasting_failure_is_written_once_a_minute_with_the_count_of_the_others() {
        let mut notes = ErrorNotes::new();
        let t0 = std::time::Instant::now();
        assert_eq!(notes.failed(t0), Some(0), "the first is written");
        for s in 1..60 {
            assert_eq!(notes.failed(t0 + Duration::from_secs(s)), None);
        }
        assert_eq!(notes.failed(t0 + LEAD_ERROR_EVERY), Some(59));
        assert_eq!(
            notes.failed(t0 + LEAD_ERROR_EVERY + Duration::from_secs(1)),
            None
        );
        assert_eq!(notes.recovered(), Some(1));
        assert_eq!(notes.recovered(), None, "said once");
        let later = t0 + Duration::from_secs(61);
        assert_eq!(notes.failed(later), Some(0), "a new run is written at once");
    }
}
