//! Outgoing calls through a real Kamailio to SIPp far ends on loopback (crates/siptest):
//! answered and hung up by this side, busy, nobody answering (this side's CANCEL), the far end
//! hanging up, a far end that challenges the INVITE itself, a refused password, an unknown
//! number. Each SIPp scenario must also play to its end: the far end saw what it expected.

mod common;

use std::time::Duration;

use common::*;
use linedesk_sip::{CallEnd, CallState, Codec, Phone, Server, SipError, SipUserAgent};
use linedesk_siptest::{Kamailio, Scenario, Sipp};

/// SIPp playing `scenario` behind Kamailio, and a registered agent.
async fn through_kamailio(
    scenario: Scenario,
    timing: linedesk_sip::Timing,
) -> (Sipp, Kamailio, SipUserAgent) {
    let sipp = Sipp::start(scenario).expect("SIPp starts (./dev.sh setup installs sip-tester)");
    let kamailio = kamailio(Some(sipp.addr()));
    let agent = SipUserAgent::start(account(kamailio.addr(), PASSWORD), timing)
        .await
        .expect("agent");
    let mut states = agent.registration();
    wait_registration(&mut states, "registered", |s| s.is_registered(), &kamailio).await;
    (sipp, kamailio, agent)
}

/// Wait (off the runtime's threads) for SIPp's scenario to end; fail with its trace if the far
/// end did not see what it expected.
async fn finish(sipp: Sipp, kamailio: &Kamailio) {
    let finished = tokio::task::spawn_blocking(move || sipp.finish())
        .await
        .expect("waiting for SIPp");
    if let Err(e) = finished {
        panic!("{e}\n--- Kamailio ---\n{}", kamailio.log());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answered_call_is_hung_up_by_this_side() {
    let (sipp, kamailio, agent) = through_kamailio(Scenario::Answer, timing()).await;
    let mut call = agent.dial(NUMBER).await.expect("dial");
    let seen = wait_call(call.as_mut(), "the answer", |s| {
        matches!(s, CallState::Answered { .. })
    })
    .await;
    assert_eq!(seen[0], CallState::Dialing, "{seen:?}");
    assert!(seen.contains(&CallState::Ringing), "{seen:?}");
    let Some(CallState::Answered {
        codec,
        remote_media,
    }) = seen.last()
    else {
        panic!("{seen:?}");
    };
    assert_eq!(*codec, Codec::Pcma, "the far end's answer chose PCMA");
    assert!(
        remote_media.is_some_and(|m| m.ip().is_loopback() && m.port() != 0),
        "{remote_media:?}"
    );
    assert!(call.local_media().port() != 0);

    call.hang_up().await.expect("BYE");
    let rest = states_until_end(call.as_mut()).await;
    assert_eq!(rest, vec![CallState::Ended(CallEnd::HungUp)]);
    finish(sipp, &kamailio).await;
    agent.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_far_end_is_busy() {
    let (sipp, kamailio, agent) = through_kamailio(Scenario::Busy, timing()).await;
    let mut call = agent.dial(NUMBER).await.expect("dial");
    let seen = states_until_end(call.as_mut()).await;
    assert_eq!(
        seen,
        vec![CallState::Dialing, CallState::Ended(CallEnd::Busy)]
    );
    assert_eq!(call.next_state().await, None, "nothing after the end");
    finish(sipp, &kamailio).await;
    agent.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_nobody_answers_is_cancelled_by_this_side() {
    let mut timing = timing();
    timing.no_answer_after = Duration::from_secs(3);
    let (sipp, kamailio, agent) = through_kamailio(Scenario::NoAnswer, timing).await;
    let mut call = agent.dial(NUMBER).await.expect("dial");
    let seen = states_until_end(call.as_mut()).await;
    assert_eq!(seen.first(), Some(&CallState::Dialing), "{seen:?}");
    assert_eq!(ended(&seen), Some(&CallEnd::NoAnswer), "{seen:?}");
    // On a slow machine the ringing may come after the timeout; nothing else may come.
    assert!(
        seen[1..seen.len() - 1]
            .iter()
            .all(|s| *s == CallState::Ringing),
        "{seen:?}"
    );
    finish(sipp, &kamailio).await;
    agent.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hanging_up_before_the_answer_cancels() {
    let (sipp, kamailio, agent) = through_kamailio(Scenario::NoAnswer, timing()).await;
    let mut call = agent.dial(NUMBER).await.expect("dial");
    wait_call(call.as_mut(), "ringing", |s| *s == CallState::Ringing).await;
    call.hang_up().await.expect("CANCEL");
    let rest = states_until_end(call.as_mut()).await;
    assert_eq!(rest, vec![CallState::Ended(CallEnd::Cancelled)]);
    finish(sipp, &kamailio).await;
    agent.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_dropped_while_ringing_is_cancelled() {
    let (sipp, kamailio, agent) = through_kamailio(Scenario::NoAnswer, timing()).await;
    let mut call = agent.dial(NUMBER).await.expect("dial");
    wait_call(call.as_mut(), "ringing", |s| *s == CallState::Ringing).await;
    drop(call);
    // The far end's scenario ends only after it received the CANCEL.
    finish(sipp, &kamailio).await;
    agent.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_far_end_hangs_up() {
    let (sipp, kamailio, agent) = through_kamailio(Scenario::FarEndBye, timing()).await;
    let mut call = agent.dial(NUMBER).await.expect("dial");
    let seen = states_until_end(call.as_mut()).await;
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert_eq!(seen[0], CallState::Dialing);
    assert_eq!(seen[1], CallState::Ringing);
    assert!(
        matches!(
            seen[2],
            CallState::Answered {
                codec: Codec::Pcmu,
                ..
            }
        ),
        "{seen:?}"
    );
    assert_eq!(seen[3], CallState::Ended(CallEnd::FarEndHungUp));
    finish(sipp, &kamailio).await;
    agent.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_far_end_holds_and_resumes_the_call() {
    let (sipp, kamailio, agent) = through_kamailio(Scenario::FarEndHold, timing()).await;
    let mut call = agent.dial(NUMBER).await.expect("dial");
    wait_call(call.as_mut(), "the answer", |s| {
        matches!(s, CallState::Answered { .. })
    })
    .await;
    let seen = wait_call(call.as_mut(), "the hold", |s| *s == CallState::HeldByFarEnd).await;
    assert_eq!(seen, vec![CallState::HeldByFarEnd]);
    let seen = wait_call(call.as_mut(), "the resumption", |s| {
        *s == CallState::ResumedByFarEnd
    })
    .await;
    assert_eq!(seen, vec![CallState::ResumedByFarEnd]);
    let rest = states_until_end(call.as_mut()).await;
    assert_eq!(rest, vec![CallState::Ended(CallEnd::FarEndHungUp)]);
    // SIPp checked that this side answered recvonly, then sendrecv.
    finish(sipp, &kamailio).await;
    agent.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_far_end_that_challenges_the_invite_gets_the_credentials() {
    // The registrar is Kamailio; calls go straight to SIPp, which answers 401 first and checks
    // the digest of the INVITE sent again (403 and a failed scenario if it is wrong).
    let sipp = Sipp::start(Scenario::Challenge401).expect("SIPp");
    let kamailio = kamailio(None);
    let mut account = account(kamailio.addr(), PASSWORD);
    account.proxy = Some(Server {
        host: "127.0.0.1".into(),
        port: sipp.addr().port(),
    });
    let agent = SipUserAgent::start(account, timing()).await.expect("agent");
    let mut call = agent.dial(NUMBER).await.expect("dial");
    let seen = wait_call(call.as_mut(), "the answer", |s| {
        matches!(s, CallState::Answered { .. })
    })
    .await;
    assert_eq!(seen[0], CallState::Dialing, "{seen:?}");
    call.hang_up().await.expect("BYE");
    let rest = states_until_end(call.as_mut()).await;
    assert_eq!(rest, vec![CallState::Ended(CallEnd::HungUp)]);
    finish(sipp, &kamailio).await;
    agent.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_with_a_wrong_password_is_refused_by_the_proxy() {
    let kamailio = kamailio(None);
    let agent = SipUserAgent::start(account(kamailio.addr(), "wrong"), timing())
        .await
        .expect("agent");
    let mut call = agent.dial(NUMBER).await.expect("dial");
    let seen = states_until_end(call.as_mut()).await;
    assert_eq!(
        ended(&seen),
        Some(&CallEnd::Failed(SipError::WrongPassword)),
        "{seen:?}"
    );
    agent.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_number_is_not_found_and_a_bad_one_is_refused() {
    let kamailio = kamailio(None);
    let agent = SipUserAgent::start(account(kamailio.addr(), PASSWORD), timing())
        .await
        .expect("agent");
    let mut call = agent.dial("+7 999 000-00-00").await.expect("dial");
    let seen = states_until_end(call.as_mut()).await;
    assert_eq!(ended(&seen), Some(&CallEnd::NotFound), "{seen:?}");
    assert_eq!(
        agent.dial("200@elsewhere").await.err(),
        Some(SipError::InvalidNumber)
    );
    agent.shutdown().await;
}
