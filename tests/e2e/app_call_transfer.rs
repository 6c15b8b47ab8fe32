//! Issue 14, item 3, through the real app (WebDriver) against its embedded server: a simulated
//! client calls the line, the specialist answers in the app's call panel and hands the call to
//! a colleague with the panel's "Transfer" button and colleague picker (blind transfer). The
//! colleague is a second specialist driven by the engine (as her app drives it): her phone
//! rings with the new leg, she picks up, and the client's voice reaches her without the client
//! hanging up; the app's call ends "transferred", its leg's recording is uploaded, and the
//! client's timeline shows who held the call when.
//!
//! Microphones are tones (client 700 Hz, colleague 440 Hz), so who hears whom is read off the
//! spectrum.

use std::sync::Arc;
use std::time::Duration;

use linedesk_call::{Call, CallConfig, CallState};
use linedesk_client_sim::{CallPlan, EndedBy, Phone};
use linedesk_domain::presence::PresenceStatus;
use linedesk_e2e::{Desktop, by_testid};
use linedesk_engine::line::LineLink;
use linedesk_engine::{CallSession, SessionConfig, SharedIo, Side};
use linedesk_protocol::{Action, Event, Role, SignalPayload};

#[path = "call_transfer_common.rs"]
mod common;
use common::*;

/// The colleague's side: the leg rings her like a client's call; she picks up, the client
/// offers anew on it, and she talks until the client hangs up. What she heard.
async fn colleague_takes_the_leg(mut link: LineLink, me: u64) -> (u64, Vec<f32>) {
    let leg = link
        .event(|e| match e {
            Event::CallRinging {
                call,
                specialist: Some(s),
                from: Role::Client,
                ..
            } if *s == me => Some(*call),
            _ => None,
        })
        .await
        .expect("the leg rings the colleague");
    link.submit(Action::AnswerCall { call: leg })
        .await
        .expect("she picks up");
    let SignalPayload::Offer { sdp } = link.signal(leg).await.expect("a signal") else {
        panic!("the client's new offer comes first");
    };
    let (peer, channels) = Call::answer(CallConfig::loopback(), &sdp)
        .await
        .expect("answered");
    let peer = Arc::new(peer);
    link.attach(leg, &peer, channels.signals);
    let mut states = peer.watch();
    tokio::time::timeout(
        Duration::from_secs(15),
        states.wait_for(|s| *s == CallState::Connected),
    )
    .await
    .expect("the media comes up in time")
    .expect("the call stays");
    let io = SharedIo::new(&tone(COLLEAGUE_HZ, 60.0));
    let dir = tempfile::tempdir().expect("dir");
    let session = CallSession::start(
        peer.clone(),
        channels.packets,
        Box::new(io.clone()),
        SessionConfig::new(Side::Specialist, dir.path().join("leg.ogg")),
    )
    .expect("her engine");
    let reason = link
        .event_within(Some(Duration::from_secs(60)), |e| match e {
            Event::CallEnded { call, reason, .. } if *call == leg => Some(*reason),
            _ => None,
        })
        .await
        .expect("the session")
        .expect("the client hangs up on her");
    peer.remote_ended(reason).await;
    let report = session.finish().await.expect("her report");
    link.submit(Action::CallStats {
        call: leg,
        quality: report.quality(),
    })
    .await
    .expect("her stats");
    (leg, io.played())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_is_transferred_blind_from_the_app_to_a_colleague() {
    let data = tempfile::tempdir().expect("data dir");
    prepare_server(data.path());
    let colleague = colleague_id(data.path());
    let desktop = Desktop::start();
    tokio::time::timeout(Duration::from_secs(300), async {
        let app = desktop.launch(data.path()).await;
        app.testid("main-window").await;
        app.wait_texts(&by_testid("sync-status"), "in sync", |t| {
            t.first().is_some_and(|s| s.contains("Синхронизировано"))
        })
        .await;
        let address = linedesk_e2e::server_address(data.path()).await;

        // The client calls; the app rings; the specialist answers.
        let phone = Phone::sign_in(&address, "client-5", "demo-client")
            .await
            .expect("client-5 signs in");
        let (caller, line) = (phone.client(), phone.line());
        let orlova = LineLink::join(&address, COLLEAGUE, COLLEAGUE_PASSWORD, line)
            .await
            .expect("Orlova signs in");
        let mut plan = CallPlan::new(tone(CLIENT_HZ, 60.0), Duration::from_secs(20));
        plan.ring_timeout = Duration::from_secs(30);
        let client = tokio::spawn(async move { phone.call_line(plan).await });
        panel_state(&app, "ringing_in", "the incoming call").await;
        app.testid("call-answer")
            .await
            .click()
            .await
            .expect("answer");
        panel_state(&app, "connected", "the call connected").await;
        // They talk a moment: the client's audio reaches the app.
        app.wait_attr(
            &by_testid("call-quality"),
            "data-silent",
            "the client's audio in the app",
            |silent| silent == "false",
        )
        .await;

        // Orlova comes to her desk (Available) only now, so the client's call rang the app.
        let mut orlova = orlova;
        orlova
            .submit(Action::SetPresence {
                status: PresenceStatus::Available,
            })
            .await
            .expect("Orlova is available");
        let colleague_side = tokio::spawn(colleague_takes_the_leg(orlova, colleague));

        // The panel's Transfer button, the picker (the rule lets Orlova receive it), go.
        pick_colleague(&app, colleague).await;
        app.screenshot("transfer-dialog").await;
        app.testid("transfer-submit")
            .await
            .click()
            .await
            .expect("transfer the call");

        // The app's leg ends "transferred"; the client goes on with Orlova.
        panel_state(&app, "ended", "the app's leg ended").await;
        app.wait_texts(&by_testid("call-ended"), "transferred", |t| {
            t.first().is_some_and(|s| s.contains("переведён"))
        })
        .await;
        app.screenshot("transferred").await;
        let outcome = client
            .await
            .expect("the client's task")
            .expect("the client's call");
        let (leg, heard) = colleague_side.await.expect("the colleague's task");
        assert_eq!(outcome.ended_by, EndedBy::Client);
        let legs: Vec<u64> = outcome.transfers.iter().map(|(c, _)| *c).collect();
        assert_eq!(legs, [leg], "the client went on in Orlova's leg");
        let late = &heard[heard.len().min(48_000)..];
        assert!(late.len() > 48_000 * 3, "Orlova talked with the client");
        assert!(
            share_at(late, CLIENT_HZ) > 0.3,
            "Orlova hears the client: {:.2}",
            share_at(late, CLIENT_HZ)
        );
        let end = &outcome.heard[outcome.heard.len().saturating_sub(48_000 * 3)..];
        assert!(
            share_at(end, COLLEAGUE_HZ) > 0.3,
            "the client hears Orlova: {:.2}",
            share_at(end, COLLEAGUE_HZ)
        );

        // The client's timeline: the hand-over with who held the call when, and the app's
        // leg recorded.
        app.open_client(caller).await;
        let holders = format!(
            "{}[data-kind=\"call_transferred\"] {}",
            by_testid("timeline-note"),
            by_testid("call-holders")
        );
        app.wait_texts(&holders, "who held the call", |t| {
            t.first().is_some_and(|s| !s.trim().is_empty())
        })
        .await;
        let recorded = format!("{}[data-recorded=\"true\"]", by_testid("timeline-call"));
        app.wait(&recorded).await;
        app.screenshot("transfer-in-timeline").await;
        app.quit().await;
    })
    .await
    .expect("the scenario took longer than 5 minutes");
}
