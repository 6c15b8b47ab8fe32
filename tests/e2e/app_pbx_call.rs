//! Issue 18 in the app: the specialist sets the PBX account in the settings, the app registers
//! to a real Kamailio, dials baresip's number from the dial pad, the call shows in the call
//! panel, a dial-pad key is sent during it, baresip says its phrase and hangs up, and its
//! speech is in the far end's channel of the app's two-channel recording of the call (found by
//! cross-correlation). A wrong password shows the registration failed with
//! `sip_wrong_password`. Click-to-dial and a call from outside answered in the app are not
//! covered yet (issue 18).

#[path = "../../crates/sip/tests/speech/mod.rs"]
mod speech;

use std::time::{Duration, Instant};

use linedesk_e2e::{App, Desktop, by_testid};
use linedesk_siptest::{Baresip, Kamailio, KamailioConfig};

const USER: &str = "alice";
const PASSWORD: &str = "s3cret";
const DOMAIN: &str = "linedesk.test";
const NUMBER: &str = "200";

async fn wait_panel(app: &App, what: &str, check: impl Fn(&str) -> bool) {
    app.wait_attr(&by_testid("call-panel"), "data-state", what, check)
        .await;
}

/// Fill the PBX account in Profile → Settings and save it; the dialog is closed after.
async fn set_account(app: &App, registrar: &str, password: &str) {
    app.click("profile-button").await;
    app.retype("sip-registrar", registrar).await;
    app.retype("sip-domain", DOMAIN).await;
    app.retype("sip-user", USER).await;
    app.retype("sip-display-name", "Анна Смирнова").await;
    app.retype("sip-password", password).await;
    app.click("sip-save").await;
}

async fn close_settings(app: &App) {
    app.click("profile-save").await;
    let deadline = Instant::now() + linedesk_e2e::UI_TIMEOUT;
    while app
        .client
        .find(fantoccini::Locator::Css(&by_testid("profile-dialog")))
        .await
        .is_ok()
    {
        assert!(
            Instant::now() < deadline,
            "the settings dialog did not close"
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pbx_call_from_the_app_is_heard_and_recorded() {
    let work = tempfile::tempdir().expect("work dir");
    let theirs_wav = speech::speech_wav(
        work.path(),
        "theirs",
        "Добрый день, у меня не работает касса, помогите пожалуйста.",
        8_000,
    );
    let theirs = speech::read_48k(work.path(), &theirs_wav);
    let baresip = Baresip::start(NUMBER, &theirs_wav, &["PCMA"])
        .expect("baresip starts (./dev.sh setup installs it)");
    let kamailio = Kamailio::start(KamailioConfig {
        domain: DOMAIN.into(),
        users: vec![(USER.into(), PASSWORD.into())],
        routes: vec![(NUMBER.into(), baresip.addr())],
        min_expires: 1,
    })
    .expect("Kamailio starts (./dev.sh setup installs it)");
    let registrar = kamailio.addr().to_string();

    let data = tempfile::Builder::new()
        .disable_cleanup(true)
        .tempdir()
        .expect("data dir");
    eprintln!("DATA DIR {}", data.path().display());
    let desktop = Desktop::start();
    tokio::time::timeout(Duration::from_secs(300), async {
        let app = desktop.launch(data.path()).await;
        app.testid("main-window").await;

        // 1. A wrong password: the registration fails and says why, without retrying.
        set_account(&app, &registrar, "wrong").await;
        app.wait_attr(
            &by_testid("sip-status"),
            "data-error",
            "the wrong password's failure",
            |e| e == "sip_wrong_password",
        )
        .await;
        // 2. The right one: registered (Kamailio holds the app's contact).
        app.retype("sip-password", PASSWORD).await;
        app.click("sip-save").await;
        app.wait_attr(
            &by_testid("sip-status"),
            "data-state",
            "the registration",
            |s| s == "registered",
        )
        .await;
        let contacts = kamailio.contacts(USER).expect("Kamailio's location table");
        assert_eq!(contacts.len(), 1, "one contact of the app: {contacts:?}");
        close_settings(&app).await;
        // The password is not in the store in clear.
        for file in ["linedesk.db", "linedesk.db-wal"] {
            let bytes = std::fs::read(data.path().join(file)).unwrap_or_default();
            assert!(
                !bytes
                    .windows(PASSWORD.len())
                    .any(|w| w == PASSWORD.as_bytes()),
                "the password is in the store's {file}"
            );
        }

        // 3. The dial pad: baresip's number; it answers; its speech plays.
        app.click("dial-pad-toggle").await;
        app.retype("dial-number", NUMBER).await;
        app.click("dial-call").await;
        wait_panel(&app, "the PBX call connected", |s| s == "connected").await;
        app.wait_attr(
            &by_testid("call-who"),
            "data-number",
            "the number in the panel",
            |n| n == NUMBER,
        )
        .await;
        app.screenshot("pbx-call-connected").await;
        // A dial-pad key during the call is taken (sent as a telephone event).
        app.click("dial-key-5").await;
        // baresip says its phrase and hangs up (its source file ended): the panel ends.
        wait_panel(&app, "baresip's hang-up after its phrase", |s| s == "ended").await;
        assert_eq!(app.error_banner().await, None, "no error after the call");

        // What the app heard: baresip's speech in the far end's channel of the recording.
        let dir = data.path().join("recordings").join("pbx");
        let deadline = Instant::now() + Duration::from_secs(30);
        let decoded = loop {
            let file = std::fs::read_dir(&dir).ok().and_then(|entries| {
                entries
                    .flatten()
                    .map(|e| e.path())
                    .find(|p| p.extension().is_some_and(|e| e == "ogg"))
            });
            if let Some(decoded) = file.and_then(|f| linedesk_voice::recording::read(&f).ok())
                && decoded.complete
            {
                break decoded;
            }
            assert!(
                Instant::now() < deadline,
                "no complete recording in {}",
                dir.display()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let heard = speech::correlation(&theirs, &decoded.client);
        eprintln!(
            "baresip's speech in the app's recording: correlation {heard:.3} ({:?} recorded)",
            decoded.duration
        );
        assert!(
            heard >= 0.6,
            "baresip's speech in the app's recording: correlation {heard:.3} (rms sent {:.4}, \
             recorded {:.4})\n{}",
            speech::rms(&theirs),
            speech::rms(&decoded.client),
            baresip.log()
        );

        // A call from outside through the PBX is not here yet: `crates/sip/tests/incoming.rs`
        // fails (issue 18), so the app's answer to it is not tested end to end.

        // Click-to-dial from a client's card is not here: at the merge (stop 27) its click left
        // the panel on the last call, with no error shown (issue 18).
        app.quit().await;
    })
    .await
    .unwrap_or_else(|_| panic!("the PBX scenario took over 300 s\n{}", baresip.log()));
}
