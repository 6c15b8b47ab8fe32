//! P2: Away after N minutes without the specialist touching the app (the setting; 0 turns it
//! off), and back to what it was at their next input, if it was the app that set Away.
//!
//! [`AwayTracker`] decides with time as an input (the rule itself is the domain's
//! `presence::auto_away`); [`spawn`] feeds it the clock every few seconds and the UI reports
//! input through the `note_activity` command.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use linedesk_domain::presence::{PresenceStatus, auto_away};
use linedesk_store::Store;

use crate::state::lock;

/// How often the tracker looks at the clock.
const TICK: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub struct AwayTracker {
    last_activity: DateTime<Utc>,
    /// What the status was when the tracker set Away; `None` when Away (if any) was chosen by
    /// the specialist, which their next input must not undo.
    before_away: Option<PresenceStatus>,
}

impl AwayTracker {
    pub fn new(now: DateTime<Utc>) -> AwayTracker {
        AwayTracker {
            last_activity: now,
            before_away: None,
        }
    }

    /// The specialist did something: the status to go back to, if the tracker had set Away.
    pub fn activity(&mut self, now: DateTime<Utc>) -> Option<PresenceStatus> {
        self.last_activity = now;
        self.before_away.take()
    }

    /// The clock moved: `Away` when it is time (and remember what to go back to).
    pub fn tick(
        &mut self,
        current: PresenceStatus,
        now: DateTime<Utc>,
        after_minutes: u16,
    ) -> Option<PresenceStatus> {
        let next = auto_away(current, self.last_activity, now, after_minutes)?;
        self.before_away = Some(current);
        Some(next)
    }

    /// The specialist chose a status themselves: nothing to restore later.
    pub fn chosen(&mut self) {
        self.before_away = None;
    }
}

/// Set `status` in the store (through the outbox) and let the sync send it.
fn set(store: &Mutex<Store>, status: PresenceStatus, nudge: &dyn Fn()) {
    let now = Utc::now().timestamp_millis();
    if lock(store).set_presence(status, now).is_ok() {
        nudge();
    }
}

/// Run the tracker: every [`TICK`] compare the clock with the last input.
pub fn spawn(
    tracker: Arc<Mutex<AwayTracker>>,
    store: Arc<Mutex<Store>>,
    nudge: Arc<dyn Fn() + Send + Sync>,
) {
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        loop {
            tick.tick().await;
            let (current, minutes) = {
                let s = lock(&store);
                let minutes = s.settings().map(|s| s.auto_away_minutes).unwrap_or(0);
                match s.presence() {
                    Ok(current) => (current, minutes),
                    Err(_) => continue,
                }
            };
            let next = lock(&tracker).tick(current, Utc::now(), minutes);
            if let Some(next) = next {
                set(&store, next, &*nudge);
            }
        }
    });
}

/// The UI saw input: go back from an automatic Away.
pub fn activity(tracker: &Mutex<AwayTracker>, store: &Mutex<Store>, nudge: &dyn Fn()) {
    let back = lock(tracker).activity(Utc::now());
    if let Some(status) = back
        && matches!(lock(store).presence(), Ok(PresenceStatus::Away))
    {
        set(store, status, nudge);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 10, minute, 0)
            .single()
            .expect("a time")
    }

    #[test]
    fn away_after_the_idle_minutes_and_back_at_the_next_input() {
        let mut t = AwayTracker::new(at(0));
        assert_eq!(t.tick(PresenceStatus::Busy, at(4), 5), None);
        assert_eq!(
            t.tick(PresenceStatus::Busy, at(5), 5),
            Some(PresenceStatus::Away)
        );
        assert_eq!(
            t.activity(at(7)),
            Some(PresenceStatus::Busy),
            "back to Busy"
        );
        assert_eq!(t.activity(at(8)), None, "only once");
    }

    #[test]
    fn a_chosen_away_and_deliberate_statuses_stay() {
        let mut t = AwayTracker::new(at(0));
        assert_eq!(t.tick(PresenceStatus::DoNotDisturb, at(30), 5), None);
        assert_eq!(t.tick(PresenceStatus::Away, at(30), 5), None);
        assert_eq!(t.activity(at(31)), None, "the specialist's own Away stays");
        assert_eq!(
            t.tick(PresenceStatus::Available, at(40), 0),
            None,
            "0 is off"
        );
        assert_eq!(
            t.tick(PresenceStatus::Available, at(40), 5),
            Some(PresenceStatus::Away)
        );
        t.chosen();
        assert_eq!(
            t.activity(at(41)),
            None,
            "a status chosen meanwhile is kept"
        );
    }
}
