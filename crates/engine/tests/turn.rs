//! Calls through TURN only: a real coturn (Debian's, on loopback, REST credentials from a
//! shared secret), a real line server handing out its credentials by `GET /api/ice`, and two
//! engines whose peers may use relayed candidates only. Speech goes both ways and WebRTC's
//! statistics say the media path is relay to relay; with a secret coturn does not share, the
//! call fails at once, saying why, instead of ringing until the timeout.

#[path = "../../../test-support/coturn.rs"]
mod coturn;
#[path = "common/speech.rs"]
mod speech;

use std::time::{Duration, Instant};

use coturn::Coturn;
use linedesk_call::FailReason;
use linedesk_engine::EngineError;
use linedesk_engine::analysis::align;
use linedesk_engine::loopback::{LineServer, Loopback, connect_with, run};
use linedesk_server::ice::{IceConfig, TurnSecret};
use speech::speech;

const SECRET: &str = "coturn-and-linedesk-share-this";

fn ice(turn: &Coturn, secret: &str) -> IceConfig {
    IceConfig {
        stun: Vec::new(),
        turn: vec![turn.url()],
        secret: Some(TurnSecret::new(secret)),
        credential_lifetime: Duration::from_secs(600),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_only_call_through_coturn_carries_speech_both_ways() {
    let _turn = one_call_at_a_time().await;
    let dir = tempfile::tempdir().expect("dir");
    let turn = Coturn::start(dir.path(), SECRET);
    let talk = speech(dir.path(), "talk", "Здравствуйте, это служба поддержки.");
    let reply = speech(dir.path(), "reply", "Добрый день. Документ не проводится.");
    let outcome = run(Loopback {
        talk: talk.clone(),
        reply: reply.clone(),
        length: None,
        impairment: None,
        dir: dir.path().to_path_buf(),
        codec: Default::default(),
        ice: ice(&turn, SECRET),
        relay_only: true,
        // The transport is under test: speech in is compared with speech out.
        processing: linedesk_voice::processing::Stages::NONE,
        client_echo: None,
    })
    .await
    .unwrap_or_else(|e| panic!("the relayed call: {e}; coturn: {}", turn.log_text()));

    let there = align(&talk, &outcome.heard, Duration::from_secs(1)).expect("aligned");
    let back = align(&reply, &outcome.heard_back, Duration::from_secs(1)).expect("aligned");
    println!(
        "through TURN: correlation there {:.3}, back {:.3}; paths {:?} / {:?}; specialist: {}",
        there.segment_correlation,
        back.segment_correlation,
        outcome.specialist_path,
        outcome.client_path,
        outcome.specialist
    );
    assert!(there.segment_correlation > 0.6, "{there:?}");
    assert!(back.segment_correlation > 0.6, "{back:?}");
    for path in [outcome.specialist_path, outcome.client_path] {
        let path = path.expect("a selected candidate pair");
        assert!(path.relayed_both_ways(), "{path:?}");
    }
    // coturn saw the allocations of both parties.
    let log = turn.log_text();
    assert!(
        log.matches("ALLOCATE processed, success").count() >= 2,
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_fails_the_relay_only_call_at_once_saying_why() {
    let _turn = one_call_at_a_time().await;
    let dir = tempfile::tempdir().expect("dir");
    let turn = Coturn::start(dir.path(), SECRET);
    let server = LineServer::start_with(dir.path(), ice(&turn, "not-the-secret-coturn-has"))
        .await
        .expect("server");
    let started = Instant::now();
    let result = connect_with(&server, true).await;
    let took = started.elapsed();
    match result {
        Err(EngineError::CallFailed(FailReason::NoCandidates)) => {}
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("connected with a wrong TURN secret"),
    }
    println!("refused after {took:?}");
    // Far sooner than the 20 s connect timeout: the refusal itself ends the call.
    assert!(took < Duration::from_secs(10), "{took:?}");
    let log = turn.log_text();
    assert!(
        log.contains("check_stun_auth") && log.contains(":specialist-"),
        "coturn refused the specialist's credential: {log}"
    );
}

/// Waits (polling, up to `within`) until `check` holds.
async fn until(within: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    check()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_relay_goes_away_the_call_reports_no_media_restarts_ice_and_goes_on() {
    let _turn = one_call_at_a_time().await;
    use linedesk_call::CallState;
    use linedesk_engine::loopback::{Connected, hang_up};
    use linedesk_engine::{CallSession, MEDIA_STALL, SessionConfig, SharedIo, Side};

    let dir = tempfile::tempdir().expect("dir");
    let mut turn = Coturn::start(dir.path(), SECRET);
    let server = LineServer::start_with(dir.path(), ice(&turn, SECRET))
        .await
        .expect("server");
    let Connected {
        call,
        specialist: (mut spec, caller, caller_packets),
        client: (mut client, callee, callee_packets),
    } = connect_with(&server, true).await.expect("connected");
    // Both keep talking for the whole test (silence would send nothing: DTX).
    let words = speech(dir.path(), "talk", "Раз, два, три, четыре, пять, шесть.");
    let talk: Vec<f32> = words.iter().copied().cycle().take(48_000 * 90).collect();
    let start = |call, packets, side, name: &str| {
        CallSession::start(
            call,
            packets,
            Box::new(SharedIo::new(&talk)),
            SessionConfig::new(side, dir.path().join(name)),
        )
        .expect("engine")
    };
    let spec_session = start(caller.clone(), caller_packets, Side::Specialist, "s.ogg");
    let client_session = start(callee.clone(), callee_packets, Side::Client, "c.ogg");
    let spec_quality = spec_session.quality();
    let client_quality = client_session.quality();
    tokio::time::sleep(Duration::from_secs(2)).await;

    // The relay dies: nothing is heard either way any more.
    turn.stop();
    let stopped = Instant::now();
    let reported = until(Duration::from_secs(20), || {
        spec_quality
            .borrow()
            .is_some_and(|q| q.no_media_for.is_some())
            && client_quality
                .borrow()
                .is_some_and(|q| q.no_media_for.is_some())
    })
    .await;
    let after = stopped.elapsed();
    assert!(reported, "no media was never reported");
    println!("no media reported {after:?} after the relay stopped");
    assert!(after >= MEDIA_STALL - Duration::from_secs(1), "{after:?}");
    // Both sides say so (waited for, not sampled at the instant the stall was reported: the
    // caller was once seen `Connected` at that instant in CI, between two restarts).
    let reconnecting = until(Duration::from_secs(15), || {
        caller.state() == CallState::Reconnecting && callee.state() == CallState::Reconnecting
    })
    .await;
    assert!(
        reconnecting,
        "caller {:?}, callee {:?}",
        caller.state(),
        callee.state()
    );

    // The relay comes back: the caller's ICE restart (new offer through the line server,
    // sockets bound again, new allocations) brings the call back without ending it.
    turn.resume();
    let resumed = Instant::now();
    let back = until(Duration::from_secs(25), || {
        caller.state() == CallState::Connected && callee.state() == CallState::Connected
    })
    .await;
    assert!(
        back,
        "not reconnected: {:?} / {:?}; coturn: {}",
        caller.state(),
        callee.state(),
        turn.log_text()
    );
    println!(
        "reconnected {:?} after the relay came back",
        resumed.elapsed()
    );
    let before = client_quality.borrow().map_or(0, |q| q.received);
    let flowing = until(Duration::from_secs(10), || {
        let s = *spec_quality.borrow();
        let c = *client_quality.borrow();
        c.is_some_and(|c| c.no_media_for.is_none() && c.received > before + 100)
            && s.is_some_and(|s| s.no_media_for.is_none())
    })
    .await;
    assert!(flowing, "audio did not flow again");
    let path = caller.media_path().await.expect("a path");
    assert!(path.relayed_both_ways(), "{path:?}");

    hang_up(&mut spec, &caller, &mut client, &callee, call)
        .await
        .expect("hang up");
    let spec_report = spec_session.finish().await.expect("report");
    let client_report = client_session.finish().await.expect("report");
    println!("specialist: {spec_report}");
    for report in [&spec_report, &client_report] {
        assert_eq!(report.media_stalls.len(), 1, "{report}");
        assert!(report.media_stalls[0] >= MEDIA_STALL, "{report}");
    }
}

/// Real-time calls take turns: two at once on 2 cores measure the machine's load.
async fn one_call_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    static CALLS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    CALLS.lock().await
}
