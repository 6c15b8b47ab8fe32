//! Calls through TURN only: a real coturn (Debian's, on loopback, REST credentials from a
//! shared secret), a real line server handing out its credentials by `GET /api/ice`, and two
//! engines whose peers may use relayed candidates only. Speech goes both ways and WebRTC's
//! statistics say the media path is relay to relay; with a secret coturn does not share, the
//! call fails at once, saying why, instead of ringing until the timeout.

#[path = "common/coturn.rs"]
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
        ice: ice(&turn, SECRET),
        relay_only: true,
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
