//! A client calling the line from real Chromium, for scenarios where the real app answers:
//! `crates/client-sim/tests/browser/call.mjs` (node, playwright-core, Debian's `chromium`)
//! serves its test page with the widget's call module and proxies `/api` to the line server;
//! [`LineServerProcess`] is the real `linedesk-server` binary with the demo data, allowing
//! that page's origin (`[http] allowed_origins`), started once the page's port is known.
//!
//! Needs `node`, `npm ci` in `ui/`, `chromium` and `linedesk-server` built. A missing part
//! fails the test and says what to install or build.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::time::Duration;

use tokio::sync::mpsc;

use crate::{Group, require_tool, workspace_binary};

/// How long the page may take to say its next line (its own waits give up after 30 s).
const LINE_TIMEOUT: Duration = Duration::from_secs(60);

fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The lines a child writes on its stdout, read on a thread (printed for the test's log).
fn stdout_lines(
    stdout: impl std::io::Read + Send + 'static,
    who: &'static str,
) -> mpsc::UnboundedReceiver<String> {
    let (sender, lines) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{who}: {line}");
            // The receiver may be gone (the test no longer listens): keep draining the pipe.
            let _ = sender.send(line);
        }
    });
    lines
}

async fn line_starting(
    lines: &mut mpsc::UnboundedReceiver<String>,
    prefix: &str,
    who: &str,
) -> String {
    loop {
        let line = tokio::time::timeout(LINE_TIMEOUT, lines.recv())
            .await
            .unwrap_or_else(|_| panic!("{who} said no {prefix:?} within {LINE_TIMEOUT:?}"))
            .unwrap_or_else(|| panic!("{who} ended before saying {prefix:?} (its error is above)"));
        if let Some(rest) = line.strip_prefix(prefix) {
            return rest.trim().to_string();
        }
    }
}

/// The client's page in Chromium (call.mjs), waiting for `go` once it printed its port.
pub struct CallPage {
    /// The page's origin (`http://127.0.0.1:port`), for the server's `allowed_origins`.
    pub origin: String,
    stdin: ChildStdin,
    lines: mpsc::UnboundedReceiver<String>,
    // Dropped last: node and Chromium go with the process group.
    node: Group,
}

/// What [`CallPage::start`] gives the page.
pub struct CallPlan<'a> {
    /// The page's fake microphone (48 kHz WAV; Chromium loops it).
    pub wav: &'a Path,
    /// Where the page writes `browser.json`, `browser-said.wav` and `browser-heard.wav`.
    pub out: &'a Path,
    pub login: &'a str,
    pub password: &'a str,
    /// How long the page talks once connected before it hangs up.
    pub talk: Duration,
}

impl CallPage {
    pub async fn start(plan: CallPlan<'_>) -> CallPage {
        require_tool("node");
        let ui = workspace_dir().join("ui");
        assert!(
            ui.join("node_modules/playwright-core").is_dir(),
            "playwright-core is missing: run `npm ci` in ui/ (./dev.sh setup)"
        );
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        assert!(
            Path::new(&chromium).exists(),
            "{chromium} is missing: install Debian's chromium (./dev.sh setup)"
        );
        let script = workspace_dir().join("crates/client-sim/tests/browser/call.mjs");
        let mut node = Group::spawn_with(
            "node (the client's call page in Chromium)",
            Command::new("node")
                .arg(&script)
                .args(["--ui".as_ref(), ui.as_os_str()])
                .args(["--wav".as_ref(), plan.wav.as_os_str()])
                .args(["--out".as_ref(), plan.out.as_os_str()])
                .args(["--login", plan.login, "--password", plan.password])
                .args(["--talk-ms", &plan.talk.as_millis().to_string()])
                .env("CHROMIUM", &chromium)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped()),
        );
        let stdin = node.child.stdin.take().expect("the piped stdin");
        let stdout = node.child.stdout.take().expect("the piped stdout");
        let mut lines = stdout_lines(stdout, "browser");
        let port = line_starting(&mut lines, "READY", "the call page").await;
        CallPage {
            origin: format!("http://127.0.0.1:{port}"),
            stdin,
            lines,
            node,
        }
    }

    /// Sign in to the line server at `address` and press the call button.
    pub fn call(&mut self, address: &str) {
        writeln!(self.stdin, "go {address}").expect("tell the page to call");
    }

    /// Wait until the page hung up and wrote its results; panics if the harness failed.
    pub async fn done(&mut self) -> String {
        let done = line_starting(&mut self.lines, "DONE", "the call page").await;
        let status = self.node.child.wait().expect("the call page ends");
        assert!(status.success(), "the call page failed: {status}");
        done
    }
}

/// The real `linedesk-server` binary on 127.0.0.1 with the demo data.
pub struct LineServerProcess {
    /// `127.0.0.1:port`, as the app's `--server` takes it.
    pub address: String,
    /// The server's data dir (recordings under it).
    pub data: PathBuf,
    // Field order is drop order: the server stops before its directory goes.
    _server: Group,
    _lines: mpsc::UnboundedReceiver<String>,
    _dir: tempfile::TempDir,
}

impl LineServerProcess {
    /// Seed the demo lines (the specialist's password `specialist_password`) and serve them,
    /// allowing pages from `origins`.
    pub async fn start(specialist_password: &str, origins: &[&str]) -> LineServerProcess {
        let binary = workspace_binary("linedesk-server");
        let dir = tempfile::tempdir().expect("the server's dir");
        let data = dir.path().join("data");
        let seeded = Command::new(&binary)
            .arg("seed-demo")
            .arg("--data-dir")
            .arg(&data)
            .args(["--password", specialist_password])
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
        assert!(
            seeded.status.success(),
            "seed-demo failed: {}",
            String::from_utf8_lossy(&seeded.stderr)
        );
        let config = dir.path().join("server.toml");
        let toml = format!(
            "bind = \"127.0.0.1:0\"\ndata_dir = {}\n[http]\nallowed_origins = {}\n",
            serde_json::Value::from(data.display().to_string()),
            serde_json::Value::from(origins.to_vec()),
        );
        std::fs::write(&config, toml).expect("write server.toml");
        let mut server = Group::spawn_with(
            "linedesk-server",
            Command::new(&binary)
                .args(["serve", "--config"])
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(Stdio::piped()),
        );
        let stdout = server.child.stdout.take().expect("the piped stdout");
        let mut lines = stdout_lines(stdout, "server");
        let address = line_starting(&mut lines, "listening on", "linedesk-server").await;
        LineServerProcess {
            address,
            data,
            _server: server,
            _lines: lines,
            _dir: dir,
        }
    }
}

/// A PulseAudio daemon of the test's own (a private runtime dir, anonymous clients) as the
/// app's sound card: the app plays into the null sink `speaker` and captures the monitor of
/// the null sink `mouth`, which [`PulseAudio::say`] plays a WAV into at the sound clock's pace.
/// ALSA's pulse plugin takes cpal's `default` device there ([`PulseAudio::client_env`]).
pub struct PulseAudio {
    server: String,
    alsa_config: PathBuf,
    // Field order is drop order: the daemon stops before its directory goes.
    _daemon: Group,
    _dir: tempfile::TempDir,
}

impl PulseAudio {
    pub fn start() -> PulseAudio {
        require_tool("pulseaudio");
        require_tool("pactl");
        require_tool("paplay");
        let dir = tempfile::tempdir().expect("PulseAudio's dir");
        let runtime = dir.path().join("runtime");
        let home = dir.path().join("home");
        std::fs::create_dir_all(runtime.join("pulse")).expect("runtime dir");
        std::fs::create_dir_all(home.join(".config")).expect("home dir");
        let socket = runtime.join("pulse").join("native");
        let log = std::fs::File::create(dir.path().join("pulseaudio.log")).expect("log");
        let daemon = Group::spawn(
            "pulseaudio",
            Command::new("pulseaudio")
                .args(["--daemonize=no", "--exit-idle-time=-1", "-n"])
                .arg(format!(
                    "--load=module-native-protocol-unix auth-anonymous=1 socket={}",
                    socket.display()
                ))
                .args([
                    "--load=module-null-sink sink_name=speaker rate=48000 channels=1",
                    "--load=module-null-sink sink_name=mouth rate=48000 channels=1",
                    "--log-target=stderr",
                ])
                .env("XDG_RUNTIME_DIR", &runtime)
                .env("PULSE_RUNTIME_PATH", runtime.join("pulse"))
                .env("HOME", &home)
                .env("XDG_CONFIG_HOME", home.join(".config"))
                .stdout(Stdio::null())
                .stderr(log),
        );
        let alsa_config = dir.path().join("asound.conf");
        std::fs::write(
            &alsa_config,
            "</usr/share/alsa/alsa.conf>\npcm.!default { type pulse }\nctl.!default { type pulse }\n",
        )
        .expect("the ALSA config");
        let pulse = PulseAudio {
            server: format!("unix:{}", socket.display()),
            alsa_config,
            _daemon: daemon,
            _dir: dir,
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !pulse.pactl(&["info"]) {
            assert!(
                std::time::Instant::now() < deadline,
                "PulseAudio did not answer `pactl info` within 10 s (its log is in {})",
                pulse._dir.path().join("pulseaudio.log").display()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(
            pulse.pactl(&["set-default-sink", "speaker"]),
            "default sink"
        );
        assert!(
            pulse.pactl(&["set-default-source", "mouth.monitor"]),
            "default source"
        );
        pulse
    }

    fn pactl(&self, args: &[&str]) -> bool {
        Command::new("pactl")
            .args(args)
            .env("PULSE_SERVER", &self.server)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// The environment a client (the app) needs to use this daemon through ALSA.
    pub fn client_env(&self) -> Vec<(String, std::ffi::OsString)> {
        vec![
            ("PULSE_SERVER".into(), self.server.clone().into()),
            (
                "ALSA_CONFIG_PATH".into(),
                self.alsa_config.clone().into_os_string(),
            ),
        ]
    }

    /// Start playing `wav` into the app's microphone; returns when `paplay` was started
    /// (Unix ms) and the player, which ends by itself.
    pub fn say(&self, wav: &Path) -> (f64, std::process::Child) {
        let at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs_f64()
            * 1000.0;
        let player = Command::new("paplay")
            .args(["--device=mouth", "--latency-msec=40"])
            .arg(wav)
            .env("PULSE_SERVER", &self.server)
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("paplay did not run: {e}"));
        (at, player)
    }
}
