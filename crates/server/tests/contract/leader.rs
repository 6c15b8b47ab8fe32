//! The timers' lead (issue 17): a server alone on its database leads and keeps leading; when
//! it is gone, the next server of the database takes the lead. (That two PostgreSQL servers
//! never lead at once is `tests/timer_leader.rs`, with real processes.)

use std::time::{Duration, Instant};

use linedesk_server::storage::Storage;

use super::Open;

pub fn lead_passes_on<S: Storage>(open: Open<'_, S>) {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("server.db");
    let first = open(&path);
    assert!(first.lead_timers().expect("lead"), "a server alone leads");
    assert!(first.lead_timers().expect("lead"), "and keeps leading");
    let second = open(&path);
    drop(first);
    // PostgreSQL releases the first's lock once its session has ended: wait for that.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !second.lead_timers().expect("lead") {
        assert!(
            Instant::now() < deadline,
            "the second server did not take the lead within 60 s of the first's end"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(second.lead_timers().expect("lead"), "and keeps it");
}
