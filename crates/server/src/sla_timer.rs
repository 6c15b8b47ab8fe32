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
    match tokio::task::spawn_blocking(move || storage.lead_timers()).await {
        Ok(Ok(leads)) => leads,
        Ok(Err(err)) => {
            eprintln!("linedesk-server: timers' lead: {err}");
            false
        }
        Err(err) => {
            eprintln!("linedesk-server: timers' lead: {err}");
            false
        }
    }
}
