//! The recording upload against the real line server with TLS on 127.0.0.1 (a test CA): it
//! goes over HTTPS when the app knows the server as `https://`, entries queued before the
//! fix are rebuilt and delivered, an entry that can never succeed is set aside with its file,
//! and a certificate the client has no reason to trust is refused with a typed error.

mod common;

use std::time::{Duration, SystemTime};

use common::{calls, plain_server, recorded, recording, tls_server};
use linedesk_endpoint::test_pki::TestPki;
use linedesk_engine::queue::{Pending, SET_ASIDE_DIR};
use linedesk_engine::upload::login;
use linedesk_engine::{Bare, Connector, EndpointError, EngineError, UploadQueue};

fn queue(dir: &std::path::Path) -> UploadQueue {
    UploadQueue::open(&dir.join("outbox"))
        .expect("queue")
        .with_first_backoff(Duration::from_millis(100))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_is_uploaded_over_https_with_the_servers_ca() {
    let dir = tempfile::tempdir().expect("dir");
    let pki = TestPki::new(dir.path(), "", &["127.0.0.1"]).expect("pki");
    let world = calls(dir.path(), 1);
    let addr = tls_server(world.storage.clone(), &pki).await;
    let server = format!("https://{addr}");
    let queue = queue(dir.path());
    queue
        .enqueue(1, &recording(&dir.path().join("call.ogg")), &server)
        .expect("queued");
    let connector = Connector::parse(&server, Bare::Refused, Some(&pki.ca)).expect("connector");
    let pass = queue
        .pass(&connector, &world.token, SystemTime::now())
        .await
        .expect("pass");
    assert_eq!(pass.uploaded, [1], "{pass:?}");
    assert_eq!(recorded(&world.storage, world.line), [1]);
    assert!(queue.pending().expect("pending").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_entries_are_rebuilt_from_their_server_and_a_hopeless_one_is_set_aside() {
    let dir = tempfile::tempdir().expect("dir");
    let pki = TestPki::new(dir.path(), "", &["127.0.0.1"]).expect("pki");
    let world = calls(dir.path(), 3);
    let addr = tls_server(world.storage.clone(), &pki).await;
    let server = format!("https://{addr}");
    let queue = queue(dir.path());
    let outbox = dir.path().join("outbox");
    let write = |call: u64, server: Option<String>| {
        recording(&outbox.join(format!("call-{call}.ogg")));
        let pending = Pending {
            call,
            server,
            attempts: 41,
            gaps: Vec::new(),
            next_attempt_ms: 0,
            last_error: Some(format!(
                "server unreachable: error trying to connect: http://https://{addr}/api/calls/{call}/recording"
            )),
            aside: None,
        };
        std::fs::write(
            outbox.join(format!("call-{call}.json")),
            serde_json::to_vec(&pending).expect("json"),
        )
        .expect("sidecar");
    };
    // Queued by the version that glued "http://" before the app's server: no server named.
    write(1, None);
    // A server address that can never be read.
    write(2, Some(format!("http://https://{addr}")));
    // A sidecar that cannot be read at all.
    recording(&outbox.join("call-3.ogg"));
    std::fs::write(outbox.join("call-3.json"), b"{\"call\": 3, \"attem").expect("sidecar");

    let connector = Connector::parse(&server, Bare::Refused, Some(&pki.ca)).expect("connector");
    let pass = queue
        .pass(&connector, &world.token, SystemTime::now())
        .await
        .expect("pass");
    assert_eq!(pass.uploaded, [1], "{pass:?}");
    assert!(pass.failed.is_empty(), "{pass:?}");
    let aside: Vec<u64> = pass.set_aside.iter().map(|(call, _)| *call).collect();
    assert_eq!(aside, [3, 2], "{pass:?}");
    assert_eq!(recorded(&world.storage, world.line), [1]);
    // Set aside, not lost: the recordings are kept with why.
    let kept = dir.path().join("outbox").join(SET_ASIDE_DIR);
    for call in [2, 3] {
        assert!(
            kept.join(format!("call-{call}.ogg")).exists(),
            "call {call}"
        );
        assert!(
            kept.join(format!("call-{call}.json")).exists(),
            "call {call}"
        );
    }
    let listed = queue.set_aside().expect("set aside");
    assert_eq!(listed.len(), 1, "the readable one is listed: {listed:?}");
    assert!(
        listed[0]
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("server address")),
        "{listed:?}"
    );
    // Nothing left to try: the next pass does nothing.
    assert!(queue.pending().expect("pending").is_empty());
    let again = queue
        .pass(&connector, &world.token, SystemTime::now())
        .await
        .expect("pass");
    assert_eq!(again, Default::default());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_of_another_server_waits_for_it() {
    let dir = tempfile::tempdir().expect("dir");
    let world = calls(dir.path(), 1);
    let addr = plain_server(world.storage.clone()).await;
    let queue = queue(dir.path());
    queue
        .enqueue(
            1,
            &recording(&dir.path().join("call.ogg")),
            "https://line.example:7700",
        )
        .expect("queued");
    let here = Connector::parse(&format!("http://{addr}"), Bare::Refused, None).expect("here");
    // Signed in elsewhere: this server's token must not go to line.example, nor its
    // recording here.
    let pass = queue
        .pass(&here, &world.token, SystemTime::now())
        .await
        .expect("pass");
    assert_eq!(pass, Default::default());
    assert_eq!(queue.pending().expect("pending").len(), 1);
    assert!(recorded(&world.storage, world.line).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_from_an_unknown_ca_is_refused_and_the_upload_waits() {
    let dir = tempfile::tempdir().expect("dir");
    let pki = TestPki::new(dir.path(), "", &["127.0.0.1"]).expect("pki");
    let stranger = TestPki::new(dir.path(), "stranger-", &["127.0.0.1"]).expect("pki");
    let world = calls(dir.path(), 1);
    let addr = tls_server(world.storage.clone(), &pki).await;
    let server = format!("https://{addr}");
    for ca in [None, Some(stranger.ca.as_path())] {
        let connector = Connector::parse(&server, Bare::Refused, ca).expect("connector");
        match login(&connector, "anna", "x").await {
            Err(EngineError::Endpoint(EndpointError::Untrusted(_))) => {}
            other => panic!("trusted a certificate of an unknown CA ({ca:?}): {other:?}"),
        }
    }
    let queue = queue(dir.path());
    queue
        .enqueue(1, &recording(&dir.path().join("call.ogg")), &server)
        .expect("queued");
    let untrusting = Connector::parse(&server, Bare::Refused, None).expect("connector");
    let pass = queue
        .pass(&untrusting, &world.token, SystemTime::now())
        .await
        .expect("pass");
    // Not sent, and kept for when the CA is given (a setting to fix, not a hopeless entry).
    assert!(
        pass.uploaded.is_empty() && pass.set_aside.is_empty(),
        "{pass:?}"
    );
    assert!(pass.failed[0].1.contains("not trusted"), "{pass:?}");
    assert!(recorded(&world.storage, world.line).is_empty());
    let trusting = Connector::parse(&server, Bare::Refused, Some(&pki.ca)).expect("connector");
    let drained = queue
        .drain(&trusting, &world.token, Duration::from_secs(10))
        .await
        .expect("drain");
    assert_eq!(drained.uploaded, [1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_for_another_name_and_a_plain_server_are_told_apart() {
    let dir = tempfile::tempdir().expect("dir");
    let pki = TestPki::new(dir.path(), "", &["line.example"]).expect("pki");
    let world = calls(dir.path(), 0);
    let addr = tls_server(world.storage.clone(), &pki).await;
    let connector =
        Connector::parse(&format!("https://{addr}"), Bare::Refused, Some(&pki.ca)).expect("c");
    match login(&connector, "anna", "x").await {
        Err(EngineError::Endpoint(EndpointError::NameMismatch { host, .. })) => {
            assert_eq!(host, "127.0.0.1");
        }
        other => panic!("a certificate for line.example passed for 127.0.0.1: {other:?}"),
    }
    let plain = plain_server(world.storage.clone()).await;
    let connector =
        Connector::parse(&format!("https://{plain}"), Bare::Refused, Some(&pki.ca)).expect("c");
    match login(&connector, "anna", "x").await {
        Err(EngineError::Endpoint(e)) => assert_eq!(e.code(), "endpoint.tls", "{e}"),
        other => panic!("https:// to a plain server: {other:?}"),
    }
}
