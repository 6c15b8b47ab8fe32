//! The per-session limit on incoming frames, and the rule that closes a flooding session.

use std::time::Instant;

use crate::session_limits::SessionLimits;

/// A token bucket: `burst` at once, `per_second` sustained.
pub(crate) struct RateLimit {
    tokens: f64,
    burst: f64,
    per_second: f64,
    last: Instant,
}

impl RateLimit {
    pub(crate) fn new(burst: u32, per_second: u32) -> RateLimit {
        RateLimit {
            tokens: f64::from(burst),
            burst: f64::from(burst),
            per_second: f64::from(per_second),
            last: Instant::now(),
        }
    }

    pub(crate) fn allow(&mut self) -> bool {
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * self.per_second;
        self.tokens = (self.tokens + refill).min(self.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// What to do with an incoming frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Allow,
    /// Over the limit: answer `rate_limited` and drop the frame.
    Refuse,
    /// Refused too often: the client does not slow down when told; close the session.
    Close,
}

/// Every frame a session receives passes here: a bucket of frames, and a second bucket of
/// refusals. A client that keeps sending after being refused empties the second one and is
/// closed; one that slows down when told refills it.
pub(crate) struct FrameGate {
    frames: RateLimit,
    refusals: RateLimit,
}

impl FrameGate {
    pub(crate) fn new(limits: &SessionLimits) -> FrameGate {
        FrameGate {
            frames: RateLimit::new(limits.frame_burst, limits.frames_per_second),
            refusals: RateLimit::new(limits.refusal_burst, limits.refusals_per_second),
        }
    }

    pub(crate) fn check(&mut self) -> Verdict {
        if self.frames.allow() {
            Verdict::Allow
        } else if self.refusals.allow() {
            Verdict::Refuse
        } else {
            Verdict::Close
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_is_refused_then_closed() {
        let limits = SessionLimits {
            frame_burst: 3,
            frames_per_second: 1,
            refusal_burst: 2,
            refusals_per_second: 1,
            ..SessionLimits::default()
        };
        let mut gate = FrameGate::new(&limits);
        let verdicts: Vec<Verdict> = (0..6).map(|_| gate.check()).collect();
        assert_eq!(
            verdicts,
            [
                Verdict::Allow,
                Verdict::Allow,
                Verdict::Allow,
                Verdict::Refuse,
                Verdict::Refuse,
                Verdict::Close
            ]
        );
    }
}
