//! The upload queue against a line server that is down, then up: the failed upload stays
//! queued with its error and a later attempt time, and is delivered once the server is back.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use linedesk_engine::{Bare, Connector, UploadQueue};
use linedesk_protocol::{Action, Event};
use linedesk_server::app::{Server, now_ms, serve};
use linedesk_server::auth::{new_token, token_hash};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Storage, Subject};
use linedesk_voice::recording::Recorder;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_waits_in_the_queue_until_the_server_is_back() {
    let dir = tempfile::tempdir().expect("dir");
    // A connected call, set up in the storage while nothing listens yet.
    let storage = Arc::new(SqliteStorage::open(&dir.path().join("server.db")).expect("storage"));
    let line = storage.add_line("Линия").expect("line");
    let client = storage.add_client(line, "Иванова").expect("client");
    let anna = storage.add_specialist("anna", "x", "Анна").expect("anna");
    storage.serve_line(anna, line, 0, 5).expect("serve");
    let place = Action::PlaceCall {
        line,
        client: Some(client),
    };
    storage
        .apply(Subject::specialist(anna), "p", &place, now_ms())
        .expect("placed");
    let call = 1;
    storage
        .apply(
            Subject::client(client),
            "a",
            &Action::AnswerCall { call },
            now_ms(),
        )
        .expect("answered");
    let (token, hash) = new_token().expect("token");
    assert_eq!(hash, token_hash(&token));
    storage
        .save_token(&hash, Subject::specialist(anna), now_ms() + 3_600_000)
        .expect("token saved");

    let mut recorder = Recorder::create(&dir.path().join("call.ogg")).expect("recorder");
    for _ in 0..50 {
        recorder.write(Some(&[0.1; 960]), None).expect("write");
    }
    recorder.finish().expect("finish");

    // The server's port, with nothing on it yet.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr");
    let server = Connector::parse(&format!("http://{addr}"), Bare::Refused, None).expect("address");
    let queue = UploadQueue::open(&dir.path().join("pending"))
        .expect("queue")
        .with_first_backoff(Duration::from_millis(200));
    queue
        .enqueue(
            call,
            &dir.path().join("call.ogg"),
            &format!("http://{addr}"),
        )
        .expect("queued");

    let pass = queue
        .pass(&server, &token, SystemTime::now())
        .await
        .expect("pass");
    assert!(
        pass.uploaded.is_empty() && pass.failed.len() == 1,
        "{pass:?}"
    );
    let pending = queue.pending().expect("pending");
    assert_eq!((pending.len(), pending[0].attempts), (1, 1));
    assert!(
        pending[0]
            .last_error
            .as_deref()
            .is_some_and(|e| !e.is_empty())
    );
    // Not due again at once: the backoff holds it back.
    let early = queue
        .pass(&server, &token, SystemTime::now())
        .await
        .expect("pass");
    assert!(early.failed.is_empty() && early.uploaded.is_empty());

    // The server comes up on that port; the queue delivers and empties.
    let listener = tokio::net::TcpListener::bind(addr).await.expect("rebind");
    tokio::spawn(serve(listener, Server::new(storage.clone())));
    let drained = queue
        .drain(&server, &token, Duration::from_secs(20))
        .await
        .expect("drain");
    assert_eq!(drained.uploaded, [call]);
    assert!(queue.pending().expect("pending").is_empty());
    let recorded = storage
        .events_after(line, 0, 100)
        .expect("log")
        .into_iter()
        .filter(|e| {
            matches!(
                e.event,
                Event::CallRecorded {
                    duration_ms: 1000,
                    ..
                }
            )
        })
        .count();
    assert_eq!(recorded, 1);
}
