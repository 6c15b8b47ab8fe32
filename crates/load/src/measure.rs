//! What a run measures besides the wire: percentiles, a process's memory (PSS) and CPU time
//! from `/proc`, and one routing decision in-process.

use std::time::Instant;

use linedesk_domain::ids::SpecialistId;
use linedesk_domain::presence::PresenceStatus;
use linedesk_domain::routing::{Specialist, route};

pub fn micros_since(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX)
}

/// The `p` quantile (0..=1) of sorted samples; 0 for none.
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// A process's proportional set size in KiB (`"self"` or a pid).
pub fn pss_kib(pid: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// A process's user + system CPU time so far, in clock ticks (`"self"` or a pid).
pub fn cpu_ticks(pid: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces: count fields after its closing parenthesis.
    let rest = &text[text.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    // After ")": state is field 3 of the man page; utime and stime are 14 and 15.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// Clock ticks per second of `/proc/*/stat` (USER_HZ, 100 on Linux).
pub const TICKS_PER_SECOND: f64 = 100.0;

/// CPU used between two readings over `seconds`, as a share of one core in percent.
pub fn cpu_percent(before: Option<u64>, after: Option<u64>, seconds: f64) -> Option<f64> {
    let used = after?.checked_sub(before?)? as f64 / TICKS_PER_SECOND;
    Some(100.0 * used / seconds.max(f64::EPSILON))
}

/// p99 of one routing decision on a line of `team` specialists, in nanoseconds.
pub fn routing_p99_ns(team: usize) -> u64 {
    let specialists: Vec<Specialist> = (0..team as u64)
        .map(|i| Specialist {
            id: SpecialistId(i),
            presence: PresenceStatus::Available,
            priority: (i % 7) as u8,
            limit: 20,
            load: (i % 20) as u32,
        })
        .collect();
    let mut samples: Vec<u64> = (0..20_000)
        .map(|i| {
            let started = Instant::now();
            std::hint::black_box(route(&specialists, &[SpecialistId(i % team as u64)], None));
            u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX)
        })
        .collect();
    samples.sort_unstable();
    percentile(&samples, 0.99)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_the_nearest_rank() {
        let samples: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&samples, 0.5), 51);
        assert_eq!(percentile(&samples, 0.99), 99);
        assert_eq!(percentile(&[], 0.99), 0);
    }

    #[test]
    fn this_process_has_cpu_time_and_memory() {
        let spin = Instant::now();
        while spin.elapsed().as_millis() < 30 {
            std::hint::black_box(spin.elapsed());
        }
        assert!(cpu_ticks("self").is_some_and(|t| t > 0));
        assert!(pss_kib("self").is_some_and(|k| k > 0));
    }
}
