//! The per-session limit on incoming frames.

use std::time::Instant;

/// A token bucket: `BURST` frames at once, `PER_SECOND` sustained.
pub(crate) struct RateLimit {
    tokens: f64,
    last: Instant,
}

impl RateLimit {
    /// Room for an outbox flushed after a long disconnection (a thousand actions at once).
    const BURST: f64 = 1000.0;
    const PER_SECOND: f64 = 500.0;

    pub(crate) fn new() -> RateLimit {
        RateLimit {
            tokens: RateLimit::BURST,
            last: Instant::now(),
        }
    }

    pub(crate) fn allow(&mut self) -> bool {
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * RateLimit::PER_SECOND;
        self.tokens = (self.tokens + refill).min(RateLimit::BURST);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}
