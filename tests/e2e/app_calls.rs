//! Issue 5 in the app, against its embedded server: a simulated client (a WAV of espeak-ng
//! speech as its microphone) calls the line and the specialist answers in the app's call panel;
//! then the specialist calls the client back from the chat, and she answers. Each call ends, is
//! recorded, uploaded and shows in the client's timeline with its recording.

use std::time::{Duration, Instant};

use linedesk_client_sim::{CallPlan, EndedBy, Phone};
use linedesk_e2e::{App, Desktop, by_testid};

fn speech(dir: &std::path::Path, text: &str) -> Vec<f32> {
    let wav = dir.join("speech.wav");
    let status = std::process::Command::new("espeak-ng")
        .args(["-v", "ru", "-w"])
        .arg(&wav)
        .arg(text)
        .status()
        .unwrap_or_else(|e| panic!("espeak-ng is needed ({e}): ./dev.sh setup installs it"));
    assert!(status.success(), "espeak-ng failed: {status}");
    linedesk_engine::wav::read(&wav).expect("the WAV espeak-ng wrote")
}

async fn panel_state(app: &App, want: &str, what: &str) {
    let deadline = Instant::now() + linedesk_e2e::UI_TIMEOUT;
    loop {
        let state = match app
            .client
            .find(fantoccini::Locator::Css(&by_testid("call-panel")))
            .await
        {
            Ok(panel) => panel.attr("data-state").await.ok().flatten(),
            Err(_) => None,
        };
        if state.as_deref() == Some(want) {
            return;
        }
        if Instant::now() >= deadline {
            let sync = app
                .client
                .find(fantoccini::Locator::Css(&by_testid("sync-status")))
                .await
                .ok();
            let sync = match sync {
                Some(e) => (e.text().await.ok(), e.attr("title").await.ok().flatten()),
                None => (None, None),
            };
            panic!("timed out waiting for {what}: the call panel is {state:?}; sync {sync:?}");
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

async fn recorded_call_in_timeline(app: &App, what: &str) {
    let css = format!("{}[data-recorded=\"true\"]", by_testid("timeline-call"));
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        if app
            .client
            .find(fantoccini::Locator::Css(&css))
            .await
            .is_ok()
        {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_both_ways_are_recorded_and_attached() {
    let data = tempfile::Builder::new()
        .disable_cleanup(true)
        .tempdir()
        .expect("data dir");
    eprintln!("DATA DIR {}", data.path().display());
    let work = tempfile::tempdir().expect("work dir");
    let voice = speech(
        work.path(),
        "Здравствуйте! У меня не открывается отчёт по НДС после обновления.",
    );
    let desktop = Desktop::start();
    tokio::time::timeout(Duration::from_secs(300), async {
        let app = desktop.launch(data.path()).await;
        app.testid("main-window").await;
        app.wait_texts(&by_testid("sync-status"), "in sync", |t| {
            t.first().is_some_and(|s| s.contains("Синхронизировано"))
        })
        .await;
        let address = std::fs::read_to_string(data.path().join("server").join("address"))
            .expect("the embedded server's address");
        let address = address.trim().to_string();

        // 1. A client calls the line; the app rings; the specialist answers.
        let phone = Phone::sign_in(&address, "client-5", "demo-client")
            .await
            .expect("client-5 signs in");
        let caller = phone.client();
        let plan = CallPlan::new(voice.clone(), Duration::from_secs(4));
        let call = tokio::spawn(async move { phone.call_line(plan).await });
        panel_state(&app, "ringing_in", "the incoming call").await;
        app.screenshot("incoming-call").await;
        app.testid("call-answer")
            .await
            .click()
            .await
            .expect("answer");
        panel_state(&app, "connected", "the call connected").await;
        // The meters move: the client's voice reaches the speaker meter through the app's
        // levels channel.
        let deadline = Instant::now() + Duration::from_secs(6);
        loop {
            let dbfs = match app
                .client
                .find(fantoccini::Locator::Css(&by_testid("call-speaker-level")))
                .await
            {
                Ok(meter) => meter
                    .attr("data-dbfs")
                    .await
                    .ok()
                    .flatten()
                    .and_then(|v| v.parse::<i32>().ok()),
                Err(_) => None,
            };
            if dbfs.is_some_and(|d| d > -60) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the speaker meter never moved: {dbfs:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // The quality indicator follows the live statistics: the client's audio arrives.
        app.wait_attr(
            &by_testid("call-quality"),
            "data-silent",
            "the quality indicator with the client's audio",
            |silent| silent == "false",
        )
        .await;
        app.screenshot("in-call").await;
        let outcome = call
            .await
            .expect("the client's task")
            .expect("the client's call went through");
        assert_eq!(
            outcome.ended_by,
            EndedBy::Client,
            "the client hung up after talking"
        );
        panel_state(&app, "ended", "the call ended").await;
        app.open_client(caller).await;
        recorded_call_in_timeline(&app, "the recorded incoming call in the timeline").await;
        app.screenshot("call-in-timeline").await;

        // 2. The specialist calls the client back from the chat (her appeal, which the call
        // opened, is still open); she answers and talks.
        let phone = Phone::sign_in(&address, "client-5", "demo-client")
            .await
            .expect("client-5 signs in again");
        let callee = phone.client();
        let mut plan = CallPlan::new(voice, Duration::from_secs(3));
        plan.ring_timeout = Duration::from_secs(30);
        let answered = tokio::spawn(async move { phone.answer(plan).await });
        app.open_client(callee).await;
        app.testid("call-place").await.click().await.expect("call");
        let outcome = answered
            .await
            .expect("the client's task")
            .expect("the client answered");
        assert!(!outcome.heard.is_empty(), "the client heard the app's side");
        panel_state(&app, "ended", "the outgoing call ended").await;
        let recorded = format!("{}[data-recorded=\"true\"]", by_testid("timeline-call"));
        let deadline = Instant::now() + Duration::from_secs(40);
        while app
            .client
            .find_all(fantoccini::Locator::Css(&recorded))
            .await
            .map_or(0, |found| found.len())
            < 2
        {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for the recorded outgoing call in the timeline"
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        app.screenshot("calls-in-timeline").await;

        // 3. Nobody answers (the client is not signed in): the call gives up by itself after
        // the connect timeout, says "no answer", and the specialist is free again.
        app.testid("call-place")
            .await
            .click()
            .await
            .expect("call again");
        panel_state(&app, "ringing_out", "the unanswered call ringing").await;
        let deadline = Instant::now() + Duration::from_secs(45);
        loop {
            let ended = app
                .client
                .find(fantoccini::Locator::Css(&by_testid("call-ended")))
                .await;
            if let Ok(ended) = ended
                && ended
                    .text()
                    .await
                    .unwrap_or_default()
                    .contains("нет ответа")
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the unanswered call never gave up"
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        app.quit().await;
    })
    .await
    .expect("the scenario took longer than 4 minutes");
}
