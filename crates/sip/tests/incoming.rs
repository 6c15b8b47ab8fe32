//! Calls from the PBX: SIPp calls alice's account through a real Kamailio, which relays the
//! INVITE to where the agent registered; the agent rings with the caller's number, answers
//! (the offer's PCMA), and the caller's BYE ends the call. Before anyone listens, the agent
//! answers 480 (SIPp's scenario expects exactly that).

mod common;

use common::*;
use linedesk_sip::{Call, CallEnd, CallState, Codec, SipUserAgent};
use linedesk_siptest::{Scenario, Sipp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_from_the_pbx_rings_is_answered_and_hung_up_by_the_caller() {
    let kamailio = kamailio(None);
    let agent = SipUserAgent::start(account(kamailio.addr(), PASSWORD), timing())
        .await
        .expect("agent");
    let mut ringing = agent.incoming_calls().expect("the incoming calls, once");
    assert!(agent.incoming_calls().is_none(), "taken once");
    let mut states = linedesk_sip::Phone::registration(&agent);
    wait_registration(&mut states, "registered", |s| s.is_registered(), &kamailio).await;

    let sipp = Sipp::call(Scenario::CallIn, kamailio.addr(), USER)
        .expect("SIPp starts (./dev.sh setup installs sip-tester)");
    let mut call = match tokio::time::timeout(WITHIN, ringing.recv()).await {
        Ok(Some(call)) => call,
        other => panic!(
            "no incoming call ({:?})\n--- Kamailio ---\n{}",
            other.is_ok(),
            kamailio.log()
        ),
    };
    assert_eq!(call.caller(), "74951234567");
    let seen = wait_call(&mut call, "ringing", |s| *s == CallState::Ringing).await;
    assert_eq!(seen, vec![CallState::Ringing]);
    call.answer().expect("200 OK");
    let seen = wait_call(&mut call, "the caller's ACK", |s| {
        matches!(s, CallState::Answered { .. })
    })
    .await;
    let Some(CallState::Answered {
        codec,
        remote_media,
    }) = seen.last()
    else {
        panic!("{seen:?}");
    };
    assert_eq!(*codec, Codec::Pcma, "the offer's codec");
    assert!(
        remote_media.is_some_and(|m| m.ip().is_loopback()),
        "{remote_media:?}"
    );
    assert!(call.media_socket().is_ok());
    let rest = states_until_end(&mut call).await;
    assert_eq!(ended(&rest), Some(&CallEnd::FarEndHungUp), "{rest:?}");
    let finished = tokio::task::spawn_blocking(move || sipp.finish())
        .await
        .expect("waiting for SIPp");
    if let Err(e) = finished {
        panic!("{e}\n--- Kamailio ---\n{}", kamailio.log());
    }
    linedesk_sip::Phone::shutdown(&agent).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_nobody_listens_for_is_refused_480() {
    let kamailio = kamailio(None);
    let agent = SipUserAgent::start(account(kamailio.addr(), PASSWORD), timing())
        .await
        .expect("agent");
    let mut states = linedesk_sip::Phone::registration(&agent);
    wait_registration(&mut states, "registered", |s| s.is_registered(), &kamailio).await;
    // Nobody took `incoming_calls`: the scenario passes only when its INVITE got the 480.
    let sipp = Sipp::call(Scenario::CallInRefused, kamailio.addr(), USER).expect("SIPp starts");
    let finished = tokio::task::spawn_blocking(move || sipp.finish())
        .await
        .expect("waiting for SIPp");
    if let Err(e) = finished {
        panic!(
            "the call was not refused 480: {e}\n--- Kamailio ---\n{}",
            kamailio.log()
        );
    }
    linedesk_sip::Phone::shutdown(&agent).await;
}
