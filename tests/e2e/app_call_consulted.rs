//! Issue 14, item 3, consultative transfer with the real app (WebDriver) as the colleague
//! consulted: an engine-driven specialist (Orlova, as her app drives it) calls a simulated
//! client, puts the client on hold and consults the app's specialist. The app rings with the
//! consultation (said so in the call panel), its specialist picks up and hears Orlova; Orlova
//! hands the client over, and the app is connected with the client at once (no ringing: it
//! takes the client's new offer on the leg) and hears the client, whom it then hangs up on.
//! The consultation leaves no recording behind; the app's leg is recorded.
//!
//! Microphones are tones (client 700 Hz, Orlova 440 Hz).

use std::sync::Arc;
use std::time::Duration;

use linedesk_call::{Call, CallConfig, CallState};
use linedesk_client_sim::{CallPlan, EndedBy, Phone};
use linedesk_domain::presence::PresenceStatus;
use linedesk_e2e::{Desktop, by_testid};
use linedesk_engine::line::LineLink;
use linedesk_engine::{CallSession, SessionConfig, SharedIo, Side};
use linedesk_protocol::{Action, Event, Role};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::Storage;

#[path = "call_transfer_common.rs"]
mod common;
use common::*;

/// Up within 15 s.
async fn up(peer: &Arc<Call>) {
    let mut states = peer.watch();
    tokio::time::timeout(
        Duration::from_secs(15),
        states.wait_for(|s| *s == CallState::Connected),
    )
    .await
    .expect("the media comes up in time")
    .expect("the call stays");
}

fn engine(
    peer: &Arc<Call>,
    packets: tokio::sync::mpsc::Receiver<linedesk_call::ReceivedPacket>,
    path: std::path::PathBuf,
) -> CallSession {
    CallSession::start(
        peer.clone(),
        packets,
        Box::new(SharedIo::new(&tone(COLLEAGUE_HZ, 120.0))),
        SessionConfig::new(Side::Specialist, path),
    )
    .expect("Orlova's engine")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_is_consulted_and_takes_the_handed_over_client_without_ringing() {
    let data = tempfile::tempdir().expect("data dir");
    prepare_server(data.path());
    let app_specialist = {
        let storage =
            SqliteStorage::open(&data.path().join("server").join("server.db")).expect("db");
        storage
            .account_by_login(linedesk_demo::DEMO_SPECIALIST_LOGIN)
            .expect("read")
            .expect("the app's specialist")
            .subject
            .id
    };
    let desktop = Desktop::start();
    tokio::time::timeout(Duration::from_secs(300), async {
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
        let (client_id, line) = (phone.client(), phone.line());
        let join = || LineLink::join(&address, COLLEAGUE, COLLEAGUE_PASSWORD, line);
        // Orlova acts on one session, follows the line on another, and runs each call's
        // signalling on its own.
        let mut act = join().await.expect("Orlova signs in");
        let mut watch = join().await.expect("Orlova watches");
        let mut consult_link = join().await.expect("Orlova's consultation session");
        act.submit(Action::SetPresence {
            status: PresenceStatus::Available,
        })
        .await
        .expect("Orlova is available");
        let plan = CallPlan::new(tone(CLIENT_HZ, 120.0), Duration::from_secs(40));
        let client = tokio::spawn(async move { phone.answer(plan).await });
        tokio::time::sleep(Duration::from_millis(500)).await;

        // Orlova calls the client (she offers), the client answers; they talk.
        act.submit(Action::PlaceCall {
            line,
            client: Some(client_id),
        })
        .await
        .expect("Orlova calls");
        let call = watch
            .event(|e| match e {
                Event::CallRinging {
                    call,
                    from: Role::Specialist,
                    ..
                } => Some(*call),
                _ => None,
            })
            .await
            .expect("it rings the client");
        let (peer, channels) = Call::offer(CallConfig::loopback()).await.expect("offer");
        let peer = Arc::new(peer);
        act.attach(call, &peer, channels.signals);
        up(&peer).await;
        let dir = tempfile::tempdir().expect("dir");
        let to_client = engine(&peer, channels.packets, dir.path().join("call.ogg"));

        // She holds the client and consults the app's specialist.
        peer.hold(true).expect("hold");
        act.submit(Action::ConsultCall {
            call,
            to: app_specialist,
        })
        .await
        .expect("consult");
        let consultation = watch
            .event(|e| match e {
                Event::CallConsulting { consultation, .. } => Some(*consultation),
                _ => None,
            })
            .await
            .expect("consulting");
        let (consult_peer, consult_channels) =
            Call::offer(CallConfig::loopback()).await.expect("offer");
        let consult_peer = Arc::new(consult_peer);
        consult_link.attach(consultation, &consult_peer, consult_channels.signals);

        // The app rings with the consultation; its specialist picks up and hears her.
        app.wait_attr(
            &by_testid("call-panel"),
            "data-state",
            "the consultation rings",
            |s| s == "ringing_in",
        )
        .await;
        app.testid("call-consultation").await;
        app.screenshot("consulted-ringing").await;
        app.testid("call-answer")
            .await
            .click()
            .await
            .expect("answer");
        up(&consult_peer).await;
        let consult_engine = engine(
            &consult_peer,
            consult_channels.packets,
            dir.path().join("consultation.ogg"),
        );
        app.wait_attr(
            &by_testid("call-quality"),
            "data-silent",
            "Orlova heard in the app",
            |s| s == "false",
        )
        .await;

        // Orlova hands the client over: the app is connected with the client, no ringing.
        act.submit(Action::HandOverCall {
            consultation,
            reason: "к коллеге".into(),
        })
        .await
        .expect("hand over");
        consult_peer.hang_up().await;
        consult_engine.finish().await.expect("consultation report");
        let leg = watch
            .event(|e| match e {
                Event::CallTransferred { leg, to, .. } if *to == app_specialist => Some(*leg),
                _ => None,
            })
            .await
            .expect("the client is the app's");
        app.wait_attr(
            &by_testid("call-panel"),
            "data-call",
            "the leg in the panel",
            |s| s == leg.to_string(),
        )
        .await;
        app.wait_attr(
            &by_testid("call-panel"),
            "data-state",
            "connected with the client",
            |s| s == "connected",
        )
        .await;
        app.wait_attr(
            &by_testid("call-quality"),
            "data-silent",
            "the client heard in the app",
            |s| s == "false",
        )
        .await;
        to_client.finish().await.expect("Orlova's part");
        app.screenshot("consulted-connected").await;
        app.testid("call-hang-up")
            .await
            .click()
            .await
            .expect("hang up");
        app.wait_attr(
            &by_testid("call-panel"),
            "data-state",
            "the call over",
            |s| s == "ended",
        )
        .await;
        let outcome = client
            .await
            .expect("the client's task")
            .expect("the client's call");
        assert_eq!(
            outcome.ended_by,
            EndedBy::Specialist(Some(linedesk_protocol::CallEndReason::HungUp))
        );
        let legs: Vec<u64> = outcome.transfers.iter().map(|(c, _)| *c).collect();
        assert_eq!(legs, [leg], "the client went on with the app's specialist");

        // The app's leg is recorded and uploaded; the consultation left nothing to upload.
        app.open_client(client_id).await;
        let recorded = format!(
            "{}[data-call-id=\"{leg}\"][data-recorded=\"true\"]",
            by_testid("timeline-call")
        );
        app.wait(&recorded).await;
        let consultations = data.path().join("recordings").join("consultations");
        let left: Vec<_> = std::fs::read_dir(&consultations)
            .map(|d| d.filter_map(Result::ok).collect())
            .unwrap_or_default();
        assert!(
            left.is_empty(),
            "the consultation's scratch recording is gone: {left:?}"
        );
        app.quit().await;
    })
    .await
    .expect("the scenario took longer than 5 minutes");
}
