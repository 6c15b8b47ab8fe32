//! Registration against a real Kamailio on loopback (crates/siptest): digest authentication,
//! refreshes, the registrar disappearing and coming back, unregistering on shutdown.

mod common;

use std::time::Duration;

use common::*;
use linedesk_sip::{Phone, RegistrationState, SipError, SipUserAgent};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_right_password_registers_and_the_registrar_holds_the_contact() {
    let kamailio = kamailio(None);
    let agent = SipUserAgent::start(account(kamailio.addr(), PASSWORD), timing())
        .await
        .expect("agent");
    let mut states = agent.registration();
    let state =
        wait_registration(&mut states, "registered", |s| s.is_registered(), &kamailio).await;
    assert!(
        matches!(state, RegistrationState::Registered { expires, count: 1 } if expires > 60),
        "{state:?}"
    );
    let contacts = kamailio.contacts(USER).expect("location table");
    assert_eq!(contacts.len(), 1, "{contacts:?}");
    assert!(
        contacts[0].starts_with("sip:alice@127.0.0.1:"),
        "{contacts:?}"
    );

    agent.shutdown().await;
    assert_eq!(
        *agent.registration().borrow(),
        RegistrationState::Unregistered
    );
    assert_eq!(
        kamailio.contacts(USER).expect("location table"),
        Vec::<String>::new(),
        "unregistered on shutdown"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_a_typed_error_and_is_not_retried() {
    let kamailio = kamailio(None);
    let agent = SipUserAgent::start(account(kamailio.addr(), "wrong"), timing())
        .await
        .expect("agent");
    let mut states = agent.registration();
    let state = wait_registration(
        &mut states,
        "the wrong password refused",
        |s| {
            matches!(
                s,
                RegistrationState::Failed {
                    error: SipError::WrongPassword,
                    ..
                }
            )
        },
        &kamailio,
    )
    .await;
    assert_eq!(
        state,
        RegistrationState::Failed {
            error: SipError::WrongPassword,
            retrying: false
        }
    );
    assert_eq!(SipError::WrongPassword.code(), "sip_wrong_password");
    assert!(kamailio.contacts(USER).expect("location table").is_empty());
    agent.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_registration_is_refreshed_before_it_expires() {
    let kamailio = kamailio(None);
    let mut timing = timing();
    // Kamailio grants two seconds: refreshed every second.
    timing.expires = Duration::from_secs(2);
    let agent = SipUserAgent::start(account(kamailio.addr(), PASSWORD), timing)
        .await
        .expect("agent");
    let mut states = agent.registration();
    let state = wait_registration(
        &mut states,
        "three successful REGISTERs",
        |s| matches!(s, RegistrationState::Registered { count, .. } if *count >= 3),
        &kamailio,
    )
    .await;
    assert!(
        matches!(state, RegistrationState::Registered { expires: 2, .. }),
        "{state:?}"
    );
    assert_eq!(kamailio.contacts(USER).expect("location table").len(), 1);
    agent.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_registrar_comes_back_the_agent_registers_again() {
    let mut kamailio = kamailio(None);
    let mut timing = timing();
    timing.expires = Duration::from_secs(2);
    let agent = SipUserAgent::start(account(kamailio.addr(), PASSWORD), timing)
        .await
        .expect("agent");
    let mut states = agent.registration();
    wait_registration(&mut states, "registered", |s| s.is_registered(), &kamailio).await;

    kamailio.stop().expect("the registrar disappears");
    wait_registration(
        &mut states,
        "the registrar unreachable",
        |s| {
            matches!(
                s,
                RegistrationState::Failed {
                    error: SipError::RegistrarUnreachable,
                    retrying: true
                }
            )
        },
        &kamailio,
    )
    .await;

    kamailio.restart().expect("the registrar comes back");
    // It came back empty: the agent's location is there only once it registered again.
    let state = wait_registration(
        &mut states,
        "registered again",
        |s| s.is_registered(),
        &kamailio,
    )
    .await;
    assert!(
        matches!(state, RegistrationState::Registered { .. }),
        "{state:?}"
    );
    assert_eq!(
        kamailio.contacts(USER).expect("location table").len(),
        1,
        "{}",
        kamailio.log()
    );
    agent.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_that_cannot_be_used_is_refused_before_anything_is_sent() {
    let kamailio = kamailio(None);
    let mut bad = account(kamailio.addr(), PASSWORD);
    bad.user = "alice@evil".into();
    let refused = SipUserAgent::start(bad, timing()).await.err();
    assert_eq!(refused, Some(SipError::InvalidAccount("user")));
    let mut unknown = account(kamailio.addr(), PASSWORD);
    unknown.registrar.host = "no-such-host.invalid".into();
    let refused = SipUserAgent::start(unknown, timing()).await.err();
    assert_eq!(
        refused.as_ref().map(SipError::code),
        Some("sip_unknown_host")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registration_too_brief_for_the_registrar_takes_its_minimum() {
    let kamailio = linedesk_siptest::Kamailio::start(linedesk_siptest::KamailioConfig {
        domain: DOMAIN.into(),
        users: vec![(USER.into(), PASSWORD.into())],
        routes: Vec::new(),
        min_expires: 5,
    })
    .expect("Kamailio");
    let mut timing = timing();
    timing.expires = Duration::from_secs(2);
    let agent = SipUserAgent::start(account(kamailio.addr(), PASSWORD), timing)
        .await
        .expect("agent");
    let mut states = agent.registration();
    let state =
        wait_registration(&mut states, "registered", |s| s.is_registered(), &kamailio).await;
    assert!(
        matches!(state, RegistrationState::Registered { expires: 5, .. }),
        "423 Interval Too Brief, then the registrar's Min-Expires: {state:?}"
    );
    agent.shutdown().await;
}
