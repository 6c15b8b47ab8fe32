//! Login throttling, sans-IO: the caller passes `now`, so the rules are tested without sleeping.
//!
//! After [`Policy::max_failures`] failed logins for one login from one IP address, or for any
//! logins from one address, within [`Policy::window`], every further attempt for that login from
//! that address (or from that address at all) is refused for a cooldown, whatever the password;
//! each lockout doubles the next cooldown (up to [`Policy::max_cooldown`]). A success resets the
//! failures and cooldowns of its (login, address) and of its address.
//!
//! Failures are counted per (login, address), not per login: a stranger guessing at an account
//! from their own address locks only themselves out, and the owner, logging in from an address
//! that never failed, still gets in (the lockout that one login would take everywhere let anyone
//! lock anyone out with five bad passwords). Guessing one password from many addresses is slowed
//! by argon2 and by each address's own cap.
//!
//! Resetting the address too is a trade-off: an office behind one NAT address should not be
//! locked out because five people mistyped over a morning. Someone holding one account can thus
//! reset their address's count by logging in between guesses, but every login they guess at
//! still locks after five failures, with growing cooldowns.
//!
//! For a (login, address), an attempt counts from the moment it starts
//! ([`LoginThrottle::attempt`]) until it is [finished](LoginThrottle::finish), so a burst of
//! parallel guesses at one account cannot slip past the limit while the slow password hashes
//! run. For an address only finished
//! failures count: a whole office behind one NAT address reconnecting at once (after a network
//! blip) must not be refused for logging in in parallel.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub max_failures: usize,
    pub window: Duration,
    pub first_cooldown: Duration,
    pub max_cooldown: Duration,
    /// A login or address quiet for this long is forgotten (its cooldowns start over).
    pub memory: Duration,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            max_failures: 5,
            window: Duration::from_secs(15 * 60),
            first_cooldown: Duration::from_secs(60),
            max_cooldown: Duration::from_secs(60 * 60),
            memory: Duration::from_secs(24 * 60 * 60),
        }
    }
}

/// Logins longer than this are throttled by their first this-many bytes (memory bound).
const KEY_BYTES: usize = 128;
/// Forget quiet entries when the table grows past this many.
const SWEEP_ABOVE: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    /// A login tried from one address (`None`: the address is unknown).
    LoginFrom(String, Option<IpAddr>),
    Ip(IpAddr),
}

#[derive(Debug)]
struct Entry {
    failures: VecDeque<Instant>,
    in_flight: usize,
    locked_until: Option<Instant>,
    lockouts: u32,
    last_seen: Instant,
}

impl Entry {
    fn new(now: Instant) -> Entry {
        Entry {
            failures: VecDeque::new(),
            in_flight: 0,
            locked_until: None,
            lockouts: 0,
            last_seen: now,
        }
    }
}

/// An attempt in progress: hand it back to [`LoginThrottle::finish`].
#[derive(Debug)]
#[must_use = "finish the attempt, or it keeps counting against the login"]
pub struct Attempt {
    keys: Vec<Key>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    /// A wrong login or password.
    Failed,
    /// The server failed before it could tell: counts neither way.
    Undecided,
}

#[derive(Debug, Default)]
pub struct LoginThrottle {
    policy: Policy,
    entries: HashMap<Key, Entry>,
}

fn keys(login: &str, ip: Option<IpAddr>) -> Vec<Key> {
    let mut end = login.len().min(KEY_BYTES);
    while !login.is_char_boundary(end) {
        end -= 1;
    }
    let mut keys = vec![Key::LoginFrom(login[..end].to_string(), ip)];
    keys.extend(ip.map(Key::Ip));
    keys
}

impl LoginThrottle {
    pub fn new(policy: Policy) -> LoginThrottle {
        LoginThrottle {
            policy,
            entries: HashMap::new(),
        }
    }

    /// The limits it applies (the shared throttle applies the same, `shared_throttle.rs`).
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// Start an attempt, or refuse it: `Err(wait)` says how long until the next may start.
    pub fn attempt(
        &mut self,
        login: &str,
        ip: Option<IpAddr>,
        now: Instant,
    ) -> Result<Attempt, Duration> {
        if self.entries.len() > SWEEP_ABOVE {
            self.sweep(now);
        }
        let keys = keys(login, ip);
        let mut wait = Duration::ZERO;
        for key in &keys {
            let Some(e) = self.entries.get_mut(key) else {
                continue;
            };
            if let Some(until) = e.locked_until.filter(|until| *until > now) {
                wait = wait.max(until - now);
            }
            while e
                .failures
                .front()
                .is_some_and(|t| now.duration_since(*t) >= self.policy.window)
            {
                e.failures.pop_front();
            }
            let running = match key {
                Key::LoginFrom(..) => e.in_flight,
                Key::Ip(_) => 0,
            };
            if e.failures.len() + running >= self.policy.max_failures {
                // The limit is taken by attempts still running: try again shortly.
                wait = wait.max(Duration::from_secs(1));
            }
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        for key in &keys {
            let e = self
                .entries
                .entry(key.clone())
                .or_insert_with(|| Entry::new(now));
            e.in_flight += 1;
            e.last_seen = now;
        }
        Ok(Attempt { keys })
    }

    pub fn finish(&mut self, attempt: Attempt, outcome: Outcome, now: Instant) {
        let policy = self.policy;
        for key in attempt.keys {
            let Some(e) = self.entries.get_mut(&key) else {
                continue;
            };
            e.in_flight = e.in_flight.saturating_sub(1);
            e.last_seen = now;
            match (outcome, &key) {
                (Outcome::Failed, _) => {
                    e.failures.push_back(now);
                    if e.failures.len() >= policy.max_failures {
                        e.lockouts = e.lockouts.saturating_add(1);
                        e.locked_until = Some(now + cooldown(&policy, e.lockouts));
                        e.failures.clear();
                    }
                }
                (Outcome::Succeeded, _) => {
                    e.failures.clear();
                    e.locked_until = None;
                    e.lockouts = 0;
                }
                (Outcome::Undecided, _) => {}
            }
        }
    }

    /// Forget entries quiet for longer than the policy's memory.
    fn sweep(&mut self, now: Instant) {
        let memory = self.policy.memory;
        self.entries.retain(|_, e| {
            e.in_flight > 0
                || e.locked_until.is_some_and(|until| until > now)
                || now.duration_since(e.last_seen) < memory
        });
    }

    /// How many logins and addresses are remembered (for tests).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// `first_cooldown` doubled for each lockout after the first, at most `max_cooldown`.
pub(crate) fn cooldown(policy: &Policy, lockouts: u32) -> Duration {
    let factor = 1u32 << lockouts.saturating_sub(1).min(16);
    policy
        .first_cooldown
        .saturating_mul(factor)
        .min(policy.max_cooldown)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1)));
    const B: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2)));

    fn min(m: u64) -> Duration {
        Duration::from_secs(m * 60)
    }

    fn fail(t: &mut LoginThrottle, login: &str, ip: Option<IpAddr>, now: Instant) {
        let a = t.attempt(login, ip, now).expect("allowed");
        t.finish(a, Outcome::Failed, now);
    }

    #[test]
    fn five_failures_lock_the_login_with_a_growing_cooldown() {
        let mut t = LoginThrottle::default();
        let t0 = Instant::now();
        for i in 0..5 {
            fail(&mut t, "anna", A, t0 + Duration::from_secs(i));
        }
        let locked_at = t0 + Duration::from_secs(4);
        // From that address, whatever the password.
        assert_eq!(t.attempt("anna", A, locked_at).expect_err("locked"), min(1));
        assert!(
            t.attempt("anna", A, locked_at + min(1) - Duration::from_secs(1))
                .is_err()
        );
        // The cooldown over, five more failures lock it for twice as long, then four times.
        let mut now = locked_at + min(1);
        for expected in [min(2), min(4)] {
            for _ in 0..5 {
                fail(&mut t, "anna", A, now);
            }
            assert_eq!(t.attempt("anna", A, now).expect_err("locked"), expected);
            now += expected;
        }
        let a = t.attempt("anna", A, now).expect("cooled down");
        t.finish(a, Outcome::Succeeded, now);
    }

    #[test]
    fn a_stranger_cannot_lock_the_owner_out_of_their_own_address() {
        let mut t = LoginThrottle::default();
        let t0 = Instant::now();
        for _ in 0..8 {
            if let Ok(a) = t.attempt("anna", B, t0) {
                t.finish(a, Outcome::Failed, t0);
            }
        }
        assert!(t.attempt("anna", B, t0).is_err(), "the stranger is locked");
        let own = t
            .attempt("anna", A, t0)
            .expect("the owner's address never failed");
        t.finish(own, Outcome::Succeeded, t0);
        assert!(t.attempt("anna", B, t0).is_err(), "and stays locked");
    }

    #[test]
    fn a_success_resets_the_failures_of_the_login() {
        let mut t = LoginThrottle::default();
        let t0 = Instant::now();
        for _ in 0..4 {
            fail(&mut t, "anna", None, t0);
        }
        let a = t.attempt("anna", None, t0).expect("allowed");
        t.finish(a, Outcome::Succeeded, t0);
        for _ in 0..4 {
            fail(&mut t, "anna", None, t0);
        }
        assert!(
            t.attempt("anna", None, t0).is_ok(),
            "4 + 4 with a success between"
        );
    }

    #[test]
    fn failures_older_than_the_window_do_not_count() {
        let mut t = LoginThrottle::default();
        let t0 = Instant::now();
        for i in 0..4 {
            fail(&mut t, "anna", None, t0 + Duration::from_secs(i));
        }
        let later = t0 + min(15) + Duration::from_secs(4);
        fail(&mut t, "anna", None, later);
        assert!(t.attempt("anna", None, later).is_ok());
    }

    #[test]
    fn one_address_guessing_many_logins_is_locked_until_a_success_from_it() {
        let mut t = LoginThrottle::default();
        let t0 = Instant::now();
        for i in 0..4 {
            fail(&mut t, &format!("user{i}"), A, t0);
        }
        let own = t.attempt("anna", A, t0).expect("allowed");
        t.finish(own, Outcome::Succeeded, t0);
        for i in 0..4 {
            fail(&mut t, &format!("user{i}"), A, t0);
        }
        let vera = t
            .attempt("vera", A, t0)
            .expect("4 + 4 with a success between");
        t.finish(vera, Outcome::Undecided, t0);
        fail(&mut t, "user9", A, t0);
        assert_eq!(t.attempt("vera", A, t0).expect_err("locked"), min(1));
        assert!(t.attempt("vera", B, t0).is_ok(), "other addresses are not");
    }

    #[test]
    fn parallel_attempts_count_while_they_run_and_undecided_ones_do_not_count() {
        let mut t = LoginThrottle::default();
        let t0 = Instant::now();
        let running: Vec<Attempt> = (0..5)
            .map(|_| t.attempt("anna", None, t0).expect("allowed"))
            .collect();
        assert!(
            t.attempt("anna", None, t0).is_err(),
            "five guesses in flight"
        );
        for a in running {
            t.finish(a, Outcome::Undecided, t0);
        }
        assert!(t.attempt("anna", None, t0).is_ok());
    }

    #[test]
    fn an_office_behind_one_address_logs_in_at_once() {
        let mut t = LoginThrottle::default();
        let t0 = Instant::now();
        let running: Vec<Attempt> = (0..500)
            .map(|i| t.attempt(&format!("user{i}"), A, t0).expect("allowed"))
            .collect();
        for a in running {
            t.finish(a, Outcome::Succeeded, t0);
        }
    }

    #[test]
    fn quiet_entries_are_forgotten_and_long_logins_are_cut() {
        let mut t = LoginThrottle::default();
        let t0 = Instant::now();
        for i in 0..=SWEEP_ABOVE {
            fail(&mut t, &format!("{i}{}", "x".repeat(1000)), None, t0);
        }
        assert_eq!(t.len(), SWEEP_ABOVE + 1);
        let a = t.attempt("anna", None, t0 + min(24 * 60)).expect("allowed");
        assert_eq!(t.len(), 1, "only anna's attempt is remembered");
        t.finish(a, Outcome::Failed, t0);
    }
}
