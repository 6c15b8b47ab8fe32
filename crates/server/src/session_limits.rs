//! The bounds of a live WebSocket session, held by the [`crate::app::Server`]: how long a
//! socket may stay silent, how many frames it may send, how many sessions one account may have.
//! Tests shorten them; the defaults are what a production server runs with.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct SessionLimits {
    /// A socket that has not sent a valid `Hello` this long after connecting is told
    /// `unauthenticated` and closed.
    pub hello_deadline: Duration,
    /// The server pings every session this often.
    pub ping_every: Duration,
    /// A session from which nothing (no frame, no pong) arrived for this long is dropped; a
    /// send that cannot be written for this long drops it too.
    pub idle_timeout: Duration,
    /// Live sessions one account may have at once; the next `Hello` is refused.
    pub per_account: usize,
    /// Frames (text, binary, pings, pongs) a session may send at once ...
    pub frame_burst: u32,
    /// ... and per second sustained.
    pub frames_per_second: u32,
    /// Refused frames a session may send in a burst before it is closed ...
    pub refusal_burst: u32,
    /// ... and per second sustained (a client that slows down when told is never closed).
    pub refusals_per_second: u32,
    /// How long a token from `POST /api/login` is valid; a session ends at its token's expiry.
    pub token_lifetime: Duration,
    /// How often expired tokens are deleted from storage.
    pub token_sweep_every: Duration,
    /// How long the hub holds an event published ahead of its turn before it skips a number
    /// it could not read from storage either (see [`crate::hub`]); a gap the log can fill
    /// closes after [`crate::hub::FILL_AFTER`].
    pub gap_hold: Duration,
}

impl SessionLimits {
    /// [`SessionLimits::token_lifetime`] in milliseconds, as tokens are stored.
    pub fn token_lifetime_ms(&self) -> i64 {
        i64::try_from(self.token_lifetime.as_millis()).unwrap_or(i64::MAX)
    }
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            hello_deadline: Duration::from_secs(10),
            ping_every: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            per_account: 8,
            // Room for an outbox flushed after a long disconnection (a thousand actions at once).
            frame_burst: 1000,
            frames_per_second: 500,
            refusal_burst: 100,
            refusals_per_second: 10,
            token_lifetime: Duration::from_secs(12 * 60 * 60),
            token_sweep_every: Duration::from_secs(10 * 60),
            gap_hold: crate::hub::HOLD,
        }
    }
}
