//! What the SIP tests share: the registrar with its one account, the agent's account and
//! timing, and waits for states that say what they saw when they give up.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use linedesk_sip::{Account, Call, CallEnd, CallState, RegistrationState, Server, Timing};
use linedesk_siptest::{Kamailio, KamailioConfig};
use tokio::sync::watch;

pub const USER: &str = "alice";
pub const PASSWORD: &str = "s3cret";
pub const DOMAIN: &str = "linedesk.test";
/// The number routed to the test's SIPp.
pub const NUMBER: &str = "200";

/// A generous bound for any wait: the CI machine is slow and loaded; waits end as soon as
/// the state is there.
pub const WITHIN: Duration = Duration::from_secs(60);

/// Kamailio with alice's account and [`NUMBER`] routed to `far_end` (when given).
pub fn kamailio(far_end: Option<SocketAddr>) -> Kamailio {
    Kamailio::start(KamailioConfig {
        domain: DOMAIN.into(),
        users: vec![(USER.into(), PASSWORD.into())],
        routes: far_end
            .map(|addr| vec![(NUMBER.into(), addr)])
            .unwrap_or_default(),
        min_expires: 1,
    })
    .expect("Kamailio starts (./dev.sh setup installs it)")
}

/// Alice's account at `registrar` with `password`.
pub fn account(registrar: SocketAddr, password: &str) -> Account {
    Account {
        domain: DOMAIN.into(),
        user: USER.into(),
        password: password.into(),
        auth_user: None,
        registrar: Server {
            host: registrar.ip().to_string(),
            port: registrar.port(),
        },
        proxy: None,
        display_name: None,
    }
}

/// Timing for tests: an hour's registration (no refresh unless a test asks for one), quick
/// retries; a response timeout long enough for a loaded machine.
pub fn timing() -> Timing {
    Timing {
        expires: Duration::from_secs(3600),
        response_timeout: Duration::from_secs(5),
        retry_min: Duration::from_millis(200),
        retry_max: Duration::from_secs(1),
        no_answer_after: Duration::from_secs(60),
    }
}

/// Wait until the registration's state satisfies `wanted` (described by `what`).
pub async fn wait_registration(
    states: &mut watch::Receiver<RegistrationState>,
    what: &str,
    wanted: impl Fn(&RegistrationState) -> bool,
    kamailio: &Kamailio,
) -> RegistrationState {
    let waited = tokio::time::timeout(WITHIN, async {
        states.wait_for(|s| wanted(s)).await.map(|s| s.clone())
    })
    .await;
    match waited {
        Ok(Ok(state)) => state,
        Ok(Err(_)) => panic!("waiting for {what}: the agent is gone"),
        Err(_) => panic!(
            "waiting for {what}: still {:?} after {WITHIN:?}\n--- Kamailio ---\n{}",
            *states.borrow(),
            kamailio.log()
        ),
    }
}

/// Every state of `call` until it ends.
pub async fn states_until_end(call: &mut dyn Call) -> Vec<CallState> {
    let mut seen = Vec::new();
    loop {
        match tokio::time::timeout(WITHIN, call.next_state()).await {
            Ok(Some(state)) => {
                let end = matches!(state, CallState::Ended(_));
                seen.push(state);
                if end {
                    return seen;
                }
            }
            Ok(None) => panic!("the call's states stopped without an end: {seen:?}"),
            Err(_) => panic!("no end of the call after {WITHIN:?}; saw {seen:?}"),
        }
    }
}

/// Wait for the call's next state that satisfies `wanted`, with those passed on the way.
pub async fn wait_call(
    call: &mut dyn Call,
    what: &str,
    wanted: impl Fn(&CallState) -> bool,
) -> Vec<CallState> {
    let mut seen = Vec::new();
    loop {
        match tokio::time::timeout(WITHIN, call.next_state()).await {
            Ok(Some(state)) => {
                let done = wanted(&state);
                seen.push(state);
                if done {
                    return seen;
                }
                if matches!(seen.last(), Some(CallState::Ended(_))) {
                    panic!("waiting for {what}: the call ended: {seen:?}");
                }
            }
            Ok(None) => panic!("waiting for {what}: no more states after {seen:?}"),
            Err(_) => panic!("waiting for {what}: none after {WITHIN:?}; saw {seen:?}"),
        }
    }
}

pub fn ended(states: &[CallState]) -> Option<&CallEnd> {
    match states.last() {
        Some(CallState::Ended(end)) => Some(end),
        _ => None,
    }
}
