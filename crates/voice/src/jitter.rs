//! Adaptive jitter buffer, sans-IO: the caller pushes packets as they arrive and pops one
//! playout decision every 20 ms; time is always an argument, never read from a clock.
//!
//! **Timeline.** Playout walks the sender's RTP timestamps one frame (960 samples) per
//! [`JitterBuffer::pop`]. A packet whose sequence number follows the last one played but whose
//! timestamp is further ahead marks a DTX pause ([`Playout::Nothing`]); a sequence gap is a
//! loss ([`Playout::Lost`], with the next packet when it is already here so the decoder can
//! use its FEC). A packet that arrives after its slot was played is *late*: counted, dropped.
//!
//! **Target delay.** For each packet the buffer records its transit `arrival - timestamp`
//! (sender and receiver clocks differ by an unknown offset, which cancels out). Over a sliding
//! window of the last 250 packets (5 s) the target is the 95th percentile of the transit minus
//! its minimum, clamped to 20-200 ms (60 ms until one second of packets was seen). Slot `X` is
//! due at `X + min transit + target`.
//!
//! **Room for FEC.** A lost packet can be rebuilt from the in-band FEC of the packet after it,
//! but only if that packet is already here when the lost one's slot is played: one frame
//! later than the lost one would have been. So while losses were seen among the last 250
//! packets, the target gets one more frame (20 ms); a clean path keeps the short delay.
//!
//! **Adjusting, and clock drift.** When the actual delay is 20 ms above the target the buffer
//! skips one slot; 20 ms below, it inserts one (a [`Playout::Nothing`] that does not advance the
//! timeline). It waits for a DTX pause to do so unless the error reaches 60 ms above (cutting
//! 20 ms of speech is worse than a little extra delay) or 20 ms below (being early makes
//! packets late, which costs more than a little delay). Clock drift
//! between sender and receiver (±0.1 % is 1 ms per second) shows up as the transit creeping up
//! or down, so it is absorbed by this same mechanism: one skipped or inserted frame about every
//! 20 s, in silence when the talker pauses. No resampling of the decoded audio is needed.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use crate::codec::FRAME_SAMPLES;

/// What to play for the next 20 ms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Playout<P> {
    /// Decode and play this payload.
    Frame(P),
    /// The packet due now is missing: conceal it. `next` is the following packet when it is
    /// already buffered (decode its FEC with [`crate::codec::Decoder::conceal`]).
    Lost { next: Option<P> },
    /// No packet is due: not started yet, the sender is silent (DTX), the buffer ran dry, or it
    /// is stretching its delay. Play comfort noise (`Decoder::decode(None)`) or silence.
    Nothing,
}

/// Limits of the adaptive delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JitterConfig {
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// Target used until one second of packets was observed: 40 ms, two packets, so a clean
    /// network meets the 80 ms mouth-to-ear budget from the first word.
    pub initial_delay: Duration,
}

impl Default for JitterConfig {
    fn default() -> Self {
        Self {
            min_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
            initial_delay: Duration::from_millis(40),
        }
    }
}

/// Counters since the buffer was created, for the call statistics and the E-model.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct JitterStats {
    /// Distinct packets received (late ones included).
    pub received: u64,
    /// Packets the sender sent, from the sequence numbers (first to highest seen).
    pub expected: u64,
    /// Packets that never arrived: `expected - received` (RTCP's cumulative loss).
    pub lost: u64,
    /// Packets that arrived after their slot was played (dropped).
    pub late: u64,
    /// Copies of packets already received (dropped).
    pub duplicates: u64,
    /// Slots played as [`Playout::Lost`].
    pub concealed: u64,
    /// Slots skipped to shrink the delay.
    pub skipped: u64,
    /// Slots inserted to grow the delay.
    pub inserted: u64,
    /// How long the slot just played waited after the fastest possible arrival.
    pub current_delay: Duration,
    /// The mean of `current_delay` over every slot played so far (where the buffer's share of
    /// the mouth-to-ear delay goes).
    pub mean_delay: Duration,
    pub target_delay: Duration,
    /// RFC 3550 interarrival jitter.
    pub jitter: Duration,
}

impl JitterStats {
    /// Packets that never arrived, in percent of those sent.
    pub fn loss_percent(&self) -> f64 {
        percent(self.lost, self.expected)
    }
    /// Packets that arrived too late to play, in percent of those sent.
    pub fn late_percent(&self) -> f64 {
        percent(self.late, self.expected)
    }
}

fn percent(n: u64, of: u64) -> f64 {
    if of == 0 {
        0.0
    } else {
        n as f64 * 100.0 / of as f64
    }
}

const FRAME: i64 = FRAME_SAMPLES as i64;
const WINDOW: usize = 250;
const WARM_UP: usize = 50;
const SEEN: usize = 1024;
/// At most 10 s of audio is held; older packets are dropped if the caller stops popping.
const MAX_PACKETS: usize = 500;

#[derive(Debug)]
struct Packet<P> {
    ts: i64,
    payload: P,
}

/// The adaptive jitter buffer. `P` is the payload (the Opus packet), opaque here.
#[derive(Debug)]
pub struct JitterBuffer<P> {
    config: JitterConfig,
    packets: BTreeMap<i64, Packet<P>>,
    /// Extended sequence numbers recently received, indexed by `seq mod SEEN`.
    seen: Vec<i64>,
    first_seq: Option<i64>,
    highest_seq: i64,
    highest_ts: i64,
    playing: bool,
    next_seq: i64,
    play_ts: i64,
    /// Transit times (µs) of the last `WINDOW` packets.
    transits: VecDeque<i64>,
    base_transit: i64,
    target_us: i64,
    last_transit: Option<i64>,
    jitter_us: f64,
    /// Highest sequence numbers after which a gap (a loss) was seen, oldest first; those more
    /// than `WINDOW` packets old are forgotten.
    gaps: VecDeque<i64>,
    /// Sum and count of the delays of played slots (µs), for `JitterStats::mean_delay`.
    delay_sum_us: i64,
    delays: i64,
    stats: JitterStats,
}

impl<P: Clone> JitterBuffer<P> {
    pub fn new(config: JitterConfig) -> Self {
        Self {
            config,
            packets: BTreeMap::new(),
            seen: vec![i64::MIN; SEEN],
            first_seq: None,
            highest_seq: 0,
            highest_ts: 0,
            playing: false,
            next_seq: 0,
            play_ts: 0,
            transits: VecDeque::with_capacity(WINDOW + 1),
            base_transit: 0,
            target_us: micros(config.initial_delay),
            last_transit: None,
            jitter_us: 0.0,
            gaps: VecDeque::new(),
            delay_sum_us: 0,
            delays: 0,
            stats: JitterStats {
                target_delay: config.initial_delay,
                ..JitterStats::default()
            },
        }
    }

    /// A packet arrived. `seq` and `timestamp` are the RTP fields (both wrap), `timestamp` in
    /// 48 kHz samples; `arrival` is the caller's monotonic clock.
    pub fn push(&mut self, seq: u16, timestamp: u32, payload: P, arrival: Duration) {
        let (seq, ts) = match self.first_seq {
            None => {
                self.first_seq = Some(i64::from(seq));
                self.highest_seq = i64::from(seq);
                self.highest_ts = i64::from(timestamp);
                (i64::from(seq), i64::from(timestamp))
            }
            Some(_) => (
                self.highest_seq + i64::from(seq.wrapping_sub(self.highest_seq as u16) as i16),
                self.highest_ts + i64::from(timestamp.wrapping_sub(self.highest_ts as u32) as i32),
            ),
        };
        let slot = seq.rem_euclid(SEEN as i64) as usize;
        if self.seen[slot] == seq {
            self.stats.duplicates += 1;
            return;
        }
        self.seen[slot] = seq;
        self.stats.received += 1;
        if seq > self.highest_seq + 1 {
            self.gaps.push_back(self.highest_seq);
        }
        while self
            .gaps
            .front()
            .is_some_and(|&at| at + (WINDOW as i64) < seq.max(self.highest_seq))
        {
            self.gaps.pop_front();
        }
        self.highest_seq = self.highest_seq.max(seq);
        self.highest_ts = self.highest_ts.max(ts);
        if let Some(first) = self.first_seq.as_mut() {
            *first = (*first).min(seq);
        }
        self.observe_transit(micros(arrival) - ts_micros(ts));

        if self.playing && (seq < self.next_seq || ts < self.play_ts) {
            self.stats.late += 1;
            return;
        }
        self.packets.insert(seq, Packet { ts, payload });
        if self.packets.len() > MAX_PACKETS {
            self.packets.pop_first();
        }
    }

    /// What to play for the 20 ms starting at `now`; call once per frame.
    pub fn pop(&mut self, now: Duration) -> Playout<P> {
        self.update_target();
        let now = micros(now);
        if !self.playing {
            let Some((&seq, first)) = self.packets.first_key_value() else {
                return Playout::Nothing;
            };
            if now < ts_micros(first.ts) + self.base_transit + self.target_us {
                return Playout::Nothing;
            }
            self.playing = true;
            self.next_seq = seq;
            self.play_ts = first.ts;
        }
        let current = now - ts_micros(self.play_ts) - self.base_transit;
        let error = current - self.target_us;
        let quiet = self.at_pause();
        let frame_us = ts_micros(FRAME);
        let playout = if error >= 3 * frame_us || (error >= frame_us && quiet) {
            self.stats.skipped += 1;
            let _ = self.slot();
            self.slot()
        } else if error <= -frame_us || (error < 0 && quiet) {
            self.stats.inserted += 1;
            Playout::Nothing
        } else {
            self.slot()
        };
        let delay = now - ts_micros(self.play_ts - FRAME) - self.base_transit;
        self.stats.current_delay = from_micros(delay);
        if matches!(playout, Playout::Frame(_)) {
            self.delay_sum_us += delay.max(0);
            self.delays += 1;
        }
        playout
    }

    /// Counters and delays so far.
    pub fn stats(&self) -> JitterStats {
        let mut stats = self.stats;
        if let Some(first) = self.first_seq {
            stats.expected = (self.highest_seq - first + 1) as u64;
            stats.lost = stats.expected.saturating_sub(stats.received);
        }
        stats.target_delay = from_micros(self.target_us);
        stats.jitter = from_micros(self.jitter_us as i64);
        if self.delays > 0 {
            stats.mean_delay = from_micros(self.delay_sum_us / self.delays);
        }
        stats
    }

    /// Packets waiting to be played.
    pub fn len(&self) -> usize {
        self.packets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.packets.is_empty()
    }

    /// Whether the slot due now falls in a pause (DTX gap or empty buffer).
    fn at_pause(&self) -> bool {
        match self.packets.first_key_value() {
            None => true,
            Some((&seq, p)) => seq == self.next_seq && p.ts >= self.play_ts + FRAME,
        }
    }

    /// Play the slot at `play_ts` and advance the timeline by one frame.
    fn slot(&mut self) -> Playout<P> {
        let x = self.play_ts;
        self.play_ts += FRAME;
        loop {
            let Some((&seq, p)) = self.packets.first_key_value() else {
                return Playout::Nothing;
            };
            if p.ts < x || seq < self.next_seq {
                // Its slot has passed (a timestamp that went backwards): too late to play.
                self.packets.pop_first();
                self.stats.late += 1;
                self.next_seq = self.next_seq.max(seq + 1);
                continue;
            }
            let gap = seq - self.next_seq;
            if gap == 0 {
                if p.ts < x + FRAME {
                    self.next_seq += 1;
                    return match self.packets.pop_first() {
                        Some((_, p)) => Playout::Frame(p.payload),
                        None => Playout::Nothing,
                    };
                }
                return Playout::Nothing;
            }
            // `gap` packets are missing before `seq`; assume 20 ms each and skip those whose
            // slots already passed (e.g. while the buffer ran dry).
            let missing_ts = p.ts - gap * FRAME;
            if missing_ts < x {
                self.next_seq += ((x - missing_ts) / FRAME).min(gap);
                if self.next_seq == seq {
                    continue;
                }
            }
            let missing_ts = p.ts - (seq - self.next_seq) * FRAME;
            if missing_ts >= x + FRAME {
                return Playout::Nothing;
            }
            let next = (seq == self.next_seq + 1).then(|| p.payload.clone());
            self.next_seq += 1;
            self.stats.concealed += 1;
            return Playout::Lost { next };
        }
    }

    fn observe_transit(&mut self, transit: i64) {
        if let Some(last) = self.last_transit {
            let d = (transit - last).abs() as f64;
            self.jitter_us += (d - self.jitter_us) / 16.0;
        }
        self.last_transit = Some(transit);
        self.transits.push_back(transit);
        if self.transits.len() > WINDOW {
            self.transits.pop_front();
        }
    }

    fn update_target(&mut self) {
        if self.transits.is_empty() {
            return;
        }
        let mut sorted: Vec<i64> = self.transits.iter().copied().collect();
        let p95 = (sorted.len() * 95).div_ceil(100).saturating_sub(1);
        let (_, &mut high, _) = sorted.select_nth_unstable(p95);
        let base = sorted.iter().copied().min().unwrap_or(high);
        let mut target = high - base;
        if self.transits.len() < WARM_UP {
            target = target.max(micros(self.config.initial_delay));
        }
        target = target.max(micros(self.config.min_delay));
        if !self.gaps.is_empty() {
            // Room for the next packet's FEC (see the module doc).
            target += ts_micros(FRAME);
        }
        self.base_transit = base;
        self.target_us = target.clamp(micros(self.config.min_delay), micros(self.config.max_delay));
    }
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

fn from_micros(us: i64) -> Duration {
    Duration::from_micros(us.max(0) as u64)
}

/// Timestamp (48 kHz samples) to microseconds.
fn ts_micros(ts: i64) -> i64 {
    ts * 125 / 6
}
