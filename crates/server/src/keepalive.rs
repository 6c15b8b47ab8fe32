//! The session's clocks: the server's pings, the silence after which a peer counts as gone,
//! and the one deadline that ends a session (no `Hello` in time, then the token's expiry).

use std::pin::Pin;
use std::time::Duration;

use tokio::time::{Instant, Interval, MissedTickBehavior, Sleep};

use crate::session_limits::SessionLimits;

/// Pings and the silence timer. The timer is reset lazily: hearing from the peer only notes
/// the time; when the timer fires it looks whether the peer spoke meanwhile.
pub(crate) struct Keepalive {
    ping: Interval,
    silence: Pin<Box<Sleep>>,
    last_heard: Instant,
    idle: Duration,
}

/// What is due.
pub(crate) enum Due {
    /// Time to ping the peer.
    Ping,
    /// Nothing heard for the whole idle time: the peer is gone.
    Gone,
}

impl Keepalive {
    pub(crate) fn new(limits: &SessionLimits) -> Keepalive {
        let now = Instant::now();
        let mut ping = tokio::time::interval_at(now + limits.ping_every, limits.ping_every);
        ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Keepalive {
            ping,
            silence: Box::pin(tokio::time::sleep_until(now + limits.idle_timeout)),
            last_heard: now,
            idle: limits.idle_timeout,
        }
    }

    /// A frame (or a pong) arrived.
    pub(crate) fn heard(&mut self) {
        self.last_heard = Instant::now();
    }

    /// The next ping, or the end of a silence.
    pub(crate) async fn due(&mut self) -> Due {
        loop {
            tokio::select! {
                _ = self.ping.tick() => return Due::Ping,
                () = self.silence.as_mut() => {
                    let until = self.last_heard + self.idle;
                    if until <= Instant::now() {
                        return Due::Gone;
                    }
                    // The peer spoke meanwhile: wait from the last frame heard.
                    self.silence.as_mut().reset(until);
                }
            }
        }
    }
}

/// The instant of `at_ms` (ms since the epoch) on the runtime's clock, given the wall clock
/// `now_ms`; a year away at most (a far future would overflow the timer).
pub(crate) fn instant_of(at_ms: i64, now_ms: i64) -> Instant {
    const YEAR_MS: u64 = 365 * 24 * 60 * 60 * 1000;
    let ms = u64::try_from(at_ms.saturating_sub(now_ms))
        .unwrap_or(0)
        .min(YEAR_MS);
    Instant::now() + Duration::from_millis(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_bounded() {
        let now = Instant::now();
        assert!(instant_of(0, 1_000) <= Instant::now(), "the past is now");
        assert!(instant_of(i64::MAX, 0) > now + Duration::from_secs(300 * 24 * 3600));
        assert!(instant_of(i64::MAX, i64::MIN) > now, "no overflow");
    }
}
