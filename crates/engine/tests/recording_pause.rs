//! Pausing the recording of a real call (WebRTC on 127.0.0.1): while paused nothing is
//! recorded, the file's length is the call's less the gaps, the gap is listed at its place, the
//! journal says so while the call runs (rewritten every second of a pause).

#[path = "common/speech.rs"]
mod speech;

use std::time::Duration;

use linedesk_engine::journal::{self, Journal};
use linedesk_engine::loopback::{Connected, LineServer, SharedIo, connect, hang_up};
use linedesk_engine::{CallSession, SessionConfig, Side};
use speech::speech;

async fn wait_until(session: &CallSession, after: Duration) {
    tokio::time::sleep_until(tokio::time::Instant::from_std(session.started() + after)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_stretch_is_a_listed_gap_and_not_in_the_file() {
    let dir = tempfile::tempdir().expect("dir");
    let talk = speech(
        dir.path(),
        "talk",
        "Назовите, пожалуйста, номер карты. Я поставил запись на паузу.",
    );
    let server = LineServer::start(dir.path()).await.expect("server");
    let Connected {
        call,
        specialist: (mut spec, caller, caller_packets),
        client: (mut client, callee, callee_packets),
    } = connect(&server).await.expect("connected");

    let recording = dir.path().join("call.ogg");
    let mut config = SessionConfig::new(Side::Specialist, recording.clone());
    config.journal = Some(Journal::new(call, "127.0.0.1:1"));
    let spec_session = CallSession::start(
        caller.clone(),
        caller_packets,
        Box::new(SharedIo::new(&talk)),
        config,
    )
    .expect("engine");
    // The client keeps talking the whole time (a card number while paused).
    let mut long = talk.clone();
    long.extend_from_slice(&talk);
    let client_session = CallSession::start(
        callee.clone(),
        callee_packets,
        Box::new(SharedIo::new(&long)),
        SessionConfig::new(Side::Client, dir.path().join("client.ogg")),
    )
    .expect("engine");
    let status = spec_session.recording();

    wait_until(&spec_session, Duration::from_millis(1500)).await;
    let journal_file = journal::journal_path(&recording);
    assert!(
        journal_file.exists(),
        "the journal is written once the media is up"
    );
    spec_session.set_recording_paused(true);
    wait_until(&spec_session, Duration::from_millis(3700)).await;
    assert!(status.borrow().paused);
    let during: Journal =
        serde_json::from_slice(&std::fs::read(&journal_file).expect("journal")).expect("json");
    let open = during.paused.expect("the journal says a pause goes on");
    assert!(
        open.length_ms >= 1000,
        "rewritten every second while paused: {open:?}"
    );
    spec_session.set_recording_paused(false);
    wait_until(&spec_session, Duration::from_millis(5000)).await;
    assert!(!status.borrow().paused);
    assert_eq!(status.borrow().gaps, 1);
    hang_up(&mut spec, &caller, &mut client, &callee, call)
        .await
        .expect("hang up");
    let report = spec_session.finish().await.expect("report");
    client_session.finish().await.expect("report");

    assert_eq!(
        report.recording_gaps.len(),
        1,
        "{:?}",
        report.recording_gaps
    );
    let gap = report.recording_gaps[0];
    // Paused at about 1.5 s for about 2.2 s (the engine's ticks, not the test's sleeps).
    assert!((1300..=1800).contains(&gap.at_ms), "{gap:?}");
    assert!((1900..=2500).contains(&gap.length_ms), "{gap:?}");
    let decoded = linedesk_voice::recording::read(&report.recording).expect("decodes");
    assert!(decoded.complete);
    let gaps = Duration::from_millis(gap.length_ms);
    assert_eq!(
        decoded.duration + gaps,
        report.duration,
        "file + gaps = call"
    );
    // The journal stays until the app queued the recording.
    assert!(journal_file.exists());
    journal::remove(&recording).expect("remove");
    assert!(!journal_file.exists());
}
