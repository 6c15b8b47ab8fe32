//! Issue 14, the three-way join through the real app (WebDriver) against its embedded server:
//! a simulated client calls the line, the specialist answers in the call panel, consults a
//! colleague (a second specialist driven by the engine, as her app drives it) with "Consult
//! first", then presses "Join all": the panel names the colleague it is joined with, the client
//! comes off hold and hears the colleague through the app's mix, and the colleague the client.
//! The specialist then hands the client over after the join: the app's call ends
//! "transferred", the colleague takes the client on the leg, and the client's timeline shows
//! the join (who joined whom) beside the consultation.
//!
//! Microphones are tones (client 700 Hz, colleague 440 Hz; on the leg after the hand-over she
//! says 550 Hz), so who hears whom is read off the spectrum: the client hears 440 Hz only
//! through the join, and the colleague 700 Hz in her consultation only through the join. The
//! app runs its microphone path with every stage on (the default), on no sound card: the other
//! call's party must go out past its noise suppressor and gain control.

use std::sync::Arc;
use std::time::Duration;

use linedesk_call::{Call, CallConfig};
use linedesk_client_sim::{CallPlan, EndedBy, Phone};
use linedesk_domain::presence::PresenceStatus;
use linedesk_e2e::{App, Desktop, by_testid};
use linedesk_engine::SharedIo;
use linedesk_engine::line::LineLink;
use linedesk_protocol::{Action, CallEndReason, Event, SignalPayload};

#[path = "call_transfer_common.rs"]
mod common;
use common::*;

/// The colleague's side: consulted on headset `ear` (the test reads what it plays), joined,
/// and handed the client, whose new offer she takes on the leg (the same session:
/// `LineLink::attach` leaves the leg's signals to `signal`). The leg.
async fn colleague(mut link: LineLink, me: u64, ear: SharedIo) -> u64 {
    let dir = tempfile::tempdir().expect("dir");
    let (_, ended) = consulted_on(&mut link, me, 0, dir.path(), ear).await;
    assert_eq!(
        ended,
        CallEndReason::Transferred,
        "handed over after the join"
    );
    let leg = link
        .event(|e| match e {
            Event::CallTransferred { leg, to, .. } if *to == me => Some(*leg),
            _ => None,
        })
        .await
        .expect("the client is hers");
    let SignalPayload::Offer { sdp } = link.signal(leg).await.expect("a signal") else {
        panic!("the client's new offer comes first");
    };
    let (peer, channels) = Call::answer(CallConfig::loopback(), &sdp)
        .await
        .expect("answered");
    let peer = Arc::new(peer);
    link.attach(leg, &peer, channels.signals);
    let (session, _io) = talk_at(&peer, channels.packets, dir.path(), "leg.ogg", LEG_HZ).await;
    let reason = link
        .event_within(Some(Duration::from_secs(90)), |e| match e {
            Event::CallEnded { call, reason, .. } if *call == leg => Some(*reason),
            _ => None,
        })
        .await
        .expect("the session")
        .expect("the client hangs up on her");
    peer.remote_ended(reason).await;
    session.finish().await.expect("her report");
    leg
}

/// The colleague's tone on the leg after the hand-over: not the join's.
const LEG_HZ: f32 = 550.0;
/// Seconds the colleague hears the client through the join before the specialist hands the
/// client over.
const JOINED_SECONDS: usize = 5;

/// Consult `colleague` from the open dialog and wait until the two talk and her voice is
/// heard; the client's call is on hold meanwhile.
async fn consult(app: &App, colleague: u64) {
    pick_colleague(app, colleague).await;
    app.testid("transfer-consult")
        .await
        .click()
        .await
        .expect("consult first");
    panel_state(app, "on_hold", "the client on hold").await;
    app.wait_attr(
        &by_testid("transfer-dialog"),
        "data-consult",
        "the colleague answers the consultation",
        |s| s == "talking",
    )
    .await;
    app.wait_attr(
        &by_testid("consult-status"),
        "data-heard",
        "the colleague's voice in the app",
        |heard| heard == "true",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_all_then_hand_over_from_the_app() {
    let data = tempfile::tempdir().expect("data dir");
    prepare_server(data.path());
    let orlova_id = colleague_id(data.path());
    let desktop = Desktop::start();
    tokio::time::timeout(Duration::from_secs(360), async {
        let app = desktop.launch(data.path()).await;
        app.testid("main-window").await;
        app.wait_texts(&by_testid("sync-status"), "in sync", |t| {
            t.first().is_some_and(|s| s.contains("Синхронизировано"))
        })
        .await;
        let address = linedesk_e2e::server_address(data.path()).await;

        let phone = Phone::sign_in(&address, "client-5", "demo-client")
            .await
            .expect("client-5 signs in");
        let (caller, line) = (phone.client(), phone.line());
        let mut orlova = LineLink::join(&address, COLLEAGUE, COLLEAGUE_PASSWORD, line)
            .await
            .expect("Orlova signs in");
        let mut plan = CallPlan::new(tone(CLIENT_HZ, 120.0), Duration::from_secs(45));
        plan.ring_timeout = Duration::from_secs(30);
        let client = tokio::spawn(async move { phone.call_line(plan).await });
        panel_state(&app, "ringing_in", "the incoming call").await;
        app.testid("call-answer")
            .await
            .click()
            .await
            .expect("answer");
        panel_state(&app, "connected", "the call connected").await;
        app.wait_attr(
            &by_testid("call-quality"),
            "data-silent",
            "the client's audio in the app",
            |silent| silent == "false",
        )
        .await;
        orlova
            .submit(Action::SetPresence {
                status: PresenceStatus::Available,
            })
            .await
            .expect("Orlova is available");
        let her_ear = SharedIo::new(&tone(COLLEAGUE_HZ, 120.0));
        let colleague_side = tokio::spawn(colleague(orlova, orlova_id, her_ear.clone()));

        consult(&app, orlova_id).await;
        app.testid("consult-join")
            .await
            .click()
            .await
            .expect("join all");
        app.wait_attr(
            &by_testid("transfer-dialog"),
            "data-consult",
            "the three joined",
            |s| s == "joined",
        )
        .await;
        app.wait_attr(
            &by_testid("call-joined"),
            "data-with",
            "the panel names the colleague",
            |with| with == orlova_id.to_string(),
        )
        .await;
        panel_state(&app, "connected", "the client off hold").await;
        app.wait_attr(
            &by_testid("call-quality"),
            "data-silent",
            "the client's audio still in the app",
            |silent| silent == "false",
        )
        .await;
        app.screenshot("joined").await;
        // The three talk until Orlova has heard the client through the app's mix for a while.
        wait_heard(
            &her_ear,
            CLIENT_HZ,
            COLLEAGUE_HZ,
            JOINED_SECONDS,
            "Orlova hears the client through the join",
        )
        .await;
        app.testid("consult-hand-over")
            .await
            .click()
            .await
            .expect("hand over after the join");
        panel_state(&app, "ended", "the app's call ended").await;
        app.wait_texts(&by_testid("call-ended"), "transferred", |t| {
            t.first().is_some_and(|s| s.contains("переведён"))
        })
        .await;

        let outcome = client
            .await
            .expect("the client's task")
            .expect("the client's call");
        let leg = colleague_side.await.expect("the colleague's task");
        assert_eq!(outcome.ended_by, EndedBy::Client);
        let legs: Vec<u64> = outcome.transfers.iter().map(|(c, _)| *c).collect();
        assert_eq!(legs, [leg], "the client went on in Orlova's leg");
        // Who heard whom through the app's mix: the client hears Orlova's tone only in the
        // join, and she hears the client's only there too (her speaker in the consultation, the
        // join included). Whole seconds mostly of the other's tone, with at most a trace of
        // one's own: the mix sends nobody their own voice.
        let (client_heard, client_own) = seconds_of(&outcome.heard, COLLEAGUE_HZ, CLIENT_HZ);
        let (her_heard, her_own) = seconds_of(&her_ear.played(), CLIENT_HZ, COLLEAGUE_HZ);
        println!(
            "joined: the client heard Orlova for {client_heard} s (own tone at most \
             {client_own:.2}), Orlova heard the client for {her_heard} s (own at most \
             {her_own:.2})"
        );
        assert!(
            her_heard >= JOINED_SECONDS,
            "Orlova heard the client for {her_heard} s"
        );
        // The client hears her over the same kind of path, from the same moment, until the
        // hand-over: short of hers by at most the seconds cut at either end.
        assert!(
            client_heard + 2 >= JOINED_SECONDS,
            "the client heard Orlova for {client_heard} s (she heard the client {her_heard} s)"
        );
        assert!(
            client_own < 0.1 && her_own < 0.1,
            "own voice back: the client {client_own:.2}, Orlova {her_own:.2}"
        );

        // The client's timeline: the join, who joined whom.
        app.open_client(caller).await;
        let joined = format!("{}[data-kind=\"call_joined\"]", by_testid("timeline-note"));
        app.wait_texts(&joined, "the join on the timeline", |t| {
            t.first().is_some_and(|s| s.contains("втроём"))
        })
        .await;
        app.screenshot("join-in-timeline").await;
        app.quit().await;
    })
    .await
    .expect("the scenario took longer than 6 minutes");
}
