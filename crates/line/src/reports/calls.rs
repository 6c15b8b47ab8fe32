//! Calls of a period: summaries from a backend's sums, and the quality distributions (the
//! worse party's MOS, loss and jitter of each measured call) bucketed from counts per value.

use linedesk_protocol::reports::{Bucket, CallDistribution, CallSummary};

use super::average;

/// MOS buckets in hundredths: bad below 2, poor, fair, good from 3.6, excellent from 4.3 (the
/// E-model's user-satisfaction bands, G.107 Annex B).
pub const MOS_BOUNDS_CENTI: &[u32] = &[0, 200, 260, 310, 360, 403, 430];
/// Loss in tenths of a percent: none, under 1 %, 1-3 %, 3-5 %, 5-10 %, 10 % and more.
pub const LOSS_BOUNDS_PERMILLE: &[u32] = &[0, 1, 10, 30, 50, 100];
/// Jitter in milliseconds.
pub const JITTER_BOUNDS_MS: &[u32] = &[0, 10, 20, 30, 50, 100];

/// A group's calls as summed by the backend.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallSums {
    pub calls: u32,
    pub answered: u32,
    pub missed: u32,
    /// Connected to ended, over the answered calls that ended.
    pub duration_ms: i64,
    pub timed: u32,
}

pub fn summary(s: CallSums) -> CallSummary {
    CallSummary {
        calls: s.calls,
        answered: s.answered,
        missed: s.missed,
        total_duration_ms: s.duration_ms,
        avg_duration_ms: average(s.duration_ms, s.timed),
    }
}

/// Count `(value, how many)` pairs into the buckets starting at `bounds` (ascending, the
/// first 0; the last is open-ended).
pub fn buckets(bounds: &[u32], counts: &[(u32, u32)]) -> Vec<Bucket> {
    let mut out: Vec<Bucket> = bounds
        .iter()
        .enumerate()
        .map(|(i, &from)| Bucket {
            from,
            to: bounds.get(i + 1).copied(),
            count: 0,
        })
        .collect();
    for &(value, n) in counts {
        if let Some(b) = out.iter_mut().rev().find(|b| value >= b.from) {
            b.count += n;
        }
    }
    out
}

/// The three distributions of the measured calls from counts per value.
pub fn distribution(
    mos_centi: &[(u32, u32)],
    loss_permille: &[(u32, u32)],
    jitter_ms: &[(u32, u32)],
) -> CallDistribution {
    CallDistribution {
        measured: mos_centi.iter().map(|(_, n)| n).sum(),
        mos_centi: buckets(MOS_BOUNDS_CENTI, mos_centi),
        loss_permille: buckets(LOSS_BOUNDS_PERMILLE, loss_permille),
        jitter_ms: buckets(JITTER_BOUNDS_MS, jitter_ms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_fall_into_their_buckets_and_the_last_is_open() {
        let b = buckets(&[0, 10, 20], &[(0, 1), (9, 2), (10, 3), (19, 1), (500, 4)]);
        let counts: Vec<_> = b.iter().map(|b| (b.from, b.to, b.count)).collect();
        assert_eq!(counts, [(0, Some(10), 3), (10, Some(20), 4), (20, None, 4)]);
        let d = distribution(&[(420, 2), (150, 1)], &[(0, 2), (40, 1)], &[(5, 3)]);
        assert_eq!(d.measured, 3);
        assert_eq!(d.mos_centi[0].count, 1);
        assert_eq!(d.mos_centi[5].count, 2);
        assert_eq!(d.loss_permille[3].count, 1);
        assert_eq!(
            summary(CallSums {
                calls: 3,
                answered: 2,
                missed: 1,
                duration_ms: 90_000,
                timed: 2
            })
            .avg_duration_ms,
            Some(45_000)
        );
    }
}
