//! A token bucket per client address, sans-IO (the caller passes `now`): what stops one
//! address from creating thousands of guests (K1). IPv6 addresses count by their /64 (one
//! host commonly holds a whole /64). The table is bounded: past [`IpBuckets::max_addresses`]
//! the addresses whose buckets are full again (quiet ones) are forgotten; when none is, a
//! new address is refused rather than the table growing.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// `burst` at once, then `per_minute` a minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketPolicy {
    pub burst: u32,
    pub per_minute: u32,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

#[derive(Debug)]
pub struct IpBuckets {
    policy: BucketPolicy,
    max_addresses: usize,
    buckets: HashMap<IpAddr, Bucket>,
}

/// The address a bucket counts: IPv4 as is, IPv6 by its /64 (an IPv4-mapped one as IPv4).
fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

impl IpBuckets {
    pub fn new(policy: BucketPolicy, max_addresses: usize) -> IpBuckets {
        IpBuckets {
            policy,
            max_addresses: max_addresses.max(1),
            buckets: HashMap::new(),
        }
    }

    fn per_second(&self) -> f64 {
        f64::from(self.policy.per_minute) / 60.0
    }

    fn refilled(&self, b: Bucket, now: Instant) -> f64 {
        let refill = now.saturating_duration_since(b.last).as_secs_f64() * self.per_second();
        (b.tokens + refill).min(f64::from(self.policy.burst))
    }

    /// Take one token of `ip`'s bucket, or say how long until one is there.
    pub fn take(&mut self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let ip = key(ip);
        if !self.buckets.contains_key(&ip) && self.buckets.len() >= self.max_addresses {
            self.forget_quiet(now);
            if self.buckets.len() >= self.max_addresses {
                return Err(Duration::from_secs(60));
            }
        }
        let full = f64::from(self.policy.burst);
        let current = self
            .buckets
            .get(&ip)
            .map_or(full, |b| self.refilled(*b, now));
        if current >= 1.0 {
            self.buckets.insert(
                ip,
                Bucket {
                    tokens: current - 1.0,
                    last: now,
                },
            );
            return Ok(());
        }
        self.buckets.insert(
            ip,
            Bucket {
                tokens: current,
                last: now,
            },
        );
        let per_second = self.per_second();
        if per_second <= 0.0 {
            return Err(Duration::from_secs(60 * 60));
        }
        Err(Duration::from_secs_f64((1.0 - current) / per_second))
    }

    /// Forget the addresses whose buckets have refilled (they are as if never seen).
    fn forget_quiet(&mut self, now: Instant) {
        let full = f64::from(self.policy.burst);
        let per_second = self.per_second();
        self.buckets.retain(|_, b| {
            let refill = now.saturating_duration_since(b.last).as_secs_f64() * per_second;
            b.tokens + refill < full
        });
    }

    /// How many addresses are remembered.
    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use super::*;

    const POLICY: BucketPolicy = BucketPolicy {
        burst: 3,
        per_minute: 6,
    };

    fn v4(last: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, last))
    }

    #[test]
    fn a_burst_then_the_rate_and_other_addresses_are_not_touched() {
        let mut b = IpBuckets::new(POLICY, 100);
        let t0 = Instant::now();
        for _ in 0..3 {
            b.take(v4(1), t0).expect("the burst");
        }
        let wait = b.take(v4(1), t0).expect_err("over the burst");
        assert_eq!(wait, Duration::from_secs(10), "6 a minute: one every 10 s");
        b.take(v4(2), t0).expect("another address");
        assert!(b.take(v4(1), t0 + Duration::from_secs(9)).is_err());
        b.take(v4(1), t0 + Duration::from_secs(10))
            .expect("refilled one");
        assert!(b.take(v4(1), t0 + Duration::from_secs(10)).is_err());
    }

    #[test]
    fn an_ipv6_host_counts_as_its_slash_64() {
        let mut b = IpBuckets::new(POLICY, 100);
        let t0 = Instant::now();
        for i in 0..3 {
            b.take(
                IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 2, i, 7, 7, 7)),
                t0,
            )
            .expect("the burst");
        }
        assert!(
            b.take(
                IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 99, 1, 1, 1)),
                t0
            )
            .is_err(),
            "the same /64"
        );
        b.take(
            IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 3, 0, 0, 0, 1)),
            t0,
        )
        .expect("another /64");
    }

    #[test]
    fn the_table_is_bounded_and_quiet_addresses_are_forgotten() {
        let mut b = IpBuckets::new(POLICY, 4);
        let t0 = Instant::now();
        for i in 0..4 {
            b.take(v4(i), t0).expect("room");
        }
        assert!(b.take(v4(9), t0).is_err(), "full of busy addresses");
        assert_eq!(b.len(), 4);
        let later = t0 + Duration::from_secs(10);
        b.take(v4(9), later).expect("the quiet ones were forgotten");
        assert_eq!(b.len(), 1);
    }
}
