//! How good a finished call was, in the client's timeline (issue 14): each party's `CallStats`
//! event applied once, with the far side's RTCP figures; a database of the schema before it
//! migrates forward with its calls kept.

use linedesk_store::replica::RemoteChange;
use linedesk_store::{CallQualityChange, CallQualityEntry, Store};

const NOW: i64 = 1_764_000_000_000;

fn entry(from: &str, mos_centi: i64, far_loss_permille: Option<i64>) -> CallQualityEntry {
    CallQualityEntry {
        from: from.into(),
        mos_centi,
        loss_permille: 12,
        late_permille: 3,
        jitter_ms: 4,
        rtt_ms: Some(20),
        far_loss_permille,
        far_jitter_ms: far_loss_permille.map(|_| 5),
    }
}

#[test]
fn each_partys_quality_reaches_the_call_once() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("linedesk.db");
    {
        let old = Store::open_at_version(&path, 14).expect("open at 14");
        old.apply_remote(
            7,
            &[(
                1,
                RemoteChange::CallRinging {
                    call: 5,
                    client: 40,
                    by_client: false,
                    at: NOW,
                },
            )],
        )
        .expect("call");
    }
    let store = Store::open(&path).expect("migrate forward");
    assert_eq!(store.calls_of(7, 40).expect("calls").len(), 1);
    assert_eq!(store.call_quality(5).expect("none yet"), vec![]);

    let log = vec![
        (
            2,
            RemoteChange::CallQuality(CallQualityChange {
                call: 5,
                entry: entry("client", 380, None),
            }),
        ),
        (
            3,
            RemoteChange::CallQuality(CallQualityChange {
                call: 5,
                entry: entry("specialist", 420, Some(48)),
            }),
        ),
    ];
    assert_eq!(store.apply_remote(7, &log).expect("apply"), 2);
    assert_eq!(store.apply_remote(7, &log).expect("replay"), 0);
    assert_eq!(
        store.call_quality(5).expect("quality"),
        vec![
            entry("specialist", 420, Some(48)),
            entry("client", 380, None)
        ]
    );
}
