//! Issue 13 with the real app answering: a client calls the line from real Chromium (the
//! widget's call module on call.mjs's test page, a WAV of espeak-ng speech as its fake
//! microphone), the app (WebDriver, signed in to a real `linedesk-server` binary that allows
//! the page's origin) rings, the specialist answers in the call panel, the client's speech
//! moves the app's speaker meter, and the specialist's words (played into the app's microphone,
//! a PulseAudio daemon of the test's own) reach the page; the browser hangs up and the call ends
//! on both sides; the recording is uploaded and shows in the client's timeline as recorded,
//! and its two channels carry the specialist's words and the browser's speech.
//!
//! Speech is checked by cross-correlation (`linedesk_engine::analysis::align`), each pair on
//! one clock: the page's Unix time for the page's recordings, `paplay`'s start for the words,
//! and the recording placed by its length before the page's hang-up.

use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::Locator;
use linedesk_e2e::browser_call::{CallPage, CallPlan, LineServerProcess, PulseAudio};
use linedesk_e2e::{App, Desktop, by_testid};
use linedesk_engine::analysis::align;

const PASSWORD: &str = "смена-звонок-2026";
const SAMPLES_PER_MS: f64 = 48.0;

fn speech(dir: &Path, text: &str) -> Vec<f32> {
    let wav = dir.join("espeak.wav");
    let status = std::process::Command::new("espeak-ng")
        .args(["-v", "ru", "-w"])
        .arg(&wav)
        .arg(text)
        .status()
        .unwrap_or_else(|e| panic!("espeak-ng is needed ({e}): ./dev.sh setup installs it"));
    assert!(status.success(), "espeak-ng failed: {status}");
    linedesk_engine::wav::read(&wav).expect("the WAV espeak-ng wrote")
}

/// `samples` (whose first one is at `origin_ms`, Unix ms) from `at_ms` on, silence-padded
/// when it starts later.
fn from(samples: &[f32], origin_ms: f64, at_ms: f64) -> Vec<f32> {
    let skip = ((at_ms - origin_ms) * SAMPLES_PER_MS).round() as i64;
    if skip >= 0 {
        samples.get(skip as usize..).unwrap_or_default().to_vec()
    } else {
        let mut out = vec![0.0; (-skip) as usize];
        out.extend_from_slice(samples);
        out
    }
}

fn energy(x: &[f32]) -> f64 {
    x.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / x.len().max(1) as f64
}

async fn sign_in(app: &App) {
    app.testid("sign-in").await;
    let field = app.testid("sign-in-password").await;
    field.clear().await.expect("clear");
    field.send_keys(PASSWORD).await.expect("type the password");
    app.testid("sign-in-submit")
        .await
        .click()
        .await
        .expect("sign in");
    app.sync_state("in_sync").await;
}

async fn panel_state(app: &App, want: &str, what: &str) {
    app.wait_attr(&by_testid("call-panel"), "data-state", what, |s| s == want)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_answers_a_call_from_chromium() {
    let data = tempfile::tempdir().expect("data dir");
    let scratch = tempfile::tempdir().expect("scratch dir");
    let out = scratch.path();
    // Chromium loops the file: the words, then a second of silence.
    let mut words = vec![0.0; 48_000 * 3 / 10];
    words.extend(speech(
        out,
        "Здравствуйте, у меня не проводится документ реализации.",
    ));
    words.extend(vec![0.0; 48_000]);
    let mic = out.join("browser-mic.wav");
    linedesk_engine::wav::write(&mic, &words).expect("write the microphone's WAV");
    let talk = Duration::from_secs(8);
    // What the specialist says into the app's microphone once the call is connected.
    let mut reply = vec![0.0; 48_000 * 3 / 10];
    reply.extend(speech(out, "Добрый день, сейчас посмотрим."));
    let reply_wav = out.join("app-mic.wav");
    linedesk_engine::wav::write(&reply_wav, &reply).expect("write the app's microphone WAV");

    let pulse = PulseAudio::start();
    let desktop = Desktop::start_with_env(&pulse.client_env());
    tokio::time::timeout(Duration::from_secs(180), async {
        let mut page = CallPage::start(CallPlan {
            wav: &mic,
            out,
            login: "client-1",
            password: linedesk_server::demo::DEMO_CLIENT_PASSWORD,
            talk,
        })
        .await;
        let server = LineServerProcess::start(PASSWORD, &[&page.origin]).await;
        let login = linedesk_demo::DEMO_SPECIALIST_LOGIN;
        let args = ["--server", server.address.as_str(), "--login", login];
        let app = desktop.launch_with_args(data.path(), &args).await;
        sign_in(&app).await;
        app.testid("presence-select")
            .await
            .select_by_value("available")
            .await
            .expect("be available");
        // The client presses the call button; the app rings; the specialist answers.
        page.call(&server.address);
        panel_state(&app, "ringing_in", "the browser's call ringing in the app").await;
        app.testid("call-answer")
            .await
            .click()
            .await
            .expect("answer");
        panel_state(&app, "connected", "the call connected in the app").await;
        let (said_at, mut player) = pulse.say(&reply_wav);
        // The browser's speech reaches the app's speaker meter.
        app.wait_attr(
            &by_testid("call-speaker-level"),
            "data-dbfs",
            "the browser's speech on the app's speaker meter",
            |d| d.parse::<i32>().is_ok_and(|d| d > -60),
        )
        .await;
        app.wait_attr(
            &by_testid("call-quality"),
            "data-silent",
            "the quality indicator with the browser's audio",
            |silent| silent == "false",
        )
        .await;
        app.screenshot("browser-call-connected").await;
        assert!(
            app.client
                .find(Locator::Css(&by_testid("call-device-notice")))
                .await
                .is_err(),
            "the app found no headset in the test's PulseAudio"
        );

        // The browser hangs up after talking: the call ends on both sides.
        let done = page.done().await;
        panel_state(&app, "ended", "the call ended in the app").await;
        let result: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.join("browser.json")).expect("browser.json"),
        )
        .expect("browser.json is JSON");
        let states = result["states"].as_array().expect("the page's states");
        let phase = |s: &serde_json::Value| s["phase"].as_str().unwrap_or_default().to_string();
        assert_eq!(
            states.last().map(phase).as_deref(),
            Some("ended"),
            "the page's call did not end: {states:?}"
        );
        let call = result["call"].as_u64().expect("the page's call id");
        let client = result["client"].as_u64().expect("the page's client id");

        // App -> browser: the specialist's words reached the page.
        let inbound = &result["inbound"];
        let packets = inbound["packetsReceived"].as_u64().unwrap_or_default();
        assert!(
            packets >= 50 && result["timings"]["firstAudioMs"].as_f64().is_some(),
            "the browser received too little of the app's audio: {inbound}"
        );
        let recording_start = result["recordingStartEpochMs"]
            .as_f64()
            .expect("the page's recording start");
        let heard = linedesk_engine::wav::read(&out.join("browser-heard.wav")).expect("heard");
        // The page's received audio from half a second before the words were played.
        let to_browser = align(
            &reply,
            &from(&heard, recording_start, said_at - 500.0),
            Duration::from_secs(5),
        )
        .expect("the browser heard the app");
        println!("app -> browser {to_browser:?} (half a second of it is the test's lead)");
        assert!(
            to_browser.segment_correlation > 0.6,
            "the browser did not hear the specialist's words: {to_browser:?}"
        );
        let _ = player.wait();

        // The recording is uploaded and shows in the client's timeline as recorded.
        app.open_client(client).await;
        let recorded = format!("{}[data-recorded=\"true\"]", by_testid("timeline-call"));
        let deadline = Instant::now() + Duration::from_secs(40);
        while app.client.find(Locator::Css(&recorded)).await.is_err() {
            assert!(
                Instant::now() < deadline,
                "the recorded call never showed in the client's timeline"
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        app.screenshot("browser-call-in-timeline").await;

        // The recording: two channels, the browser's speech in the client's (channel 1).
        let file = data
            .path()
            .join("recordings")
            .join(format!("call-{call}.ogg"));
        let decoded = linedesk_voice::recording::read(&file).expect("the app's recording");
        assert!(decoded.complete, "the recording was not finished");
        assert_eq!(decoded.specialist.len(), decoded.client.len());
        assert!(
            energy(&decoded.client) > 1e-5,
            "the client's channel is silent"
        );
        // Where the recording starts on the page's clock: it ends when the page's hang-up
        // reached the app, so about its length before the page's hang-up.
        let started = result["startedEpochMs"].as_f64().expect("startedEpochMs");
        let ended = result["timings"]["endedMs"]
            .as_f64()
            .expect("the page's hang-up");
        let recorded_from = started + ended - decoded.duration.as_secs_f64() * 1000.0;
        let said = linedesk_engine::wav::read(&out.join("browser-said.wav")).expect("said");
        // The page's microphone from a second into the recording (the hang-up's way to
        // the app and the page's send path are the rest of the delay found).
        let input = from(&said, recording_start, recorded_from + 1000.0);
        let in_recording = align(&input, &decoded.client, Duration::from_secs(3))
            .expect("the browser's speech in the recording");
        // The specialist's channel: the words said into the app's microphone.
        let spoken = align(
            &reply,
            &from(&decoded.specialist, recorded_from, said_at - 500.0),
            Duration::from_secs(5),
        )
        .expect("the specialist's words in the recording");
        println!(
            "call {call}: the browser's speech in the client's channel {in_recording:?}; \
             the specialist's words in channel 0 {spoken:?}; the page's timings: {done}"
        );
        assert!(
            spoken.segment_correlation > 0.6,
            "the specialist's channel is not her words: {spoken:?}"
        );
        assert!(
            in_recording.segment_correlation > 0.6,
            "the client's channel is not the browser's speech: {in_recording:?}"
        );
        app.quit().await;
    })
    .await
    .expect("the scenario took longer than 3 minutes");
}
