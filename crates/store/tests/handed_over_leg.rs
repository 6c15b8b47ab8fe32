//! A leg a colleague handed over after a consultation connects without ringing first
//! (`CallConnected` with no `CallRinging` before it): the client's timeline still lists it,
//! from its connection, placed by the client, and its recording reaches it. A call that rang
//! first keeps the start of its ringing.

use linedesk_store::Store;
use linedesk_store::replica::RemoteChange;

const NOW: i64 = 1_764_000_000_000;

#[test]
fn a_leg_that_never_rang_starts_at_its_connection_and_a_rung_call_keeps_its_start() {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(&dir.path().join("linedesk.db")).expect("open");
    let rang = RemoteChange::CallRinging {
        call: 5,
        client: 40,
        by_client: false,
        at: NOW,
    };
    let connected = |call, at| RemoteChange::CallConnected {
        call,
        client: 40,
        at,
    };
    let recorded = RemoteChange::CallRecorded {
        call: 6,
        bytes: 9000,
        duration_ms: 3000,
        gaps: Vec::new(),
    };
    store
        .apply_remote(
            7,
            &[
                (1, rang),
                (2, connected(5, NOW + 4_000)),
                (3, connected(6, NOW + 60_000)),
                (4, recorded),
            ],
        )
        .expect("applied");
    let calls: Vec<_> = store
        .calls_of(7, 40)
        .expect("calls")
        .into_iter()
        .map(|c| (c.id, c.incoming, c.started_at, c.connected, c.recording_ms))
        .collect();
    assert_eq!(
        calls,
        [
            (5, false, NOW, true, None),
            (6, true, NOW + 60_000, true, Some(3000))
        ]
    );
}
