//! End-to-end harness: the real Linedesk binary in a real X server, driven over W3C WebDriver.
//!
//! One [`Desktop`] per test: a private Xvfb display and `tauri-driver` (which starts Debian's
//! `WebKitWebDriver`, which launches the app) inside a private D-Bus session. Every process is
//! put in its own process group and killed when the `Desktop` drops, so a failed test leaves
//! nothing behind. The tests need `Xvfb`, `dbus-run-session`, `tauri-driver` and
//! `WebKitWebDriver`; `./dev.sh test` installs them. A missing one fails the test: it is never
//! skipped silently.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

/// How long one UI expectation may take before the test fails.
pub const UI_TIMEOUT: Duration = Duration::from_secs(20);

pub mod browser_call;
pub mod guest_browser;

/// A child process (and its descendants) killed with its whole process group on drop.
struct Group {
    child: Child,
    name: &'static str,
}

impl Group {
    fn spawn(name: &'static str, command: &mut Command) -> Group {
        Group::spawn_with(name, command.stdin(Stdio::null()))
    }

    /// [`Group::spawn`] keeping the stdio `command` was given (pipes for a driven child).
    fn spawn_with(name: &'static str, command: &mut Command) -> Group {
        use std::os::unix::process::CommandExt;
        let child = command.process_group(0).spawn().unwrap_or_else(|err| {
            panic!("cannot start {name}: {err} (run ./dev.sh test to install it)")
        });
        Group { child, name }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        let pgid = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-TERM", "--", &pgid])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("{} did not stop on SIGTERM; killing it", self.name);
        let _ = Command::new("kill")
            .args(["-KILL", "--", &pgid])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.wait();
    }
}

fn require_tool(tool: &str) {
    let found = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "`{tool}` is not on PATH: run ./dev.sh test (it installs the e2e tools)"
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port on 127.0.0.1")
}

fn wait_until(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !ready() {
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The built app binary: `LINEDESK_APP_BIN`, else `linedesk` beside this test's target dir.
pub fn app_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("LINEDESK_APP_BIN") {
        return PathBuf::from(bin);
    }
    workspace_binary("linedesk")
}

/// The binary `name` of the workspace beside this test's target dir (it must be built).
pub fn workspace_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current test executable");
    // target/<profile>/deps/<test> -> target/<profile>/<name>
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|dir| dir.join(name))
        .expect("test executable has no target dir");
    assert!(
        bin.is_file(),
        "{} does not exist: build it first (`./dev.sh test` does, or `cargo build -p ...`)",
        bin.display()
    );
    bin
}

/// Where tests put screenshots: `LINEDESK_ARTIFACTS`, else `artifacts/` in the workspace.
pub fn artifacts_dir() -> PathBuf {
    let dir = std::env::var_os("LINEDESK_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("artifacts")
                .join("e2e")
        });
    std::fs::create_dir_all(&dir).expect("create the artifacts dir");
    dir
}

/// A private X display with tauri-driver listening on a free port.
pub struct Desktop {
    // Field order is drop order: the driver (and the app under it) goes before the display.
    driver: Group,
    _display: Group,
    display: String,
    port: u16,
}

impl Desktop {
    pub fn start() -> Desktop {
        Desktop::start_with_env(&[])
    }

    /// [`Desktop::start`] with more environment for the app (it inherits tauri-driver's):
    /// a PulseAudio server as its sound card, say.
    pub fn start_with_env(env: &[(String, std::ffi::OsString)]) -> Desktop {
        for tool in [
            "Xvfb",
            "dbus-run-session",
            "tauri-driver",
            "WebKitWebDriver",
        ] {
            require_tool(tool);
        }
        let display_number = (90..400)
            .find(|n| {
                !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                    && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .expect("no free X display number");
        let display = format!(":{display_number}");
        let xvfb = Group::spawn(
            "Xvfb",
            Command::new("Xvfb")
                .args([&display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        );
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{display_number}"));
        wait_until("Xvfb to open its socket", Duration::from_secs(10), || {
            socket.exists()
        });

        let port = free_port();
        let native_port = free_port();
        let driver = Group::spawn(
            "tauri-driver",
            Command::new("dbus-run-session")
                .args(["--", "tauri-driver", "--port", &port.to_string()])
                .args(["--native-port", &native_port.to_string()])
                .env("DISPLAY", &display)
                .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
                .env("NO_AT_BRIDGE", "1")
                .envs(env.iter().map(|(k, v)| (k, v)))
                .stdout(Stdio::null()),
        );
        wait_until("tauri-driver to listen", Duration::from_secs(20), || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        Desktop {
            driver,
            _display: xvfb,
            display,
            port,
        }
    }

    /// Launch the app on `data_dir` and wait for its main window (or its fatal-error screen).
    pub async fn launch(&self, data_dir: &Path) -> App {
        self.launch_with_args(data_dir, &[]).await
    }

    /// [`Desktop::launch`] with more arguments for the app (`--server`, `--login`).
    pub async fn launch_with_args(&self, data_dir: &Path, extra: &[&str]) -> App {
        let mut args = vec!["--data-dir".to_string(), data_dir.display().to_string()];
        args.extend(extra.iter().map(|a| a.to_string()));
        self.launch_binary(&app_binary(), &args, &["main-window", "fatal-error"])
            .await
    }

    /// Launch another Tauri binary of the workspace (the assistant's window) with `args` and
    /// wait until one of the elements with the `ready` test ids shows.
    pub async fn launch_binary(&self, binary: &Path, args: &[String], ready: &[&str]) -> App {
        let _ = &self.driver;
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({
                "application": binary.display().to_string(),
                "args": args,
            }),
        );
        // tauri-driver listens before WebKitWebDriver does: retry the first session briefly.
        let deadline = Instant::now() + Duration::from_secs(15);
        let client = loop {
            let attempt = ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{}", self.port))
                .await;
            match attempt {
                Ok(client) => break client,
                Err(err) if Instant::now() < deadline => {
                    eprintln!("e2e: WebDriver session not ready yet ({err}); retrying");
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
                Err(err) => panic!("no WebDriver session with {}: {err}", binary.display()),
            }
        };
        let app = App {
            client,
            display: self.display.clone(),
        };
        app.wait_any(ready).await;
        app
    }
}

/// One running app, seen through WebDriver.
pub struct App {
    pub client: Client,
    display: String,
}

pub fn by_testid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

impl App {
    pub async fn wait(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(UI_TIMEOUT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|err| panic!("`{css}` did not appear: {err}"))
    }

    pub async fn testid(&self, id: &str) -> Element {
        self.wait(&by_testid(id)).await
    }

    /// Click `id`, again while something still covers it (a list that moves, a closing
    /// menu); a screenshot `failed-click-<id>` when it never takes.
    pub async fn click(&self, id: &str) {
        let deadline = std::time::Instant::now() + UI_TIMEOUT;
        loop {
            match self.testid(id).await.click().await {
                Ok(_) => return,
                Err(e) if std::time::Instant::now() < deadline => {
                    eprintln!("e2e: click {id}: {e:?}; again");
                    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                }
                Err(e) => {
                    self.screenshot(&format!("failed-click-{id}")).await;
                    panic!("click {id}: {e:?}");
                }
            }
        }
    }

    /// Switch the interface to English in Profile → Settings: again if a loaded machine lost
    /// the choice (the dialog still opening, the select's change not yet taken), with a
    /// screenshot of each miss. English is known by the appeals view's tab.
    pub async fn to_english(&self) {
        for attempt in 1..=3 {
            if self
                .client
                .find(Locator::Css(&by_testid("profile-save")))
                .await
                .is_err()
            {
                self.click("profile-button").await;
            }
            self.testid("language-select")
                .await
                .select_by_value("en")
                .await
                .expect("English");
            self.click("profile-save").await;
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while std::time::Instant::now() < deadline {
                let english = match self
                    .client
                    .find(Locator::Css(&by_testid("view-appeals")))
                    .await
                {
                    Ok(view) => view.text().await.unwrap_or_default().contains("My appeals"),
                    Err(_) => false,
                };
                if english {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            self.screenshot(&format!("english-miss-{attempt}")).await;
        }
        panic!("the interface did not switch to English");
    }

    /// Replace the text of the field `id` with `text`.
    pub async fn retype(&self, id: &str, text: &str) {
        let field = self.testid(id).await;
        field.clear().await.expect("clear");
        field
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {id}: {e}"));
    }

    /// The attribute `name` of `id` once it is there (empty when it has none).
    pub async fn attr(&self, id: &str, name: &str) -> String {
        self.testid(id)
            .await
            .attr(name)
            .await
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// The attribute `name` of the first element matching `css` now, if both are there.
    pub async fn attr_of(&self, css: &str, name: &str) -> Option<String> {
        let element = self.client.find(Locator::Css(css)).await.ok()?;
        element.attr(name).await.ok().flatten()
    }

    async fn wait_any(&self, ids: &[&str]) {
        let css = ids
            .iter()
            .map(|id| by_testid(id))
            .collect::<Vec<_>>()
            .join(", ");
        self.wait(&css).await;
    }

    /// Wait until `check` holds for the text of the elements matching `css`.
    pub async fn wait_texts(
        &self,
        css: &str,
        what: &str,
        check: impl Fn(&[String]) -> bool,
    ) -> Vec<String> {
        let deadline = Instant::now() + UI_TIMEOUT;
        loop {
            let mut texts = Vec::new();
            if let Ok(elements) = self.client.find_all(Locator::Css(css)).await {
                for element in elements {
                    texts.push(element.text().await.unwrap_or_default());
                }
            }
            if check(&texts) {
                return texts;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; `{css}` shows {texts:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A PNG of the whole X screen, as a person would see it, saved under [`artifacts_dir`].
    /// Taken from the X server (ImageMagick's `import`): WebDriver's own screenshot call hangs
    /// through fantoccini here although the same request answers at once from curl.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let path = artifacts_dir().join(format!("{name}.png"));
        // On a thread of its own: `import` takes seconds on a loaded machine, and a runtime
        // worker blocked that long stalls the calls its tests run meanwhile (the engines of a
        // simulated client or colleague miss their 20 ms ticks, and what they hear is gaps).
        let (display, file) = (self.display.clone(), path.clone());
        let status = tokio::task::spawn_blocking(move || {
            Command::new("import")
                .args(["-display", &display, "-window", "root"])
                .arg(&file)
                .status()
        })
        .await
        .expect("the screenshot's thread")
        .expect("run import");
        assert!(
            status.success(),
            "import could not take a screenshot of {}",
            self.display
        );
        path
    }

    /// Open the chat of client `id` from the clients list (rows may still move under the
    /// pointer while the server's events arrive: click again until the chat is theirs).
    pub async fn open_client(&self, id: u64) {
        let row = format!("{}[data-client-id=\"{id}\"]", by_testid("client-row"));
        let chat = format!("{}[data-client-id=\"{id}\"]", by_testid("chat"));
        let deadline = Instant::now() + UI_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(element) = self.client.find(Locator::Css(&row)).await {
                let _ = element.click().await;
                let opened = Instant::now() + Duration::from_secs(3);
                while Instant::now() < opened {
                    if self.client.find(Locator::Css(&chat)).await.is_ok() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            } else {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        panic!("client {id}'s chat did not open");
    }

    /// Open the chat of the client named `name` (a row of the clients list holding it; the
    /// list may still move under the pointer while the server's events arrive: click again
    /// until the chat's title is theirs).
    pub async fn open_client_named(&self, name: &str) {
        let deadline = Instant::now() + UI_TIMEOUT;
        while Instant::now() < deadline {
            let rows = self
                .client
                .find_all(Locator::Css(&by_testid("client-row")))
                .await
                .unwrap_or_default();
            for row in rows {
                if row.text().await.unwrap_or_default().contains(name) {
                    let _ = row.click().await;
                    break;
                }
            }
            let opened = Instant::now() + Duration::from_secs(3);
            while Instant::now() < opened {
                if let Ok(title) = self
                    .client
                    .find(Locator::Css(&by_testid("chat-title")))
                    .await
                    && title.text().await.unwrap_or_default().contains(name)
                {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        panic!("{name}'s chat did not open within {UI_TIMEOUT:?}");
    }

    /// Wait until the header's connection state is `want` (`in_sync`, `offline`, ...).
    pub async fn sync_state(&self, want: &str) {
        self.wait_attr(&by_testid("sync-status"), "data-state", want, |s| s == want)
            .await;
    }

    /// Type `text` into the open chat and send it; wait until it shows last.
    pub async fn send_message(&self, text: &str) {
        let input = self.testid("chat-input").await;
        input.send_keys(text).await.expect("type the message");
        self.testid("chat-send").await.click().await.expect("send");
        self.wait_texts(&by_testid("message-text"), "the sent message", |texts| {
            texts.last().is_some_and(|last| last == text)
        })
        .await;
    }

    /// The `data-*` attribute `name` of the first element matching `css`, polled until
    /// `check` holds.
    pub async fn wait_attr(&self, css: &str, name: &str, what: &str, check: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + UI_TIMEOUT;
        loop {
            let value = self.attr_of(css, name).await;
            if value.as_deref().is_some_and(&check) {
                return;
            }
            if Instant::now() >= deadline {
                let banner = self.error_banner().await;
                panic!(
                    "timed out waiting for {what}: `{css}` has {name}={value:?}; the error \
                     banner says {banner:?}"
                );
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// What the app's error banner says, if it shows one (for a failing wait's message).
    pub async fn error_banner(&self) -> Option<String> {
        let banner = self
            .client
            .find(Locator::Css(&by_testid("error-banner")))
            .await
            .ok()?;
        banner.text().await.ok()
    }

    /// End the WebDriver session: WebKitWebDriver closes the app.
    pub async fn quit(self) {
        self.client
            .close()
            .await
            .expect("close the WebDriver session");
    }
}

/// Kill (SIGKILL, as a crash would) every app process this test launched on `data_dir`:
/// found by id in `/proc` (the `linedesk` binary whose arguments name that data dir, which is
/// the test's own temporary directory), never by a broad name. The number killed.
pub fn kill_app(data_dir: &Path) -> usize {
    let want = data_dir.display().to_string();
    let binary = std::fs::canonicalize(app_binary()).unwrap_or_else(|_| app_binary());
    let mut killed = 0;
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let exe = std::fs::read_link(entry.path().join("exe")).ok();
        if exe.as_deref() != Some(binary.as_path()) {
            continue;
        }
        let args = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let mut args = args.split(|&b| b == 0).map(String::from_utf8_lossy);
        let ours = args.any(|a| a == "--data-dir") && args.next().is_some_and(|d| d == want);
        if ours
            && Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status()
                .is_ok_and(|s| s.success())
        {
            killed += 1;
        }
    }
    killed
}

/// The address the app's embedded server chose, written to its data dir at start.
pub async fn server_address(data: &Path) -> String {
    let file = data.join("server").join("address");
    let deadline = Instant::now() + UI_TIMEOUT;
    loop {
        if let Ok(address) = std::fs::read_to_string(&file) {
            return address.trim().to_string();
        }
        assert!(Instant::now() < deadline, "no {}", file.display());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
