//! How long registering and placing a call take through a real Kamailio on loopback: the time
//! from `start` to `Registered` (two REGISTERs: the challenge and the answer), and from `dial`
//! to `Answered` (INVITE, 407, INVITE with credentials, 100, 180 and 200 from SIPp through the
//! proxy, ACK). Release build; figures go to BENCHMARKS.md:
//!
//! `cargo run --release -p linedesk-sip --example call_setup -- 200`

use std::time::{Duration, Instant};

use linedesk_sip::{Account, CallState, Phone, Server, SipUserAgent, Timing};
use linedesk_siptest::{Kamailio, KamailioConfig, Scenario, Sipp};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let calls: u32 = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(100);
    if calls == 0 {
        return Err("at least one call".into());
    }
    let sipp = Sipp::start_for(Scenario::Answer, calls)?;
    let kamailio = Kamailio::start(KamailioConfig {
        domain: "linedesk.test".into(),
        users: vec![("alice".into(), "s3cret".into())],
        routes: vec![("200".into(), sipp.addr())],
        min_expires: 1,
    })?;
    let account = Account {
        domain: "linedesk.test".into(),
        user: "alice".into(),
        password: "s3cret".into(),
        auth_user: None,
        registrar: Server {
            host: "127.0.0.1".into(),
            port: kamailio.addr().port(),
        },
        proxy: None,
        display_name: None,
    };
    let started = Instant::now();
    let agent = SipUserAgent::start(account, Timing::default()).await?;
    let mut registration = agent.registration();
    registration.wait_for(|s| s.is_registered()).await?;
    let registered = started.elapsed();

    let mut setups = Vec::with_capacity(calls as usize);
    for _ in 0..calls {
        let dialled = Instant::now();
        let mut call = agent.dial("200").await?;
        loop {
            match call.next_state().await {
                Some(CallState::Answered { .. }) => break,
                Some(CallState::Ended(end)) => return Err(format!("ended: {end:?}").into()),
                Some(_) => {}
                None => return Err("no answer".into()),
            }
        }
        setups.push(dialled.elapsed());
        call.hang_up().await?;
        while let Some(state) = call.next_state().await {
            if matches!(state, CallState::Ended(_)) {
                break;
            }
        }
    }
    agent.shutdown().await;
    tokio::task::spawn_blocking(move || sipp.finish()).await??;

    setups.sort_unstable();
    let at = |q: f64| setups[((setups.len() - 1) as f64 * q).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "registration (REGISTER, 401, REGISTER, 200): {:.2} ms",
        ms(registered)
    );
    println!(
        "call setup, dial to answered, {} calls through Kamailio to SIPp: min {:.2} ms, p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        setups.len(),
        ms(setups[0]),
        ms(at(0.5)),
        ms(at(0.95)),
        ms(at(1.0))
    );
    Ok(())
}
