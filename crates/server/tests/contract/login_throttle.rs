//! The shared login throttle's state (issue 17): kept per key when a change says so, read
//! back by any server of the database, forgotten when quiet, and changed one at a time: two
//! servers counting failures of the same keys in parallel lose none.

use std::sync::Arc;

use linedesk_server::shared_throttle::ThrottleState;
use linedesk_server::storage::Storage;

use super::{NOW, Open};

const KEYS: [&str; 2] = ["login:10.0.0.1:anna", "ip:10.0.0.1"];

fn keys() -> Vec<String> {
    KEYS.iter().map(|k| (*k).to_string()).collect()
}

fn read<S: Storage>(s: &S, keys: &[String]) -> Vec<ThrottleState> {
    let mut seen = Vec::new();
    s.update_login_throttle(keys, NOW, 0, &mut |states| {
        seen = states.to_vec();
        false
    })
    .expect("read the throttle");
    seen
}

fn count<S: Storage>(s: &S, at: i64) {
    s.update_login_throttle(&keys(), at, 0, &mut |states| {
        for state in states.iter_mut() {
            state.failures_ms.push(at);
        }
        true
    })
    .expect("count a failure");
}

pub fn shared_login_throttle<S: Storage>(open: Open<'_, S>) {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("server.db");
    let a = Arc::new(open(&path));
    assert_eq!(read(a.as_ref(), &keys()), vec![ThrottleState::default(); 2]);
    // A change that says it changed nothing keeps nothing.
    a.update_login_throttle(&keys(), NOW, 0, &mut |states| {
        states[0].lockouts = 9;
        false
    })
    .expect("no change");
    assert_eq!(read(a.as_ref(), &keys()), vec![ThrottleState::default(); 2]);
    let locked = ThrottleState {
        failures_ms: vec![NOW - 1, NOW],
        locked_until_ms: Some(NOW + 60_000),
        lockouts: 2,
    };
    a.update_login_throttle(&keys()[..1], NOW, 0, &mut |states| {
        states[0] = locked.clone();
        true
    })
    .expect("keep");
    let b = Arc::new(open(&path));
    assert_eq!(
        read(b.as_ref(), &keys()),
        vec![locked.clone(), ThrottleState::default()],
        "another server of the database reads it"
    );

    // In parallel on two servers: every failure counted.
    let threads: Vec<_> = [&a, &b, &a, &b]
        .into_iter()
        .enumerate()
        .map(|(t, s)| {
            let s = Arc::clone(s);
            std::thread::spawn(move || {
                for i in 0..10 {
                    count(s.as_ref(), NOW + 1_000 + (t * 10 + i) as i64);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a counting thread");
    }
    let after = read(a.as_ref(), &keys());
    assert_eq!(
        after[0].failures_ms.len(),
        2 + 40,
        "none lost on the login's key"
    );
    assert_eq!(
        after[1].failures_ms.len(),
        40,
        "none lost on the address's key"
    );

    // Quiet keys are forgotten at the next change.
    let other = vec!["ip:10.0.0.2".to_string()];
    b.update_login_throttle(&other, NOW + 10_000_000, NOW + 5_000_000, &mut |states| {
        states[0].lockouts = 1;
        true
    })
    .expect("forget the quiet");
    assert_eq!(read(a.as_ref(), &keys()), vec![ThrottleState::default(); 2]);
    assert_eq!(read(a.as_ref(), &other)[0].lockouts, 1);
}
