//! A deterministic network emulator for tests: seeded loss, jitter, reorder, duplicates and
//! sender clock drift, in the caller's time (sans-IO, like str0m's `netem`).
//!
//! The same seed and the same calls give the same deliveries, so a failing case replays
//! exactly: print the seed in the assertion message and run it again. The PRNG is SplitMix64,
//! written here so that no dependency can change the sequence under the tests.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

/// A small seeded PRNG (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// `true` with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.next_f64() < p
    }

    /// Uniform in `[0, max]`.
    pub fn duration(&mut self, max: Duration) -> Duration {
        max.mul_f64(self.next_f64())
    }
}

/// How bad the emulated network is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NetConfig {
    /// Fixed one-way delay.
    pub delay: Duration,
    /// Extra delay, uniform in `[0, jitter]`, per packet.
    pub jitter: Duration,
    /// Probability that a packet is lost.
    pub loss: f64,
    /// Probability that a packet is held back a further 20-60 ms (reordering it).
    pub reorder: f64,
    /// Probability that a packet is delivered twice.
    pub duplicate: f64,
    /// The sender's clock rate error in parts per million (+1000 = 0.1 % fast): see
    /// [`NetConfig::sender_time`].
    pub drift_ppm: f64,
}

impl Default for NetConfig {
    fn default() -> Self {
        Self {
            delay: Duration::from_millis(30),
            jitter: Duration::ZERO,
            loss: 0.0,
            reorder: 0.0,
            duplicate: 0.0,
            drift_ppm: 0.0,
        }
    }
}

impl NetConfig {
    /// When, on the receiver's clock, the sender's clock shows `sender`: a sender that is
    /// `drift_ppm` fast sends its 20 ms frames that much more often.
    pub fn sender_time(&self, sender: Duration) -> Duration {
        sender.div_f64(1.0 + self.drift_ppm / 1e6)
    }

    /// A random network drawn from the seed: 0-20 % loss, up to 60 ms jitter, up to 5 %
    /// reordered, up to 3 % duplicated, ±0.1 % drift.
    pub fn random(rng: &mut Rng) -> Self {
        Self {
            delay: Duration::from_millis(10) + rng.duration(Duration::from_millis(80)),
            jitter: rng.duration(Duration::from_millis(60)),
            loss: rng.next_f64() * 0.2,
            reorder: rng.next_f64() * 0.05,
            duplicate: rng.next_f64() * 0.03,
            drift_ppm: (rng.next_f64() * 2.0 - 1.0) * 1000.0,
        }
    }
}

/// Packets in flight between one sender and one receiver.
#[derive(Debug)]
pub struct NetSim<P> {
    config: NetConfig,
    rng: Rng,
    in_flight: BinaryHeap<Reverse<(Duration, u64)>>,
    packets: Vec<Option<P>>,
    sent: u64,
    lost: u64,
    duplicated: u64,
}

impl<P: Clone> NetSim<P> {
    pub fn new(seed: u64, config: NetConfig) -> Self {
        Self {
            config,
            rng: Rng::new(seed),
            in_flight: BinaryHeap::new(),
            packets: Vec::new(),
            sent: 0,
            lost: 0,
            duplicated: 0,
        }
    }

    /// Send `packet` at `now` (receiver's clock).
    pub fn send(&mut self, now: Duration, packet: P) {
        self.sent += 1;
        if self.rng.chance(self.config.loss) {
            self.lost += 1;
            return;
        }
        let copies = if self.rng.chance(self.config.duplicate) {
            2
        } else {
            1
        };
        self.duplicated += copies - 1;
        for _ in 0..copies {
            let mut at = now + self.config.delay + self.rng.duration(self.config.jitter);
            if self.rng.chance(self.config.reorder) {
                at += Duration::from_millis(20) + self.rng.duration(Duration::from_millis(40));
            }
            let id = self.packets.len() as u64;
            self.packets.push(Some(packet.clone()));
            self.in_flight.push(Reverse((at, id)));
        }
    }

    /// Everything that has arrived by `now`, in arrival order, with its arrival time.
    pub fn receive(&mut self, now: Duration) -> Vec<(Duration, P)> {
        let mut out = Vec::new();
        while let Some(Reverse((at, id))) = self.in_flight.peek().copied() {
            if at > now {
                break;
            }
            self.in_flight.pop();
            if let Some(p) = self.packets.get_mut(id as usize).and_then(Option::take) {
                out.push((at, p));
            }
        }
        out
    }

    /// Packets still on the way.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Sent, lost and duplicated so far.
    pub fn counts(&self) -> (u64, u64, u64) {
        (self.sent, self.lost, self.duplicated)
    }
}
