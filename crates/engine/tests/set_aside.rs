//! Recordings the server refuses for good, against the real line server on 127.0.0.1: each is
//! set aside with a typed reason (and the refusal's status), listed with it, copied out on
//! request, and put back in the queue on request, when it goes up once the cause is gone.
//! Nothing is deleted on the way.

mod common;

use std::time::{Duration, SystemTime};

use common::{calls, plain_server, recorded, recording};
use linedesk_engine::queue::{AsideReason, SET_ASIDE_DIR};
use linedesk_engine::{Bare, Connector, UploadQueue};
use linedesk_server::app::now_ms;
use linedesk_server::auth::new_token;
use linedesk_server::storage::{Storage, Subject};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_recordings_are_listed_with_why_copied_and_retried() {
    let dir = tempfile::tempdir().expect("dir");
    let world = calls(dir.path(), 2);
    // A colleague on the same line: the server refuses them Анна's recordings (403).
    let boris = world
        .storage
        .add_specialist("boris", "y", "Борис")
        .expect("boris");
    world
        .storage
        .serve_line(boris, world.line, 0, 5)
        .expect("serve");
    let addr = plain_server(world.storage.clone()).await;
    let server = format!("http://{addr}");
    let connector = Connector::parse(&server, Bare::Refused, None).expect("connector");
    let (boris_token, hash) = new_token().expect("token");
    world
        .storage
        .save_token(&hash, Subject::specialist(boris), now_ms() + 3_600_000)
        .expect("Борис signed in");

    let outbox = dir.path().join("outbox");
    let queue = UploadQueue::open(&outbox)
        .expect("queue")
        .with_first_backoff(Duration::from_millis(100));
    let original = recording(&dir.path().join("call.ogg"));
    let bytes = std::fs::read(&original).expect("bytes");
    // Анна's call 1, uploaded while Борис is signed in on this machine.
    queue.enqueue(1, &original, &server).expect("queued 1");
    // A call the server never had (the line answers `invalid`, 400).
    queue.enqueue(9, &original, &server).expect("queued 9");
    // Call 2 with a sidecar cut short (a crash while writing it by an older version).
    std::fs::copy(&original, outbox.join("call-2.ogg")).expect("ogg 2");
    std::fs::write(outbox.join("call-2.json"), b"{\"call\": 2, \"attem").expect("sidecar");

    let pass = queue
        .pass(&connector, &boris_token, SystemTime::now())
        .await
        .expect("pass");
    assert!(
        pass.uploaded.is_empty() && pass.failed.is_empty(),
        "{pass:?}"
    );
    let mut aside: Vec<u64> = pass.set_aside.iter().map(|(call, _)| *call).collect();
    aside.sort_unstable();
    assert_eq!(aside, [1, 2, 9], "{pass:?}");

    let listed = queue.aside_entries().expect("listed");
    let why: Vec<(u64, AsideReason, Option<u16>, bool)> = listed
        .iter()
        .map(|e| (e.call, e.reason, e.status, e.has_file))
        .collect();
    assert_eq!(
        why,
        [
            (1, AsideReason::NotYours, Some(403), true),
            (2, AsideReason::SidecarUnreadable, None, true),
            (9, AsideReason::Invalid, Some(400), true),
        ],
        "{listed:?}"
    );
    assert_eq!(listed[0].reason.code(), "not_yours");
    assert!(!listed[2].detail.is_empty(), "the server's words kept");
    // Nothing more is tried until the specialist asks.
    assert!(queue.pending().expect("pending").is_empty());

    // Saved where the specialist wants it, the entry left as it was; a second copy does not
    // overwrite the first.
    let saved = dir.path().join("saved");
    let first = queue.copy_aside(9, &saved).expect("copied");
    let second = queue.copy_aside(9, &saved).expect("copied again");
    assert_ne!(first, second);
    assert_eq!(std::fs::read(&first).expect("copy"), bytes);
    assert_eq!(std::fs::read(&second).expect("copy"), bytes);
    assert!(outbox.join(SET_ASIDE_DIR).join("call-9.ogg").exists());
    assert!(
        queue.copy_aside(5, &saved).is_err(),
        "nothing set aside for 5"
    );

    // Анна signs in and asks for all three again: hers go up, the unknown call is set aside
    // again (still kept), and nothing else is.
    for call in [1, 2, 9] {
        queue.retry_aside(call).expect("retried");
    }
    assert!(queue.retry_aside(5).is_err(), "nothing set aside for 5");
    let again = queue
        .pass(&connector, &world.token, SystemTime::now())
        .await
        .expect("pass");
    assert_eq!(again.uploaded, [1, 2], "{again:?}");
    assert_eq!(
        again.set_aside.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
        [9]
    );
    assert_eq!(recorded(&world.storage, world.line), [1, 2]);
    let left = queue.aside_entries().expect("listed");
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(
        (left[0].call, left[0].reason, left[0].has_file),
        (9, AsideReason::Invalid, true)
    );
}
