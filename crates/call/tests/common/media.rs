//! Dummy audio for the transport tests: packets carry a counter and their send time, so the
//! receiver can check order and loss and measure the one-way delay in one process.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use linedesk_call::{Call, ReceivedPacket, Sent, TICKS_PER_PACKET};
use tokio::sync::mpsc;

/// The instant send times are counted from (both peers live in this process).
pub fn epoch() -> Instant {
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// A 60-byte payload (a 24 kb/s Opus frame's size): counter, send time in ns, filler.
pub fn payload(counter: u64) -> Bytes {
    let mut p = Vec::with_capacity(60);
    p.extend_from_slice(&counter.to_be_bytes());
    let sent = u64::try_from(epoch().elapsed().as_nanos()).unwrap_or(u64::MAX);
    p.extend_from_slice(&sent.to_be_bytes());
    p.resize(60, 0x5a);
    Bytes::from(p)
}

/// (counter, one-way delay) of a received dummy packet.
pub fn read(p: &ReceivedPacket) -> (u64, Duration) {
    let word = |at: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&p.payload[at..at + 8]);
        u64::from_be_bytes(b)
    };
    let sent = epoch() + Duration::from_nanos(word(8));
    (word(0), p.arrival.saturating_duration_since(sent))
}

/// Send `count` packets every 20 ms starting at counter `first`: how many went out.
pub async fn send(call: &Arc<Call>, first: u64, count: u64) -> u64 {
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let mut sent = 0;
    for n in first..first + count {
        tick.tick().await;
        let ts = (n as u32).wrapping_mul(TICKS_PER_PACKET);
        if call.send_packet(payload(n), ts).await.expect("send") == Sent::Sent {
            sent += 1;
        }
    }
    sent
}

/// Everything received within `quiet` of the previous packet.
pub async fn drain(
    rx: &mut mpsc::Receiver<ReceivedPacket>,
    quiet: Duration,
) -> Vec<ReceivedPacket> {
    let mut out = Vec::new();
    while let Ok(Some(p)) = tokio::time::timeout(quiet, rx.recv()).await {
        out.push(p);
    }
    out
}

/// Read `count` packets as they come (as a jitter buffer would), or what came within `quiet`
/// of the previous one.
pub async fn collect(
    rx: &mut mpsc::Receiver<ReceivedPacket>,
    count: u64,
    quiet: Duration,
) -> Vec<ReceivedPacket> {
    let mut out = Vec::new();
    while (out.len() as u64) < count {
        match tokio::time::timeout(quiet, rx.recv()).await {
            Ok(Some(p)) => out.push(p),
            _ => break,
        }
    }
    out
}

/// p50 and p99 of `delays`.
pub fn percentiles(mut delays: Vec<Duration>) -> (Duration, Duration) {
    delays.sort();
    let at = |q: f64| {
        let i = ((delays.len() as f64 - 1.0) * q).round() as usize;
        delays.get(i).copied().unwrap_or_default()
    };
    (at(0.50), at(0.99))
}

/// Check `packets` are counters `first..first + count` in order with consecutive RTP sequence
/// numbers and timestamps 960 apart: the delays.
pub fn no_loss(packets: &[ReceivedPacket], first: u64, count: u64) -> Vec<Duration> {
    let counters: Vec<u64> = packets.iter().map(|p| read(p).0).collect();
    let expected: Vec<u64> = (first..first + count).collect();
    assert_eq!(counters, expected, "lost or reordered packets");
    for pair in packets.windows(2) {
        assert_eq!(pair[1].seq, pair[0].seq.wrapping_add(1));
        assert_eq!(
            pair[1].timestamp,
            pair[0].timestamp.wrapping_add(TICKS_PER_PACKET)
        );
    }
    packets.iter().map(|p| read(p).1).collect()
}
