//! What the assistant's end-to-end tests share: a real line server on 127.0.0.1 (SQLite in a
//! temporary dir), a fresh Xvfb with an xterm, the `linedesk-assist` binary as the client, and
//! the specialist's side through the app's sync client and a `linedesk_remote::Viewer`.
#![allow(dead_code)]

use std::io::{BufRead, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use linedesk_endpoint::test_pki::TestPki;
use linedesk_protocol::{Action, ErrorCode, Event, RemoteMode, Role};
use linedesk_remote::xvfb::VirtualDisplay;
use linedesk_remote::{SessionConfig, SessionState, Viewer, ViewerChannels};
use linedesk_server::app::{Server, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::Storage;
use linedesk_store::Store;
use linedesk_sync::{Incoming, LiveError, SyncConfig, SyncHandle, SyncStatus};

pub const WIDTH: u16 = 1280;
pub const HEIGHT: u16 = 800;
pub const CLIENT_LOGIN: &str = "ivanova";
pub const CLIENT_PASSWORD: &str = "ivanova-pass";
pub const SESSION_PASSWORD: &str = "сеанс-2026";

/// The line server with one line, its client Иванова and the specialist Анна.
pub struct World {
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// `http://127.0.0.1:PORT`, or `https://...` with TLS.
    pub url: String,
    /// The test CA that signed a TLS server's certificate.
    pub ca: Option<std::path::PathBuf>,
    pub line: u64,
    pub client: u64,
    pub storage: Arc<SqliteStorage>,
    _dir: tempfile::TempDir,
}

pub async fn world() -> World {
    start(false, linedesk_server::ice::IceConfig::default()).await
}

/// The world's server with TLS on 127.0.0.1, its certificate signed by a test CA.
pub async fn world_tls() -> World {
    start(true, linedesk_server::ice::IceConfig::default()).await
}

/// [`world`] whose server hands out `ice` (STUN/TURN) from `GET /api/ice`.
pub async fn world_with(ice: linedesk_server::ice::IceConfig) -> World {
    start(false, ice).await
}

async fn start(tls: bool, ice: linedesk_server::ice::IceConfig) -> World {
    let dir = tempfile::tempdir().expect("dir");
    let storage = Arc::new(SqliteStorage::open(&dir.path().join("server.db")).expect("storage"));
    let line = storage.add_line("Линия поддержки").expect("line");
    let client = storage.add_client(line, "Иванова").expect("client");
    storage
        .set_client_login(
            client,
            CLIENT_LOGIN,
            &hash_password(CLIENT_PASSWORD).expect("hash"),
        )
        .expect("login");
    let anna = storage
        .add_specialist("anna", &hash_password("anna-pass").expect("hash"), "Анна")
        .expect("anna");
    storage.serve_line(anna, line, 0, 5).expect("serve");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let server = Server::with_ice(
        storage.clone(),
        linedesk_server::presence::OFFLINE_GRACE,
        linedesk_server::config::HttpPolicy::default(),
        linedesk_server::session_limits::SessionLimits::default(),
        ice,
    );
    let (url, ca) = if tls {
        let pki = TestPki::new(dir.path(), "", &["127.0.0.1"]).expect("test CA");
        let config = linedesk_server::tls::server_config(&pki.cert, &pki.key).expect("tls");
        tokio::spawn(linedesk_server::tls::serve_tls(listener, server, config));
        (format!("https://{addr}"), Some(pki.ca))
    } else {
        tokio::spawn(serve(listener, server));
        (format!("http://{addr}"), None)
    };
    World {
        addr,
        url,
        ca,
        line,
        client,
        storage,
        _dir: dir,
    }
}

/// Xvfb 1280x800x24 with an xterm running `sh` in the top left, drawn and still.
pub fn display_with_xterm() -> VirtualDisplay {
    VirtualDisplay::with_xterm(WIDTH, HEIGHT).expect("Xvfb with an xterm")
}

/// `import -window root` of `display` as RGB bytes.
pub fn screenshot(display: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("shot.rgb");
    let status = Command::new("import")
        .args(["-display", display, "-window", "root", "-depth", "8"])
        .arg(format!("RGB:{}", file.display()))
        .status()
        .expect("import (imagemagick)");
    assert!(status.success(), "import failed");
    std::fs::read(&file).expect("screenshot")
}

/// The `linedesk-assist` binary, its console read line by line.
pub struct Assistant {
    child: Child,
    stdin: ChildStdin,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Assistant {
    pub fn start(world: &World, display: &str, extra: &[&str]) -> Assistant {
        let mut command = Command::new(env!("CARGO_BIN_EXE_linedesk-assist"));
        command.args([
            "--server",
            &world.url,
            "--login",
            CLIENT_LOGIN,
            "--display",
            display,
        ]);
        if let Some(ca) = &world.ca {
            command.arg("--ca").arg(ca);
        }
        let mut child = command
            .args(extra)
            .env("LINEDESK_ASSIST_ACCOUNT_PASSWORD", CLIENT_PASSWORD)
            .env("LINEDESK_ASSIST_PASSWORD", SESSION_PASSWORD)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("linedesk-assist");
        let stdin = child.stdin.take().expect("stdin");
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
        Assistant {
            child,
            stdin,
            lines,
        }
    }

    /// Wait until the assistant printed a line containing `text`; the line.
    pub async fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(line) = self
                .lines
                .lock()
                .expect("lock")
                .iter()
                .find(|l| l.contains(text))
            {
                return line.clone();
            }
            assert!(
                Instant::now() < deadline,
                "the assistant never said {text:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn said(&self, text: &str) -> bool {
        self.lines
            .lock()
            .expect("lock")
            .iter()
            .any(|l| l.contains(text))
    }

    /// Type a line on the assistant's terminal.
    pub fn type_line(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").expect("type");
        self.stdin.flush().expect("flush");
    }
}

impl Assistant {
    /// Ctrl+C: SIGINT to the process.
    pub fn interrupt(&self) {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// Whether the process exited with success within `within`.
    pub async fn exited_cleanly(&mut self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.success();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }
}

impl Drop for Assistant {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Anna's app: the sync client over a local store.
pub struct Specialist {
    pub handle: Arc<SyncHandle>,
    pub store: Arc<Mutex<Store>>,
    pub incoming: tokio::sync::broadcast::Receiver<Incoming>,
    _dir: tempfile::TempDir,
}

impl Specialist {
    pub async fn sign_in(world: &World) -> Specialist {
        let dir = tempfile::tempdir().expect("dir");
        let store = Arc::new(Mutex::new(
            Store::open(&dir.path().join("linedesk.db")).expect("store"),
        ));
        let handle = Arc::new(linedesk_sync::spawn(
            store.clone(),
            SyncConfig {
                server: world.url.clone(),
                login: "anna".into(),
                password: "anna-pass".into(),
                ca_file: world.ca.clone(),
            },
        ));
        let deadline = Instant::now() + Duration::from_secs(30);
        while *handle.status().borrow() != SyncStatus::InSync {
            assert!(Instant::now() < deadline, "the sync never got in sync");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let incoming = handle.incoming();
        Specialist {
            handle,
            store,
            incoming,
            _dir: dir,
        }
    }

    /// Ask for a session; its id, or the server's refusal code.
    pub async fn ask(
        &mut self,
        world: &World,
        mode: RemoteMode,
        password: Option<&str>,
    ) -> Result<u64, ErrorCode> {
        let key = match self
            .handle
            .submit_now(Action::RequestRemoteSession {
                line: world.line,
                client: world.client,
                mode,
                password: password.map(str::to_string),
            })
            .await
        {
            Ok(key) => key,
            Err(LiveError::Refused { code, .. }) => return Err(code),
            Err(other) => panic!("{other:?}"),
        };
        Ok(self
            .next(|i| match i {
                Incoming::Event {
                    event:
                        Event::RemoteRequested {
                            session,
                            key: Some(k),
                            ..
                        },
                    ..
                } if *k == key => Some(*session),
                _ => None,
            })
            .await)
    }

    /// The next incoming item `pick` accepts (others are skipped).
    pub async fn next<T>(&mut self, mut pick: impl FnMut(&Incoming) -> Option<T>) -> T {
        loop {
            let item = tokio::time::timeout(Duration::from_secs(30), self.incoming.recv())
                .await
                .expect("in time")
                .expect("channel");
            if let Some(found) = pick(&item) {
                return found;
            }
        }
    }

    /// The `RemoteEnded` of `session`: (by, reason code, duration).
    pub async fn ended(&mut self, session: u64) -> (Role, String, Option<u64>) {
        self.next(|i| match i {
            Incoming::Event {
                event:
                    Event::RemoteEnded {
                        session: s,
                        by,
                        reason,
                        duration_ms,
                        ..
                    },
                ..
            } if *s == session => Some((*by, format!("{reason:?}"), *duration_ms)),
            _ => None,
        })
        .await
    }

    /// Open a viewer for `session` and pump its signals through the sync client both ways.
    pub async fn view(&self, session: u64) -> (Arc<Viewer>, ViewerChannels) {
        self.view_with(session, SessionConfig::loopback()).await
    }

    /// [`Specialist::view`] with the viewer's own network settings (ICE servers, relay-only).
    pub async fn view_with(
        &self,
        session: u64,
        config: SessionConfig,
    ) -> (Arc<Viewer>, ViewerChannels) {
        let (viewer, mut channels) = Viewer::offer(config).await.expect("offer");
        let viewer = Arc::new(viewer);
        let mut outgoing = std::mem::replace(
            &mut channels.signals,
            tokio::sync::mpsc::unbounded_channel().1,
        );
        let handle = self.handle.clone();
        tokio::spawn(async move {
            while let Some(payload) = outgoing.recv().await {
                let _ = handle.remote_signal(session, payload).await;
            }
        });
        let mut incoming = self.handle.incoming();
        let feed = viewer.clone();
        tokio::spawn(async move {
            while let Ok(item) = incoming.recv().await {
                if let Incoming::RemoteSignal {
                    session: s,
                    payload,
                    ..
                } = item
                    && s == session
                {
                    let _ = feed.signal(payload).await;
                }
            }
        });
        (viewer, channels)
    }
}

/// Wait until the viewer is connected.
pub async fn connected(viewer: &Viewer) {
    let mut states = viewer.watch();
    tokio::time::timeout(
        Duration::from_secs(30),
        states.wait_for(|s| *s == SessionState::Connected),
    )
    .await
    .expect("connected in time")
    .expect("state");
}

/// Wait until the viewer's canvas (RGBA) shows exactly `rgb`; panics after `within`.
pub async fn wait_canvas_equals(viewer: &Viewer, rgb: &[u8], within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let same = viewer.with_canvas(|c| {
            c.width() == WIDTH
                && c.height() == HEIGHT
                && c.pixels().len() / 4 == rgb.len() / 3
                && c.pixels()
                    .chunks_exact(4)
                    .zip(rgb.chunks_exact(3))
                    .all(|(a, b)| a[..3] == *b)
        });
        if same {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the viewer's canvas does not match the screenshot"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
