//! Where a call's recording was paused reaches the client's timeline: a database of the
//! schema before (migration 14) migrates forward with its call kept (no gaps), and
//! the server's `CallRecorded` with gaps is kept in order.

use linedesk_store::replica::RemoteChange;
use linedesk_store::{RecordingGapEntry, Store};

const NOW: i64 = 1_764_000_000_000;

fn call(id: i64, at: i64) -> RemoteChange {
    RemoteChange::CallRinging {
        call: id,
        client: 40,
        by_client: true,
        at,
    }
}

#[test]
fn a_paused_recordings_gaps_reach_the_timeline_and_old_calls_migrate() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("linedesk.db");
    {
        let old = Store::open_at_version(&path, 14).expect("open at 14");
        old.apply_remote(7, &[(1, call(5, NOW))]).expect("a call");
    }
    let store = Store::open(&path).expect("migrate forward");
    assert_eq!(
        store.calls_of(7, 40).expect("calls")[0].recording_gaps,
        [],
        "an old call reads with no gaps"
    );
    let recorded = RemoteChange::CallRecorded {
        call: 5,
        bytes: 9000,
        duration_ms: 3000,
        gaps: Vec::new(),
    };
    store.apply_remote(7, &[(2, recorded)]).expect("recorded");
    let gaps = vec![
        RecordingGapEntry {
            at_ms: 1200,
            length_ms: 8000,
        },
        RecordingGapEntry {
            at_ms: 2500,
            length_ms: 40,
        },
    ];
    let paused = RemoteChange::CallRecorded {
        call: 6,
        bytes: 12_000,
        duration_ms: 4000,
        gaps: gaps.clone(),
    };
    store
        .apply_remote(7, &[(3, call(6, NOW + 60_000)), (4, paused)])
        .expect("a paused call");
    let calls = store.calls_of(7, 40).expect("calls");
    let listed: Vec<(i64, Option<i64>, Vec<RecordingGapEntry>)> = calls
        .into_iter()
        .map(|c| (c.id, c.recording_ms, c.recording_gaps))
        .collect();
    assert_eq!(listed, [(5, Some(3000), Vec::new()), (6, Some(4000), gaps)]);
}
