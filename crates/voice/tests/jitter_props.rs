//! Property tests of the jitter buffer: whatever arrives, in whatever order and timing, it
//! never panics, never plays a packet twice, and plays in sequence order.

use std::time::Duration;

use linedesk_voice::jitter::{JitterBuffer, JitterConfig, Playout};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    /// A packet `back` frames behind the sender's newest (reorder, late, duplicate), plus a
    /// DTX pause of `pause` frames before it when it is new.
    Push { back: u8, pause: u8 },
    /// The receiver pops after `ms` milliseconds.
    Pop { ms: u8 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..8, prop_oneof![9 => Just(0u8), 1 => 0u8..60]).prop_map(|(back, pause)| Op::Push { back, pause }),
        3 => (0u8..60).prop_map(|ms| Op::Pop { ms }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn plays_each_packet_at_most_once_in_order(
        ops in prop::collection::vec(op(), 1..600),
        seq0 in any::<u16>(),
        ts0 in any::<u32>(),
    ) {
        let mut jb = JitterBuffer::new(JitterConfig::default());
        let mut now = Duration::ZERO;
        // Sent packets: (index, timestamp offset in frames).
        let mut sent: Vec<(u64, u64)> = Vec::new();
        let mut frame_clock = 0u64;
        let mut played: Vec<u64> = Vec::new();
        for op in ops {
            match op {
                Op::Push { back, pause } => {
                    let (k, frame) = if back == 0 || sent.len() <= usize::from(back) {
                        frame_clock += 1 + u64::from(pause);
                        sent.push((sent.len() as u64, frame_clock));
                        sent[sent.len() - 1]
                    } else {
                        sent[sent.len() - 1 - usize::from(back)]
                    };
                    let seq = seq0.wrapping_add(k as u16);
                    let ts = ts0.wrapping_add((frame as u32).wrapping_mul(960));
                    jb.push(seq, ts, k, now);
                }
                Op::Pop { ms } => {
                    now += Duration::from_millis(u64::from(ms));
                    if let Playout::Frame(k) = jb.pop(now) {
                        played.push(k);
                    }
                }
            }
        }
        prop_assert!(played.windows(2).all(|w| w[0] < w[1]), "played {:?}", played);
        let s = jb.stats();
        prop_assert!(s.target_delay >= Duration::from_millis(20));
        prop_assert!(s.target_delay <= Duration::from_millis(200));
        prop_assert!(s.lost <= s.expected);
    }
}
