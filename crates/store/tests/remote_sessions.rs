//! Remote sessions (V2) in the client's timeline: the server's events applied once, in order,
//! into who asked, which mode, when, how it ended and how long; a database of the previous
//! schema migrates forward with its calls kept.

use linedesk_store::Store;
use linedesk_store::remote_sessions::RemoteSessionChange;
use linedesk_store::replica::RemoteChange;

const NOW: i64 = 1_764_000_000_000;

fn requested(session: i64, mode: &str, at: i64) -> RemoteChange {
    RemoteChange::RemoteSession(RemoteSessionChange::Requested {
        session,
        client: 40,
        specialist: 3,
        specialist_name: "Анна".into(),
        mode: mode.into(),
        at,
    })
}

fn ended(session: i64, by: &str, reason: &str, duration_ms: Option<i64>, at: i64) -> RemoteChange {
    RemoteChange::RemoteSession(RemoteSessionChange::Ended {
        session,
        by: by.into(),
        reason: reason.into(),
        duration_ms,
        at,
    })
}

#[test]
fn sessions_reach_the_timeline_once_with_mode_outcome_and_duration() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("linedesk.db");
    {
        // A database of the schema before remote sessions, with a call in it.
        let old = Store::open_at_version(&path, 10).expect("open at 10");
        old.apply_remote(
            7,
            &[(
                1,
                RemoteChange::CallRinging {
                    call: 5,
                    client: 40,
                    by_client: true,
                    at: NOW - 1000,
                },
            )],
        )
        .expect("call");
    }
    let store = Store::open(&path).expect("migrate forward");
    assert_eq!(store.calls_of(7, 40).expect("calls").len(), 1);

    let log = vec![
        (2, requested(11, "by_request", NOW)),
        (3, ended(11, "client", "declined", None, NOW + 2_000)),
        (4, requested(12, "by_password", NOW + 10_000)),
        (
            5,
            RemoteChange::RemoteSession(RemoteSessionChange::Started {
                session: 12,
                at: NOW + 10_000,
            }),
        ),
    ];
    assert_eq!(store.apply_remote(7, &log).expect("apply"), 4);
    let running = store.remote_sessions_of(7, 40).expect("sessions");
    assert_eq!(running.len(), 2);
    assert_eq!(running[1].started_at, Some(NOW + 10_000));
    assert_eq!(running[1].outcome, None, "still running");

    let end = vec![(
        6,
        ended(
            12,
            "specialist",
            "ended_by_specialist",
            Some(95_000),
            NOW + 105_000,
        ),
    )];
    assert_eq!(store.apply_remote(7, &end).expect("end"), 1);
    // A reconnect replays from an older cursor: nothing doubles.
    assert_eq!(store.apply_remote(7, &log).expect("replay"), 0);
    let timeline = store.remote_sessions_of(7, 40).expect("sessions");
    assert_eq!(timeline.len(), 2);
    let (declined, by_password) = (&timeline[0], &timeline[1]);
    assert_eq!(
        (
            declined.specialist_name.as_str(),
            declined.mode.as_str(),
            declined.started_at,
            declined.outcome.as_deref(),
            declined.ended_by.as_deref(),
            declined.duration_ms
        ),
        (
            "Анна",
            "by_request",
            None,
            Some("declined"),
            Some("client"),
            None
        )
    );
    assert_eq!(
        (
            by_password.mode.as_str(),
            by_password.outcome.as_deref(),
            by_password.duration_ms,
            by_password.ended_at
        ),
        (
            "by_password",
            Some("ended_by_specialist"),
            Some(95_000),
            Some(NOW + 105_000)
        )
    );
    // Another client's timeline has none of them.
    assert!(store.remote_sessions_of(7, 41).expect("other").is_empty());
}
