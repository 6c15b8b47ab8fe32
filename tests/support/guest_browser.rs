//! A guest of the web widget in real Chromium, for scenarios where the real app answers a
//! client of the widget. `ui/browser-tests/app-guest.mjs` (node, playwright-core, Debian's
//! `chromium`) starts the real `linedesk-server` binary with the demo data and a widget line
//! taking guests from a host site it serves; the test then drives the guest one command at a
//! time: a JSON line on the script's stdin, one JSON line back on its stdout.
//!
//! Needs `node`, `npm ci` in `ui/`, `chromium`, the web widget built into `ui/dist-widget` and
//! `linedesk-server` built after it (`./dev.sh test` does all of it). A missing part fails the
//! test and says what to install or build.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::{Group, require_tool, workspace_binary};

/// How long one command of the guest may take (the script's own waits give up after 20 s).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// The guest's browser and the line server it talks to.
pub struct GuestBrowser {
    /// The line server, as the app's `--server` takes it (`127.0.0.1:port`).
    pub address: String,
    /// The widget's line (the demo line with clients).
    pub line: u64,
    stdin: ChildStdin,
    replies: mpsc::UnboundedReceiver<String>,
    // Dropped last: node, the server and Chromium go with the process group.
    node: Group,
}

fn ui_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("ui")
}

impl GuestBrowser {
    /// Start the server (its specialist `smirnova` signs in with `specialist_password`), the
    /// host site and Chromium; resolves once the server listens.
    pub async fn start(specialist_password: &str) -> GuestBrowser {
        require_tool("node");
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
        let server = workspace_binary("linedesk-server");
        let mut node = Group::spawn_with(
            "node (the widget's guest in Chromium)",
            Command::new("node")
                .args(["--no-warnings", "browser-tests/app-guest.mjs"])
                .current_dir(&ui)
                .env("LINEDESK_SERVER_BIN", &server)
                .env("LINEDESK_CHROMIUM", &chromium)
                .env("LINEDESK_SPECIALIST_PASSWORD", specialist_password)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped()),
        );
        let stdin = node.child.stdin.take().expect("the piped stdin");
        let stdout = node.child.stdout.take().expect("the piped stdout");
        let (sender, replies) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut guest = GuestBrowser {
            address: String::new(),
            line: 0,
            stdin,
            replies,
            node,
        };
        let ready = guest.reply("the server and Chromium to start").await;
        assert_eq!(ready["ready"], true, "the guest's script: {ready}");
        guest.address = ready["address"]
            .as_str()
            .expect("the server's address")
            .to_string();
        guest.line = ready["line"].as_u64().expect("the widget's line");
        guest
    }

    async fn reply(&mut self, what: &str) -> Value {
        let line = tokio::time::timeout(COMMAND_TIMEOUT, self.replies.recv())
            .await
            .unwrap_or_else(|_| {
                panic!("the guest's script did not answer within {COMMAND_TIMEOUT:?}: {what}")
            })
            .unwrap_or_else(|| {
                panic!("the guest's script ended while waiting for {what} (its error is above)")
            });
        serde_json::from_str(&line)
            .unwrap_or_else(|err| panic!("the guest's script wrote {line:?} ({err})"))
    }

    /// Run `command` (`{"cmd": ...}`) in the browser; panics with the script's error.
    pub async fn run(&mut self, command: Value) -> Value {
        writeln!(self.stdin, "{command}").expect("write to the guest's script");
        self.stdin.flush().expect("flush the guest's stdin");
        let answer = self.reply(&command.to_string()).await;
        assert_eq!(
            answer["ok"],
            true,
            "the guest could not {command}: {}",
            answer["error"].as_str().unwrap_or_default()
        );
        answer
    }

    /// Open the widget on the host site and sign in as a guest.
    pub async fn sign_in(&mut self, name: &str, contact: &str) {
        self.run(json!({"cmd": "guest", "name": name, "contact": contact}))
            .await;
    }

    /// Write `text`; returns once the server confirmed it.
    pub async fn write(&mut self, text: &str) {
        self.run(json!({"cmd": "write", "text": text})).await;
    }

    /// Wait until the specialist's message `text` shows in the widget.
    pub async fn sees_answer(&mut self, text: &str) {
        self.run(json!({"cmd": "see_answer", "text": text})).await;
    }

    /// Send a text file `name`; returns once the widget shows it sent, named `shown` (the
    /// server keeps a safe file name: `sanitize_file_name`).
    pub async fn send_file(&mut self, name: &str, content: &str, shown: &str) {
        self.run(json!({"cmd": "send_file", "name": name, "content": content, "shown": shown}))
            .await;
    }

    /// Wait for the specialist's file shown as `name`, download it and check it holds
    /// `content`.
    pub async fn receives_file(&mut self, name: &str, content: &str) {
        self.run(json!({"cmd": "receive_file", "name": name, "content": content}))
            .await;
    }

    /// Wait until the appeal shows finished with `result`.
    pub async fn sees_result(&mut self, result: &str) {
        self.run(json!({"cmd": "see_result", "text": result})).await;
    }

    /// Rate the finished appeal with `stars` and `comment`.
    pub async fn rate(&mut self, stars: u8, comment: &str) {
        self.run(json!({"cmd": "rate", "stars": stars, "comment": comment}))
            .await;
    }

    /// What an XSS list could have made: `{"host": {...}, "widget": {...}}`, each with the
    /// count of `[data-xss]` elements, of img/svg/iframe/b/i/inline script elements, and
    /// whether `window.__xss` was set.
    pub async fn injected(&mut self) -> Value {
        let mut answer = self.run(json!({"cmd": "injected"})).await;
        json!({"host": answer["host"].take(), "widget": answer["widget"].take()})
    }
}

impl Drop for GuestBrowser {
    fn drop(&mut self) {
        // Closing stdin lets the script close Chromium and stop the server; the group's kill
        // on drop covers a script that does not.
        let _ = writeln!(self.stdin, "{}", json!({"cmd": "quit"}));
        let _ = self.stdin.flush();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.node.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
