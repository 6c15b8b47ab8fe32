//! A call whose network path breaks for good ends by itself, with a clear reason on both
//! sides: a relay-only call through a real coturn and a real line server, coturn stopped and
//! never started again. Both peers go `Reconnecting`, the caller's ICE restarts find no path,
//! and after the reconnect time each peer fails with `IceFailed`; each side does what the app
//! does (`FailReason::end_reason`: `HangUp{failed}`, `src-tauri/src/calls.rs`), the server
//! ends the call once and tells the other side `CallEnded{failed}`, which ends its peer.

#[path = "../../../test-support/coturn.rs"]
mod coturn;

use std::sync::Arc;
use std::time::{Duration, Instant};

use coturn::Coturn;
use linedesk_call::{Call, CallState, FailReason};
use linedesk_engine::EngineError;
use linedesk_engine::line::LineLink;
use linedesk_engine::loopback::{Connected, LineServer, connect_with};
use linedesk_protocol::{Action, CallEndReason, ErrorCode, Event, Role};
use linedesk_server::ice::{IceConfig, TurnSecret};

const SECRET: &str = "coturn-and-linedesk-share-this";

/// What one side saw: its own failure (if it came first) and the server's ending.
#[derive(Debug)]
struct SideEnd {
    failed: Option<FailReason>,
    ended: (Role, CallEndReason),
    after: Duration,
}

/// The app's part for one side: when its peer fails, tell the server why (a call ended
/// already by the other side is fine); when the server says the call ended, end the peer.
async fn follow(mut link: LineLink, peer: Arc<Call>, call: u64, since: Instant) -> SideEnd {
    let ended_of = |e: &Event| match e {
        Event::CallEnded {
            call: c,
            by,
            reason,
            ..
        } if *c == call => Some((*by, *reason)),
        _ => None,
    };
    let mut states = peer.watch();
    let failure = async {
        match states
            .wait_for(|s| matches!(s, CallState::Failed(_)))
            .await
            .map(|s| *s)
        {
            Ok(CallState::Failed(why)) => why,
            other => panic!("the peer went away: {other:?}"),
        }
    };
    let (failed, ended) = tokio::select! {
        why = failure => {
            match link
                .submit(Action::HangUp { call, reason: why.end_reason(true) })
                .await
            {
                Ok(_) | Err(EngineError::Rejected { code: ErrorCode::Conflict, .. }) => {}
                Err(other) => panic!("hang-up refused: {other}"),
            }
            (Some(why), None)
        }
        ended = link.event_within(None, ended_of) => {
            let ended = ended.expect("the session").expect("an ending");
            peer.remote_ended(ended.1).await;
            (None, Some(ended))
        }
    };
    // Whoever hung up, every side gets the server's ending (the failing side too).
    let ended = match ended {
        Some(ended) => ended,
        None => link
            .event_within(Some(Duration::from_secs(20)), ended_of)
            .await
            .expect("the session")
            .expect("the server ends the call"),
    };
    SideEnd {
        failed,
        ended,
        after: since.elapsed(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_relay_stays_away_the_call_fails_and_both_sides_are_told_why() {
    let dir = tempfile::tempdir().expect("dir");
    let mut turn = Coturn::start(dir.path(), SECRET);
    let ice = IceConfig {
        stun: Vec::new(),
        turn: vec![turn.url()],
        secret: Some(TurnSecret::new(SECRET)),
        credential_lifetime: Duration::from_secs(600),
    };
    let server = LineServer::start_with(dir.path(), ice)
        .await
        .expect("server");
    let Connected {
        call,
        specialist: (spec, caller, _caller_packets),
        client: (client, callee, _callee_packets),
    } = connect_with(&server, true).await.expect("connected");
    tokio::time::sleep(Duration::from_secs(1)).await;

    turn.stop();
    let stopped = Instant::now();
    let spec_side = tokio::spawn(follow(spec, caller.clone(), call, stopped));
    let client_side = tokio::spawn(follow(client, callee.clone(), call, stopped));
    let within = Duration::from_secs(90);
    let spec_side = tokio::time::timeout(within, spec_side)
        .await
        .expect("the specialist's side ends in time")
        .expect("task");
    let client_side = tokio::time::timeout(within, client_side)
        .await
        .expect("the client's side ends in time")
        .expect("task");
    println!(
        "relay stopped; specialist: {spec_side:?}; client: {client_side:?}; coturn: {}",
        turn.log_text().lines().count()
    );
    // At least one side failed with ICE's reason and said so; the server ended the call once,
    // `failed`, and both sides heard the same ending.
    let failures: Vec<FailReason> = [spec_side.failed, client_side.failed]
        .into_iter()
        .flatten()
        .collect();
    assert!(
        !failures.is_empty() && failures.iter().all(|f| *f == FailReason::IceFailed),
        "{failures:?}"
    );
    assert_eq!(spec_side.ended, client_side.ended);
    assert_eq!(spec_side.ended.1, CallEndReason::Failed);
    for side in [&spec_side, &client_side] {
        assert!(
            side.after >= Duration::from_secs(20),
            "ended only after the reconnect time: {side:?}"
        );
    }
    for peer in [&caller, &callee] {
        assert!(peer.state().is_over(), "{:?}", peer.state());
    }
}
