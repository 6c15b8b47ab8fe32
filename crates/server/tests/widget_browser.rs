//! The client's web widget in real Chromium (Debian's `chromium`, driven by `playwright-core`
//! from `ui/`'s npm packages) against this crate's real `linedesk-server` binary: the scenarios
//! of `ui/browser-tests/widget.mjs` (sign-in, chat both ways with a specialist on the real
//! WebSocket, files both ways, a message kept across a server restart, finish and rating with
//! a comment, the call button's link loss, missed call and call-back request, the remote-help
//! panel, KB hints, a guest's return and "forget me", an XSS list, a site not allowed to
//! frame it, a foreign page refused, and the widget behind the server's TLS).
//!
//! Needs what `./dev.sh setup` installs and `./dev.sh test` builds: `chromium`, `npm ci` in
//! `ui/`, and the widget built into `ui/dist-widget` before this binary was compiled. A missing
//! part fails the test and says which; nothing is skipped.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn ui_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui")
}

#[test]
fn the_widget_in_chromium() {
    assert!(
        linedesk_server::http::widget::widget_built(),
        "this linedesk-server was compiled without the web widget: run `cd ui && npm run \
         build:widget` (or ./dev.sh test), then cargo test again"
    );
    let ui = ui_dir();
    assert!(
        ui.join("node_modules/playwright-core").is_dir(),
        "playwright-core is missing: run `npm ci` in ui/ (./dev.sh setup)"
    );
    let chromium =
        std::env::var("LINEDESK_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "{chromium} is missing: install Debian's chromium (./dev.sh setup)"
    );
    // A test CA and a server certificate for the scenario behind TLS.
    let pki_dir = tempfile::tempdir().expect("dir");
    let pki = common::pki(pki_dir.path());
    // The recording the specialist uploads for the widget's recorded call: 3 s of tones.
    let recording = pki_dir.path().join("call.ogg");
    let mut recorder = linedesk_voice::recording::Recorder::create(&recording).expect("recorder");
    for k in 0..150 {
        let tone: Vec<f32> = (0..960)
            .map(|i| 0.3 * ((k * 960 + i) as f32 * 0.06).sin())
            .collect();
        recorder.write(Some(&tone), Some(&tone)).expect("write");
    }
    recorder.finish().expect("finish");
    let output = Command::new("node")
        .arg("--experimental-websocket")
        .arg("--no-warnings")
        .arg("browser-tests/widget.mjs")
        .current_dir(&ui)
        .env("LINEDESK_SERVER_BIN", env!("CARGO_BIN_EXE_linedesk-server"))
        .env("LINEDESK_CHROMIUM", &chromium)
        .env("LINEDESK_TLS_CERT", &pki.cert)
        .env("LINEDESK_TLS_KEY", &pki.key)
        .env("NODE_EXTRA_CA_CERTS", &pki.ca)
        .env("LINEDESK_RECORDING", &recording)
        .output()
        .expect("node runs (Node.js 20 is set up by ./dev.sh)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "the browser scenarios failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(
        stdout.contains("ok   behind the server's TLS: the widget over https and wss"),
        "the last scenario did not run:\n{stdout}"
    );
}
