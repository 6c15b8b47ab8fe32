//! The simulated client in calls, both ways, against a real server seeded with the demo world
//! on 127.0.0.1 and real WebRTC on loopback. The specialist is driven by the engine directly
//! (`LineLink` + `Call` + `CallSession` with memory audio), as the app will drive it.
//! Speech comes from espeak-ng (Debian package `espeak-ng`); a missing tool fails the test.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{
    SPECIALIST_PASSWORD, available_specialist, demo_server, ended_in_log, roles_with_stats,
    run_specialist, speech, take_the_clients_call, with_lead_in,
};
use linedesk_call::{Call, CallConfig};
use linedesk_client_sim::{CallPlan, EndedBy, Phone, length_of, place_call};
use linedesk_demo::DEMO_SPECIALIST_LOGIN;
use linedesk_engine::analysis::align;
use linedesk_engine::line::LineLink;
use linedesk_protocol::{Action, CallEndReason, Event, Role};
use linedesk_server::demo::DEMO_CLIENT_PASSWORD;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_client_calls_the_line_and_the_specialist_hears_them() {
    let _turn = common::one_call_at_a_time().await;
    let started = Instant::now();
    let demo = demo_server().await;
    let words = speech(
        demo.dir.path(),
        "client",
        "Здравствуйте, у меня не проводится документ реализации.",
    );
    let reply = speech(
        demo.dir.path(),
        "specialist",
        "Добрый день, сейчас посмотрим.",
    );
    let mut spec = available_specialist(&demo).await;

    let mut plan = CallPlan::new(
        with_lead_in(&words),
        length_of(&words) + Duration::from_millis(1500),
    );
    plan.ring_timeout = Duration::from_secs(10);
    let addr = demo.addr.clone();
    let client =
        tokio::spawn(
            async move { place_call(&addr, "client-1", DEMO_CLIENT_PASSWORD, plan).await },
        );

    let side = take_the_clients_call(&demo, &mut spec, &with_lead_in(&reply)).await;
    let outcome = client
        .await
        .expect("the client's task")
        .expect("the client's call");

    assert_eq!(
        (outcome.call, outcome.ended_by),
        (side.call, EndedBy::Client)
    );
    let heard = align(&words, &side.heard, Duration::from_secs(1)).expect("aligned");
    let back = align(&reply, &outcome.heard, Duration::from_secs(1)).expect("aligned");
    println!(
        "the specialist heard the client: {heard:?}; the client heard the specialist: {back:?}\n\
         client: {}\nspecialist: {}\n{:?} in all",
        outcome.report,
        side.report,
        started.elapsed()
    );
    assert!(heard.segment_correlation > 0.6, "{heard:?}");
    assert!(back.segment_correlation > 0.6, "{back:?}");
    assert_eq!(
        ended_in_log(&demo, side.call),
        Some((Role::Client, CallEndReason::HungUp))
    );
    assert_eq!(
        roles_with_stats(&demo, side.call),
        [Role::Specialist, Role::Client]
    );
    assert!(outcome.report.packets_sent > 0 && outcome.report.mos >= 4.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_specialist_calls_a_simulated_client_who_answers_and_talks() {
    let _turn = common::one_call_at_a_time().await;
    let started = Instant::now();
    let demo = demo_server().await;
    let words = speech(
        demo.dir.path(),
        "client",
        "Алло, да, слушаю вас. Спасибо, что перезвонили.",
    );
    let phone = Phone::sign_in(&demo.addr, "client-2", DEMO_CLIENT_PASSWORD)
        .await
        .expect("the client signs in");
    let client_id = phone.client();
    let mut plan = CallPlan::new(with_lead_in(&words), Duration::ZERO);
    plan.hang_up = false;
    plan.ring_timeout = Duration::from_secs(10);
    let client = tokio::spawn(phone.answer(plan));

    let mut spec = LineLink::join(
        &demo.addr,
        DEMO_SPECIALIST_LOGIN,
        SPECIALIST_PASSWORD,
        demo.line,
    )
    .await
    .expect("the specialist signs in");
    let key = spec
        .submit(Action::PlaceCall {
            line: demo.line,
            client: Some(client_id),
        })
        .await
        .expect("placed");
    let call = spec
        .event(|e| match e {
            Event::CallRinging { call, key: k, .. } if k.as_deref() == Some(&key) => Some(*call),
            _ => None,
        })
        .await
        .expect("it rings");
    let (peer, channels) = Call::offer(CallConfig::loopback()).await.expect("offer");
    let peer = Arc::new(peer);
    spec.attach(call, &peer, channels.signals);
    let talk = length_of(&words) + Duration::from_millis(1500);
    let side = run_specialist(
        &mut spec,
        call,
        peer,
        channels.packets,
        &[],
        &demo.dir.path().join("specialist.ogg"),
        async |link: &mut LineLink, peer: &Call| {
            tokio::time::sleep(talk).await;
            peer.hang_up().await;
            link.submit(Action::HangUp {
                call,
                reason: CallEndReason::HungUp,
            })
            .await
            .expect("hung up");
        },
    )
    .await;
    let outcome = client
        .await
        .expect("the client's task")
        .expect("the client's call");

    assert_eq!(outcome.call, call);
    assert_eq!(
        outcome.ended_by,
        EndedBy::Specialist(Some(CallEndReason::HungUp))
    );
    let heard = align(&words, &side.heard, Duration::from_secs(1)).expect("aligned");
    println!(
        "the specialist heard the client: {heard:?}\nclient: {}\nspecialist: {}\n{:?} in all",
        outcome.report,
        side.report,
        started.elapsed()
    );
    assert!(heard.segment_correlation > 0.6, "{heard:?}");
    assert_eq!(
        ended_in_log(&demo, call),
        Some((Role::Specialist, CallEndReason::HungUp))
    );
    assert_eq!(
        roles_with_stats(&demo, call),
        [Role::Specialist, Role::Client]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_calls_the_line_with_a_wav() {
    let _turn = common::one_call_at_a_time().await;
    let demo = demo_server().await;
    let dir = demo.dir.path();
    let wav = dir.join("words.wav");
    linedesk_engine::wav::write(
        &wav,
        &with_lead_in(&speech(dir, "client", "Алло, это снова я.")),
    )
    .expect("wav");
    let heard = dir.join("heard.wav");
    let mut spec = available_specialist(&demo).await;
    let args: Vec<std::ffi::OsString> = vec![
        "call".into(),
        "--wav".into(),
        wav.clone().into(),
        "--server".into(),
        demo.url.clone().into(),
        "--login".into(),
        "client-3".into(),
        "--seconds".into(),
        "3".into(),
        "--wait".into(),
        "10".into(),
        "--heard".into(),
        heard.clone().into(),
    ];
    let cli = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_linedesk-client-sim"))
            .args(args)
            .output()
            .expect("the command runs")
    });
    let side = take_the_clients_call(&demo, &mut spec, &[]).await;
    let output = cli.await.expect("joined");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success());
    assert!(
        stdout.contains(&format!("call {} (appeal", side.call))
            && stdout.contains("ended: the client hung up")
            && stdout.contains("MOS"),
        "{stdout}"
    );
    let words = linedesk_engine::wav::read(&wav).expect("wav");
    let a = align(&words, &side.heard, Duration::from_secs(1)).expect("aligned");
    assert!(a.segment_correlation > 0.6, "{a:?}");
    assert!(heard.exists());
}

/// The caller's session sees its call connect and end (the app's call panel follows them),
/// also when the callee signed in once before: each link's idempotency keys are its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_caller_sees_connected_and_ended() {
    let _turn = common::one_call_at_a_time().await;
    let demo = demo_server().await;
    // The client signed in once before and acted: its first link's first key was used.
    let mut earlier = LineLink::join_own_line(&demo.addr, "client-3", DEMO_CLIENT_PASSWORD)
        .await
        .expect("an earlier session");
    earlier
        .submit(Action::ClientMessage {
            text: "Перезвоните мне, пожалуйста".into(),
        })
        .await
        .expect("written");
    let phone = Phone::sign_in(&demo.addr, "client-3", DEMO_CLIENT_PASSWORD)
        .await
        .expect("the client signs in");
    let client_id = phone.client();
    let mut plan = CallPlan::new(vec![0.0; 48_000], Duration::from_secs(1));
    plan.ring_timeout = Duration::from_secs(10);
    let client = tokio::spawn(phone.answer(plan));
    let mut spec = LineLink::join(
        &demo.addr,
        DEMO_SPECIALIST_LOGIN,
        SPECIALIST_PASSWORD,
        demo.line,
    )
    .await
    .expect("the specialist signs in");
    let key = spec
        .submit(Action::PlaceCall {
            line: demo.line,
            client: Some(client_id),
        })
        .await
        .expect("placed");
    let call = spec
        .event(|e| match e {
            Event::CallRinging { call, key: k, .. } if k.as_deref() == Some(&key) => Some(*call),
            _ => None,
        })
        .await
        .expect("it rings");
    let (peer, channels) = Call::offer(CallConfig::loopback()).await.expect("offer");
    let peer = Arc::new(peer);
    spec.attach(call, &peer, channels.signals);
    spec.event(|e| matches!(e, Event::CallConnected { call: c, .. } if *c == call).then_some(()))
        .await
        .expect("the caller's session sees the call connected");
    client.await.expect("task").expect("the client's call");
    spec.event(|e| matches!(e, Event::CallEnded { call: c, .. } if *c == call).then_some(()))
        .await
        .expect("the caller's session sees the call end");
}
