//! Pausing a call's recording (a card number, a password): while paused nothing is recorded,
//! neither side. The file gets no audio for that time (a gap, not silence), so it stays as
//! short as what may be heard, and [`Gaps`] lists where each gap falls in the recording and
//! how long it was ([`RecordingGap`]): the recording's length plus its gaps is the call's.

use std::time::Duration;

use linedesk_protocol::RecordingGap;

use crate::session::TICK;

/// The pauses of one recording, fed once per 20 ms tick.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gaps {
    closed: Vec<RecordingGap>,
    /// The pause going on: where it is in the recording and how many ticks it has lasted.
    open: Option<(u64, u32)>,
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl Gaps {
    /// One tick, paused or not, with the recording `recorded` long so far; `true` when a
    /// pause began or ended with it.
    pub fn tick(&mut self, paused: bool, recorded: Duration) -> bool {
        match (&mut self.open, paused) {
            (Some((_, ticks)), true) => {
                *ticks = ticks.saturating_add(1);
                false
            }
            (None, true) => {
                self.open = Some((ms(recorded), 1));
                true
            }
            (Some(_), false) => {
                if let Some(gap) = self.current() {
                    self.closed.push(gap);
                }
                self.open = None;
                true
            }
            (None, false) => false,
        }
    }

    /// Whether a pause is going on.
    pub fn paused(&self) -> bool {
        self.open.is_some()
    }

    /// The pause going on, as long as it has lasted so far.
    pub fn current(&self) -> Option<RecordingGap> {
        self.open.map(|(at_ms, ticks)| RecordingGap {
            at_ms,
            length_ms: ms(TICK * ticks),
        })
    }

    /// Every gap so far, the one going on included (as long as it lasted so far).
    pub fn list(&self) -> Vec<RecordingGap> {
        let mut all = self.closed.clone();
        all.extend(self.current());
        all
    }

    /// How much of the call was left out so far.
    pub fn total(&self) -> Duration {
        Duration::from_millis(self.list().iter().map(|g| g.length_ms).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_become_gaps_at_their_place_in_the_recording() {
        let mut gaps = Gaps::default();
        let mut recorded = Duration::ZERO;
        let mut changes = 0;
        // 1 s recorded, 0.5 s paused, 1 s recorded, paused until the end (0.2 s).
        let plan = [(50, false), (25, true), (50, false), (10, true)];
        for (ticks, paused) in plan {
            for _ in 0..ticks {
                changes += usize::from(gaps.tick(paused, recorded));
                if !paused {
                    recorded += TICK;
                }
            }
        }
        assert_eq!(changes, 3, "two pauses began, one ended");
        assert!(gaps.paused());
        assert_eq!(
            gaps.list(),
            [
                RecordingGap {
                    at_ms: 1000,
                    length_ms: 500
                },
                RecordingGap {
                    at_ms: 2000,
                    length_ms: 200
                }
            ]
        );
        assert_eq!(
            recorded + gaps.total(),
            TICK * 135,
            "recording + gaps = call"
        );
    }
}
