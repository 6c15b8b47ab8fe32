//! Jitter buffer cases written by hand: start-up delay, loss with FEC, duplicates and late
//! packets, DTX pauses and sequence wrap-around.

use std::time::Duration;

use linedesk_voice::jitter::{JitterBuffer, JitterConfig, JitterStats, Playout};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Push packets `seqs` on a perfect network (arrival = send time + 10 ms), popping every
/// 20 ms, and return what was played.
fn run(seqs: &[u16], pops: usize) -> (Vec<Playout<u16>>, JitterStats) {
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut out = Vec::new();
    let mut sent = seqs.iter().peekable();
    for tick in 0..pops as u64 {
        let now = ms(tick * 20);
        while let Some(&&s) = sent.peek() {
            if u64::from(s) * 20 + 10 > tick * 20 {
                break;
            }
            jb.push(s, u32::from(s) * 960, s, now);
            sent.next();
        }
        out.push(jb.pop(now));
    }
    (out, jb.stats())
}

fn frames(out: &[Playout<u16>]) -> Vec<u16> {
    out.iter()
        .filter_map(|p| {
            if let Playout::Frame(s) = p {
                Some(*s)
            } else {
                None
            }
        })
        .collect()
}

#[test]
fn plays_in_order_after_the_initial_delay() {
    let seqs: Vec<u16> = (0..100).collect();
    let (out, stats) = run(&seqs, 130);
    assert_eq!(frames(&out), seqs);
    let first = out
        .iter()
        .position(|p| matches!(p, Playout::Frame(_)))
        .unwrap_or(0);
    assert!((3..=5).contains(&first), "started at tick {first}");
    assert_eq!((stats.lost, stats.late, stats.duplicates), (0, 0, 0));
}

#[test]
fn a_gap_is_lost_with_the_next_packet_for_fec() {
    let seqs: Vec<u16> = (0..40).filter(|s| *s != 20).collect();
    let (out, stats) = run(&seqs, 60);
    let i = out
        .iter()
        .position(|p| matches!(p, Playout::Lost { .. }))
        .unwrap_or(0);
    assert_eq!(out[i], Playout::Lost { next: Some(21) });
    assert_eq!(out[i - 1], Playout::Frame(19));
    assert_eq!(out[i + 1], Playout::Frame(21));
    assert_eq!((stats.lost, stats.concealed), (1, 1));
}

#[test]
fn duplicates_and_late_packets_are_counted_and_dropped() {
    let mut jb = JitterBuffer::new(JitterConfig::default());
    for s in 0..10u16 {
        jb.push(s, u32::from(s) * 960, s, ms(u64::from(s) * 20));
        jb.push(s, u32::from(s) * 960, s, ms(u64::from(s) * 20 + 1));
    }
    let played: Vec<_> = (0..20).map(|t| jb.pop(ms(60 + t * 20))).collect();
    jb.push(3, 3 * 960, 3, ms(700));
    jb.push(30, 30 * 960, 30, ms(2000));
    jb.push(12, 12 * 960, 12, ms(2001));
    let stats = jb.stats();
    assert_eq!(frames(&played), (0..10).collect::<Vec<_>>());
    assert_eq!((stats.duplicates, stats.late), (11, 1), "{stats:?}");
}

#[test]
fn dtx_pause_is_nothing_not_loss_and_sequence_wraps() {
    let mut jb = JitterBuffer::new(JitterConfig::default());
    // seq 65530.. wraps to 5; the timestamp jumps 1 s (50 frames) after seq 65535.
    let mut plan = Vec::new();
    for (i, s) in (65530u16..=65535).chain(0..6).enumerate() {
        let frame = if i < 6 { i as u32 } else { i as u32 + 50 };
        plan.push((
            s,
            frame.wrapping_mul(960).wrapping_add(u32::MAX - 5000),
            frame,
        ));
    }
    let mut out = Vec::new();
    for tick in 0..80u32 {
        for &(s, ts, frame) in &plan {
            if frame == tick {
                jb.push(s, ts, s, ms(u64::from(tick) * 20));
            }
        }
        out.push(jb.pop(ms(u64::from(tick) * 20)));
    }
    let expected: Vec<u16> = (65530u16..=65535).chain(0..6).collect();
    assert_eq!(frames(&out), expected);
    let stats = jb.stats();
    assert_eq!(
        (stats.lost, stats.concealed, stats.expected),
        (0, 0, 12),
        "{stats:?}"
    );
}
