//! The SLA timer at the edge: every second, and whenever an appeal opens, ask storage for the
//! alerts due now ([`crate::storage::Storage::due_alerts`]) and publish them. The decision and
//! the exactly-once bookkeeping are the line crate's rules (`linedesk_line::fire_due_alerts`,
//! with the time passed in), run by storage in one transaction; this loop only reads the clock.
//! The same round finishes the appeals whose A5 auto-finish is due
//! (`linedesk_line::fire_due_auto_finishes`), so both survive a restart the same way: what is
//! due is stored, and the first round after a start fires what fell due while it was down.

use std::sync::Arc;
use std::time::Duration;

use crate::context::{Server, now_ms};

/// How often the timer looks for due alerts.
pub const SLA_TICK: Duration = Duration::from_secs(1);

/// Run until the server is dropped (the task holds a reference, so: for the process's life).
pub async fn run(server: Arc<Server>) {
    let mut tick = tokio::time::interval(SLA_TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = server.sla_wake.notified() => {}
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
