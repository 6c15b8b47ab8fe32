//! Two real engines through a real line server on 127.0.0.1 and real WebRTC on loopback:
//! speech in on one side comes out on the other, both recordings are the call, the
//! statistics and the recording reach the server, and only the right people can hear it.

#[path = "common/speech.rs"]
mod speech;

use std::time::Duration;

use linedesk_engine::analysis::align;
use linedesk_engine::loopback::{Loopback, run};
use linedesk_engine::{Bare, Connector, EngineError, download_recording, upload::login};
use linedesk_protocol::{Event, Role};
use linedesk_server::auth::hash_password;
use linedesk_server::storage::Storage;
use speech::{rms, speech};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn speech_goes_through_two_engines_and_the_recording_reaches_the_appeal() {
    let dir = tempfile::tempdir().expect("dir");
    let talk = speech(
        dir.path(),
        "talk",
        "Здравствуйте, это служба поддержки. Что случилось с документом?",
    );
    let reply = speech(dir.path(), "reply", "Добрый день. Документ не проводится.");
    let outcome = run(Loopback {
        talk: talk.clone(),
        reply: reply.clone(),
        length: None,
        impairment: None,
        dir: dir.path().to_path_buf(),
        codec: Default::default(),
        ice: Default::default(),
        relay_only: false,
        // The transport is under test: speech in is compared with speech out.
        processing: linedesk_voice::processing::Stages::NONE,
        client_echo: None,
    })
    .await
    .expect("the loopback call");

    // What the specialist said is what the client heard.
    let a = align(&talk, &outcome.heard, Duration::from_secs(1)).expect("aligned");
    let mouth_to_ear = outcome.mouth_to_ear(a.delay);
    println!(
        "mouth-to-ear {mouth_to_ear:?}, correlation {:.3} (segments {:.3}); specialist: {}; client: {}",
        a.correlation, a.segment_correlation, outcome.specialist, outcome.client
    );
    assert!(a.segment_correlation > 0.6, "{a:?}");
    let back = align(&reply, &outcome.heard_back, Duration::from_secs(1)).expect("aligned");
    assert!(back.segment_correlation > 0.6, "{back:?}");
    assert_eq!(outcome.client.jitter.lost, 0);

    // Both recordings last as long as their engine ran, and carry both voices.
    // Both recordings last as long as their engine ran and carry both voices (channel 0 the
    // specialist, channel 1 the client, whichever side recorded).
    for report in [&outcome.specialist, &outcome.client] {
        let decoded = linedesk_voice::recording::read(&report.recording).expect("decodes");
        let off = decoded.duration.abs_diff(report.elapsed);
        assert!(
            off <= Duration::from_millis(100),
            "{:?} vs {:?}",
            decoded.duration,
            report.elapsed
        );
        assert!(decoded.complete && report.recording_error.is_none());
        assert!(
            rms(&decoded.specialist) > 0.2 * rms(&talk),
            "{:?}",
            report.recording
        );
        assert!(
            rms(&decoded.client) > 0.2 * rms(&reply),
            "{:?}",
            report.recording
        );
    }

    // Both parties' statistics reached the server.
    let storage = &outcome.server.storage;
    let stats = storage.call_stats(outcome.call).expect("stats");
    assert_eq!(
        stats.iter().map(|(r, _)| *r).collect::<Vec<_>>(),
        [Role::Specialist, Role::Client]
    );
    assert_eq!(stats[1].1.packets_received, outcome.client.jitter.received);
    assert!(stats[0].1.mos_centi >= 400, "{stats:?}");

    // The recording was uploaded through the queue and attached to the appeal.
    assert_eq!(outcome.uploaded, [outcome.call]);
    let log = storage
        .events_after(outcome.server.line, 0, 1000)
        .expect("log");
    let recorded = log.iter().find_map(|e| match e.event {
        Event::CallRecorded {
            call, duration_ms, ..
        } if call == outcome.call => Some(duration_ms),
        _ => None,
    });
    let file = std::fs::read(&outcome.specialist.recording).expect("file");
    let expected_ms = outcome.specialist.duration.as_millis() as u64;
    assert_eq!(recorded, Some(expected_ms));

    // The client downloads it; a stranger of the same line gets 403.
    let server = &Connector::parse(&outcome.server.addr, Bare::Plain, None).expect("address");
    let got = download_recording(server, &outcome.client_token, outcome.call)
        .await
        .expect("the client's own recording");
    assert!(got == file);
    let stranger = storage
        .add_client(outcome.server.line, "Посторонний")
        .expect("client");
    storage
        .set_client_login(
            stranger,
            "stranger",
            &hash_password("stranger-pass").expect("hash"),
        )
        .expect("login");
    let token = login(server, "stranger", "stranger-pass")
        .await
        .expect("login");
    match download_recording(server, &token, outcome.call).await {
        Err(EngineError::Refused { status: 403, .. }) => {}
        other => panic!("{:?}", other.map(|b| b.len())),
    }
}
