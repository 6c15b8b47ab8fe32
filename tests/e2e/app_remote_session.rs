//! V2 in the app, against its embedded server: a client runs the assistant (`linedesk-assist`)
//! on their own X display with an xterm and has set a session password. The specialist asks
//! by a wrong password (refused, said so), then by the right one: the client's screen shows in
//! the app's viewer, keys typed into the viewer reach the xterm (a command writes a file), the
//! specialist ends the session and it is in the client's timeline with its mode. Then by
//! request: the client's assistant accepts, the screen shows, the client ends it.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use linedesk_e2e::{App, Desktop, by_testid};
use linedesk_remote::xvfb::VirtualDisplay;

const CLIENT_LOGIN: &str = "client-4";
const SESSION_PASSWORD: &str = "ключ-сеанса-4";

/// The assistant binary beside the app's (both built by `./dev.sh test`).
fn assist_binary() -> PathBuf {
    let bin = linedesk_e2e::app_binary().with_file_name("linedesk-assist");
    assert!(
        bin.is_file(),
        "{} does not exist: `cargo build -p linedesk-assist` first",
        bin.display()
    );
    bin
}

struct Assistant {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Assistant {
    fn start(server: &str, display: &str) -> Assistant {
        let mut child = Command::new(assist_binary())
            .args([
                "--server",
                server,
                "--login",
                CLIENT_LOGIN,
                "--display",
                display,
            ])
            // The embedded server's address is a bare host:port: plain, on this machine.
            .args(["--set-password", "--accept", "--insecure-plain"])
            .env("LINEDESK_ASSIST_ACCOUNT_PASSWORD", "demo-client")
            .env("LINEDESK_ASSIST_PASSWORD", SESSION_PASSWORD)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start linedesk-assist");
        let stdout = child.stdout.take().expect("stdout");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                eprintln!("assist> {line}");
                sink.lock().expect("lock").push(line);
            }
        });
        Assistant { child, lines }
    }

    /// The client types a line into the assistant (`end` ends the running session).
    fn type_line(&mut self, line: &str) {
        if let Some(stdin) = self.child.stdin.as_mut() {
            let _ = writeln!(stdin, "{line}");
            let _ = stdin.flush();
        }
    }

    async fn wait_for(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self
            .lines
            .lock()
            .expect("lock")
            .iter()
            .any(|l| l.contains(text))
        {
            assert!(
                Instant::now() < deadline,
                "the assistant never said {text:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Assistant {
    fn drop(&mut self) {
        if let Some(stdin) = self.child.stdin.as_mut() {
            let _ = stdin.write_all(b"end\n");
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The viewer is connected and shows the client's 1280x800 screen.
async fn screen_shows(app: &App) {
    app.wait_attr(
        &by_testid("remote-panel"),
        "data-state",
        "the session",
        |s| s == "connected",
    )
    .await;
    app.wait_attr(
        &by_testid("remote-screen"),
        "data-width",
        "the screen",
        |w| w == "1280",
    )
    .await;
}

/// Ask for a session by password (`Some`) or by request, from the chat's form (it stays open
/// after a refusal, to try again).
async fn ask(app: &App, password: Option<&str>) {
    let deadline = Instant::now() + linedesk_e2e::UI_TIMEOUT;
    let mode = if password.is_some() {
        "remote-ask-by-password"
    } else {
        "remote-ask-by-request"
    };
    loop {
        if app
            .client
            .find(fantoccini::Locator::Css(&by_testid("remote-ask-form")))
            .await
            .is_err()
        {
            let _ = app.testid("remote-ask-toggle").await.click().await;
        }
        let choice = app
            .client
            .find(fantoccini::Locator::Css(&by_testid(mode)))
            .await;
        let clicked = match choice {
            Ok(choice) => choice.click().await.map(|_| ()),
            Err(e) => Err(e),
        };
        match clicked {
            Ok(()) => break,
            Err(e) => {
                if Instant::now() >= deadline {
                    app.screenshot("remote-ask-failed").await;
                    panic!("choose {mode}: {e:?}");
                }
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }
    }
    if let Some(password) = password {
        let field = app.testid("remote-ask-password").await;
        field.clear().await.expect("clear");
        field.send_keys(password).await.expect("type the password");
    }
    app.testid("remote-ask").await.click().await.expect("ask");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_password_the_client_screen_shows_and_typed_keys_reach_it() {
    let data = tempfile::tempdir().expect("data dir");
    let out = tempfile::tempdir().expect("out dir");
    let mut client_display = VirtualDisplay::start(1280, 800).expect("the client's Xvfb");
    client_display
        .spawn(
            "xterm",
            &[
                "-geometry",
                "200x58+0+0",
                "-xrm",
                "*cursorBlink: false",
                "-e",
                "/bin/sh",
            ],
        )
        .expect("xterm");
    let desktop = Desktop::start();
    tokio::time::timeout(Duration::from_secs(300), async {
        let app = desktop.launch(data.path()).await;
        app.sync_state("in_sync").await;
        let server = linedesk_e2e::server_address(data.path()).await;
        let mut assistant = Assistant::start(&server, &client_display.name());
        assistant.wait_for("password").await;
        let mut client =
            linedesk_client_sim::SimClient::sign_in(&server, CLIENT_LOGIN, "demo-client")
                .await
                .expect("the client signs in");
        client
            .write("Подключитесь, пожалуйста: пароль сеанса я задала в помощнике.")
            .await
            .expect("the client writes");
        app.open_client(client.id).await;

        // A wrong password: refused, and the app says so; nothing opens.
        ask(&app, Some("не тот")).await;
        app.wait_texts(&by_testid("error-banner"), "the refusal", |t| {
            t.first().is_some_and(|s| s.contains("Неверный пароль"))
        })
        .await;

        // The right one: the client's screen shows in the viewer.
        ask(&app, Some(SESSION_PASSWORD)).await;
        screen_shows(&app).await;

        // Keys typed into the viewer run a command in the client's xterm.
        let file = out.path().join("typed-in-the-viewer");
        let screen = app.testid("remote-screen").await;
        screen.click().await.expect("focus the screen");
        screen
            .send_keys(&format!("echo ok > {}\u{E007}", file.display()))
            .await
            .expect("type");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::fs::read_to_string(&file).ok().as_deref() != Some("ok\n") {
            assert!(
                Instant::now() < deadline,
                "the typed command did not run in the xterm"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }

        // What the command printed reaches the viewer too.
        tokio::time::sleep(Duration::from_secs(2)).await;
        app.screenshot("remote-session").await;

        // The specialist ends it; it is in the client's timeline with its mode.
        app.testid("remote-end").await.click().await.expect("end");
        app.wait_attr(&by_testid("remote-panel"), "data-state", "the end", |s| {
            s == "ended"
        })
        .await;
        app.testid("remote-close")
            .await
            .click()
            .await
            .expect("close");
        app.wait_attr(
            &format!(
                "{}[data-outcome=\"ended_by_specialist\"]",
                by_testid("timeline-remote")
            ),
            "data-mode",
            "the session in the timeline",
            |m| m == "by_password",
        )
        .await;
        app.screenshot("remote-session-in-timeline").await;

        // By request: the assistant (started with --accept) accepts, the screen shows, and the
        // client ends it from their side.
        ask(&app, None).await;
        screen_shows(&app).await;
        assistant.type_line("end");
        app.wait_attr(
            &by_testid("remote-ended"),
            "data-reason",
            "the client's end",
            |r| r == "ended_by_client",
        )
        .await;
        app.testid("remote-close")
            .await
            .click()
            .await
            .expect("close");
        app.wait(&format!(
            "{}[data-mode=\"by_request\"][data-outcome=\"ended_by_client\"]",
            by_testid("timeline-remote")
        ))
        .await;
        drop(assistant);
        app.quit().await;
    })
    .await
    .expect("the remote session scenario took over 300 s");
}
