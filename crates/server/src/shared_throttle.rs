//! The login throttle shared by the servers of one database (issue 17), sans-IO: the rule of
//! [`crate::throttle`] (after [`Policy::max_failures`] failed logins for one login from one
//! address, or from one address at all, within [`Policy::window`], refuse for a cooldown that
//! doubles with each lockout; a success resets) over a state the storage keeps
//! ([`crate::storage::Storage::update_login_throttle`]), in wall-clock milliseconds, so a
//! guesser who spreads attempts over several servers meets the same limit as on one. The
//! in-memory throttle stays in front of it (it also counts attempts still running, which a
//! crashed server could never release from a shared count).

use std::net::IpAddr;
use std::time::Duration;

use crate::throttle::{Outcome, Policy, cooldown};

/// Logins longer than this are throttled by their first this-many bytes (as in memory).
const KEY_BYTES: usize = 128;

/// What the storage keeps of one key (a login from an address, or an address).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThrottleState {
    /// Failures since the last lockout or success, ms since the epoch.
    pub failures_ms: Vec<i64>,
    pub locked_until_ms: Option<i64>,
    pub lockouts: u32,
}

/// The keys of a login from an address in the shared state: the login (cut to
/// [`KEY_BYTES`]) with the address, then the address alone when known.
pub fn keys(login: &str, ip: Option<IpAddr>) -> Vec<String> {
    let mut end = login.len().min(KEY_BYTES);
    while !login.is_char_boundary(end) {
        end -= 1;
    }
    let from = ip.map_or_else(|| "?".to_string(), |ip| ip.to_string());
    let mut keys = vec![format!("login:{from}:{}", &login[..end])];
    keys.extend(ip.map(|ip| format!("ip:{ip}")));
    keys
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// How long until an attempt may start at `now_ms`: `None` when no key is locked.
pub fn wait(states: &[ThrottleState], now_ms: i64) -> Option<Duration> {
    states
        .iter()
        .filter_map(|s| s.locked_until_ms.filter(|until| *until > now_ms))
        .max()
        .map(|until| Duration::from_millis(u64::try_from(until - now_ms).unwrap_or(0)))
}

/// Count a finished attempt's `outcome` in every key's state; whether anything changed.
pub fn finish(
    policy: &Policy,
    states: &mut [ThrottleState],
    outcome: Outcome,
    now_ms: i64,
) -> bool {
    match outcome {
        Outcome::Undecided => false,
        Outcome::Succeeded => {
            let mut changed = false;
            for s in states.iter_mut() {
                changed |= *s != ThrottleState::default();
                *s = ThrottleState::default();
            }
            changed
        }
        Outcome::Failed => {
            let window = ms(policy.window);
            for s in states.iter_mut() {
                s.failures_ms.retain(|t| now_ms - t < window);
                s.failures_ms.push(now_ms);
                if s.failures_ms.len() >= policy.max_failures {
                    s.lockouts = s.lockouts.saturating_add(1);
                    s.locked_until_ms = Some(now_ms + ms(cooldown(policy, s.lockouts)));
                    s.failures_ms.clear();
                }
            }
            true
        }
    }
}

/// A state quiet for longer than the policy's memory may be forgotten (its cooldowns start
/// over): before `now_ms - memory`, with no lock still running.
pub fn forget_before(policy: &Policy, now_ms: i64) -> i64 {
    now_ms - ms(policy.memory)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1)));
    const MIN: i64 = 60_000;

    #[test]
    fn five_failures_lock_every_key_with_a_growing_cooldown_and_a_success_resets() {
        let policy = Policy::default();
        let mut states = vec![ThrottleState::default(); keys("anna", A).len()];
        for i in 0..5 {
            assert_eq!(wait(&states, i), None);
            assert!(finish(&policy, &mut states, Outcome::Failed, i));
        }
        assert_eq!(wait(&states, 4), Some(Duration::from_secs(60)));
        assert_eq!(
            wait(&states, 4 + MIN),
            None,
            "the first cooldown is a minute"
        );
        for i in 0..5 {
            finish(&policy, &mut states, Outcome::Failed, 2 * MIN + i);
        }
        assert_eq!(
            wait(&states, 2 * MIN + 4),
            Some(Duration::from_secs(120)),
            "the second doubles"
        );
        assert!(finish(&policy, &mut states, Outcome::Succeeded, 5 * MIN));
        assert_eq!(states, vec![ThrottleState::default(); 2]);
        assert!(!finish(&policy, &mut states, Outcome::Succeeded, 5 * MIN));
        assert!(!finish(&policy, &mut states, Outcome::Undecided, 5 * MIN));
    }

    #[test]
    fn failures_older_than_the_window_do_not_count() {
        let policy = Policy::default();
        let mut states = vec![ThrottleState::default()];
        for i in 0..4 {
            finish(&policy, &mut states, Outcome::Failed, i);
        }
        finish(&policy, &mut states, Outcome::Failed, 16 * MIN);
        assert_eq!(wait(&states, 16 * MIN), None);
        assert_eq!(states[0].failures_ms, vec![16 * MIN]);
    }

    #[test]
    fn keys_name_the_login_from_the_address_and_the_address() {
        assert_eq!(keys("anna", A), vec!["login:10.0.0.1:anna", "ip:10.0.0.1"]);
        assert_eq!(keys("anna", None), vec!["login:?:anna"]);
        let long = "я".repeat(100);
        assert_eq!(keys(&long, None)[0].len(), "login:?:".len() + 128);
    }
}
