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
use std::time::{Duration, Instant};

use linedesk_call::{Call, CallConfig, CallState};
use linedesk_client_sim::{CallPlan, EndedBy, Phone};
use linedesk_domain::presence::PresenceStatus;
use linedesk_e2e::{App, Desktop, by_testid};
use linedesk_engine::line::LineLink;
use linedesk_engine::{CallSession, SessionConfig, SharedIo, Side};
use linedesk_protocol::{Action, Event, Role, SignalPayload};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Storage, StorageError};

const RATE: f32 = 48_000.0;
const CLIENT_HZ: f32 = 700.0;
const COLLEAGUE_HZ: f32 = 440.0;
const COLLEAGUE: &str = "orlova";
const COLLEAGUE_PASSWORD: &str = "orlova-pass";

fn tone(hz: f32, seconds: f32) -> Vec<f32> {
    (0..(seconds * RATE) as usize)
        .map(|i| 0.3 * (2.0 * std::f32::consts::PI * hz * i as f32 / RATE).sin())
        .collect()
}

/// Power at `hz` (Goertzel) as a share of the signal's power: about 1 for that pure tone.
fn share_at(samples: &[f32], hz: f32) -> f64 {
    let w = 2.0 * std::f64::consts::PI * f64::from(hz) / f64::from(RATE);
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2, mut energy) = (0.0f64, 0.0f64, 0.0f64);
    for &x in samples {
        let x = f64::from(x);
        energy += x * x;
        let s0 = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    if samples.is_empty() || energy <= 1e-9 {
        return 0.0;
    }
    2.0 * (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (samples.len() as f64 * energy)
}

/// The embedded server's database made before the app starts (the app seeds an empty one and
/// only renews its own specialist's password in a seeded one), with a password the test knows
/// for the demo colleague Orlova.
fn prepare_server(data: &std::path::Path) {
    let dir = data.join("server");
    std::fs::create_dir_all(&dir).expect("server dir");
    let storage = SqliteStorage::open(&dir.join("server.db")).expect("storage");
    let hash = |p: &str| {
        linedesk_server::auth::hash_password(p).map_err(|e| StorageError::Invalid(e.to_string()))
    };
    let now = linedesk_server::app::now_ms();
    let specialist = hash("unused").expect("hash");
    linedesk_server::demo::seed_if_empty(&storage, now, &specialist, &hash)
        .expect("seed")
        .expect("a new database");
    storage
        .set_password(COLLEAGUE, &hash(COLLEAGUE_PASSWORD).expect("hash"))
        .expect("Orlova's password");
}

fn colleague_id(data: &std::path::Path) -> u64 {
    let storage =
        SqliteStorage::open(&data.join("server").join("server.db")).expect("the server's db");
    storage
        .account_by_login(COLLEAGUE)
        .expect("read")
        .expect("Orlova")
        .subject
        .id
}

async fn panel_state(app: &App, want: &str, what: &str) {
    app.wait_attr(&by_testid("call-panel"), "data-state", what, |s| s == want)
        .await;
}

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
        app.testid("call-transfer")
            .await
            .click()
            .await
            .expect("transfer");
        app.testid("transfer-dialog").await;
        let pick = format!(
            "{}[data-id=\"{colleague}\"]",
            by_testid("transfer-colleague")
        );
        let deadline = Instant::now() + linedesk_e2e::UI_TIMEOUT;
        loop {
            let enabled = match app.client.find(fantoccini::Locator::Css(&pick)).await {
                Ok(radio) => radio.attr("disabled").await.ok().flatten().is_none(),
                Err(_) => false,
            };
            if enabled {
                break;
            }
            assert!(Instant::now() < deadline, "Orlova is never offered");
            // The candidates are read when the dialog opens: reopen it until her presence
            // reached the app.
            app.testid("transfer-close")
                .await
                .click()
                .await
                .expect("close");
            tokio::time::sleep(Duration::from_millis(300)).await;
            app.testid("call-transfer")
                .await
                .click()
                .await
                .expect("reopen");
        }
        app.wait(&pick).await.click().await.expect("pick Orlova");
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
