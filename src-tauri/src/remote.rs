//! Remote sessions (V2) on the specialist's side: ask for one (by request or by password),
//! wait for the client's answer, open the WebRTC viewer when the line server says it started,
//! relay its signals through the sync client, and give the page the client's screen (changed
//! tiles, [`crate::remote_frames`]) and take its input. One session at a time.
//!
//! The session's *state* comes from the line's log (`RemoteRequested`, `RemoteStarted`,
//! `RemoteEnded`); the viewer only carries pixels and input once the server has started it,
//! so nothing of the client's screen can arrive before the client accepted.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use linedesk_protocol::{Action, ErrorCode as WireCode, Event, RemoteEndReason, RemoteMode};
use linedesk_remote::{InputEvent, SessionConfig, SessionState, Viewer};
use linedesk_sync::{Incoming, LiveError, SyncHandle};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::error::{CommandError, ErrorCode};
use crate::remote_frames::RemoteFrame;
use crate::state::lock;
use linedesk_remote::page::PageCopy;

/// How long the server may take to register a request.
const REQUEST_WAIT: Duration = Duration::from_secs(15);

/// How long a dropped viewer connection waits for the server's word on why before it ends
/// the session as failed.
const END_GRACE: Duration = Duration::from_secs(3);

/// A request by request the client has not answered in this time is withdrawn: the server
/// keeps one live session per client, so a forgotten request would block colleagues.
const ANSWER_WAIT: Duration = Duration::from_secs(120);

/// What the page shows of the session.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RemoteView {
    /// `idle`, `requesting`, `waiting` (for the client's answer), `connecting`, `connected`,
    /// `reconnecting` (the path broke; ICE restarting), `ended`.
    pub state: String,
    pub session: Option<u32>,
    pub line_id: Option<i64>,
    pub client_id: Option<i64>,
    /// `by_request` or `by_password`.
    pub mode: Option<String>,
    /// Why it ended: `declined`, `ended_by_client`, `ended_by_specialist`, `failed`, `refused`.
    pub reason: Option<String>,
    /// The specialist only watches: no input goes to the client.
    pub view_only: bool,
    /// The client's clipboard text, when it changed during the session.
    pub client_clipboard: Option<String>,
    /// Milliseconds since the screen started flowing.
    pub connected_ms: Option<u32>,
}

/// The page's input, as the viewer sends it (see `linedesk_remote::InputEvent`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RemoteInput {
    PointerMove { x: u16, y: u16 },
    Button { button: u8, down: bool },
    Wheel { dx: i8, dy: i8 },
    Key { keysym: u32, down: bool },
    Combo { keysyms: Vec<u32> },
    Clipboard { text: String },
}

impl From<RemoteInput> for InputEvent {
    fn from(input: RemoteInput) -> InputEvent {
        match input {
            RemoteInput::PointerMove { x, y } => InputEvent::PointerMove { x, y },
            RemoteInput::Button { button, down } => InputEvent::Button { button, down },
            RemoteInput::Wheel { dx, dy } => InputEvent::Wheel { dx, dy },
            RemoteInput::Key { keysym, down } => InputEvent::Key { keysym, down },
            RemoteInput::Combo { keysyms } => InputEvent::Combo { keysyms },
            RemoteInput::Clipboard { text } => InputEvent::Clipboard { text },
        }
    }
}

struct Active {
    session: u64,
    viewer: Option<Arc<Viewer>>,
    connected_at: Option<std::time::Instant>,
}

pub struct Remote {
    sync: Arc<SyncHandle>,
    active: tokio::sync::Mutex<Option<Active>>,
    view: Mutex<RemoteView>,
    page: Mutex<PageCopy>,
    config: SessionConfig,
    /// The CA file the sync trusts for its server (fetching the ICE servers from the one the
    /// sync is on: [`SyncHandle::server`]).
    ca_file: Option<std::path::PathBuf>,
}

fn idle() -> RemoteView {
    RemoteView {
        state: "idle".into(),
        ..RemoteView::default()
    }
}

/// The server's refusal as the UI's error.
fn refused(error: LiveError) -> CommandError {
    match error {
        LiveError::Refused {
            code,
            message,
            rule,
        } => {
            let code = match code {
                WireCode::WrongPassword => ErrorCode::WrongPassword,
                WireCode::NoPassword => ErrorCode::NoRemotePassword,
                WireCode::RateLimited => ErrorCode::RateLimited,
                WireCode::Forbidden => ErrorCode::NotFound,
                WireCode::Conflict => ErrorCode::Busy,
                WireCode::Invalid => ErrorCode::Invalid,
                _ => ErrorCode::Unavailable,
            };
            CommandError {
                code,
                message,
                field: None,
                rule,
            }
        }
        other => CommandError::unavailable(other.to_string()),
    }
}

impl Remote {
    pub fn new(sync: Arc<SyncHandle>, ca_file: Option<std::path::PathBuf>) -> Arc<Remote> {
        // Host candidates on the LAN and on loopback (the embedded server's clients here).
        let mut config = SessionConfig::default();
        config.udp_addrs.extend(SessionConfig::loopback().udp_addrs);
        let remote = Arc::new(Remote {
            sync,
            active: tokio::sync::Mutex::new(None),
            view: Mutex::new(idle()),
            page: Mutex::new(PageCopy::default()),
            config,
            ca_file,
        });
        let listener = remote.clone();
        let incoming = remote.sync.incoming();
        tauri::async_runtime::spawn(async move { listener.listen(incoming).await });
        remote
    }

    pub fn view(&self) -> RemoteView {
        let mut view = lock(&self.view).clone();
        if let Ok(active) = self.active.try_lock()
            && let Some(at) = active.as_ref().and_then(|a| a.connected_at)
        {
            view.connected_ms = u32::try_from(at.elapsed().as_millis()).ok();
        }
        view
    }

    fn set_view(&self, change: impl FnOnce(&mut RemoteView)) {
        change(&mut lock(&self.view));
    }

    /// Ask the client `client` of `line` for a session.
    pub async fn request(
        self: &Arc<Self>,
        line: u64,
        client: u64,
        mode: RemoteMode,
        password: Option<String>,
    ) -> Result<(), CommandError> {
        let mut active = self.active.lock().await;
        if active.is_some() {
            return Err(CommandError {
                code: ErrorCode::Busy,
                message: "a remote session is already open".into(),
                field: None,
                rule: None,
            });
        }
        let password = match mode {
            RemoteMode::ByPassword => match password.filter(|p| !p.is_empty()) {
                Some(p) => Some(p),
                None => {
                    return Err(CommandError::invalid(
                        "password",
                        "enter the client's session password",
                    ));
                }
            },
            RemoteMode::ByRequest => None,
        };
        *lock(&self.view) = RemoteView {
            state: "requesting".into(),
            line_id: i64::try_from(line).ok(),
            client_id: i64::try_from(client).ok(),
            mode: Some(linedesk_protocol::wire_code(mode)),
            ..RemoteView::default()
        };
        let mut events = self.sync.incoming();
        let asked = self
            .sync
            .submit_now(Action::RequestRemoteSession {
                line,
                client,
                mode,
                password,
            })
            .await;
        let key = match asked {
            Ok(key) => key,
            Err(error) => {
                *lock(&self.view) = idle();
                return Err(refused(error));
            }
        };
        let session = tokio::time::timeout(REQUEST_WAIT, async {
            loop {
                match events.recv().await {
                    Ok(Incoming::Event {
                        event:
                            Event::RemoteRequested {
                                session,
                                key: Some(k),
                                ..
                            },
                        ..
                    }) if k == key => return Some(session),
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        })
        .await
        .ok()
        .flatten();
        let Some(session) = session else {
            *lock(&self.view) = idle();
            return Err(CommandError::unavailable(
                "the line server did not register the request",
            ));
        };
        *active = Some(Active {
            session,
            viewer: None,
            connected_at: None,
        });
        self.set_view(|v| {
            v.session = u32::try_from(session).ok();
            if v.state == "requesting" {
                v.state = "waiting".into();
            }
        });
        let me = self.clone();
        tauri::async_runtime::spawn(async move {
            tokio::time::sleep(ANSWER_WAIT).await;
            let unanswered = {
                let view = lock(&me.view);
                view.state == "waiting" && view.session == u32::try_from(session).ok()
            };
            if unanswered {
                let _ = me.end().await;
                me.set_view(|v| v.reason = Some("no_answer".into()));
            }
        });
        Ok(())
    }

    /// End the session (or withdraw the request) and close the viewer.
    pub async fn end(&self) -> Result<(), CommandError> {
        let mut active = self.active.lock().await;
        let Some(a) = active.take() else {
            *lock(&self.view) = idle();
            return Ok(());
        };
        if let Some(viewer) = &a.viewer {
            viewer.close().await;
        }
        let ended = self
            .sync
            .submit_now(Action::EndRemoteSession {
                session: a.session,
                reason: None,
            })
            .await;
        self.set_view(|v| {
            v.state = "ended".into();
            v.reason.get_or_insert_with(|| "ended_by_specialist".into());
        });
        // Ended already on the server (by the client, say) is fine: it is over either way.
        match ended {
            Ok(_) | Err(LiveError::Refused { .. }) => Ok(()),
            Err(other) => Err(CommandError::unavailable(other.to_string())),
        }
    }

    /// Forget an ended session (the page closed its window).
    pub async fn dismiss(&self) {
        let active = self.active.lock().await;
        if active.is_none() {
            *lock(&self.view) = idle();
        }
    }

    pub fn set_view_only(&self, on: bool) {
        self.set_view(|v| v.view_only = on);
    }

    /// The client's screen for the page: the tiles that changed since the last call (all of
    /// them when `full`).
    pub async fn frame(&self, full: bool) -> Result<RemoteFrame, CommandError> {
        let viewer = {
            let active = self.active.lock().await;
            active.as_ref().and_then(|a| a.viewer.clone())
        };
        let Some(viewer) = viewer else {
            return Err(CommandError::not_found("no remote screen is open"));
        };
        let mut page = lock(&self.page);
        viewer
            .with_canvas(|c| {
                let version = u32::try_from(c.version() % u64::from(u32::MAX)).unwrap_or(0);
                page.diff(c.width(), c.height(), c.pixels(), full)
                    .map(|frame| RemoteFrame::new(frame, version))
            })
            .map_err(|e| CommandError::internal(e.to_string()))
    }

    /// Send the page's input to the client (refused while view-only).
    pub async fn input(&self, input: RemoteInput) -> Result<(), CommandError> {
        if lock(&self.view).view_only {
            return Err(CommandError::invalid(
                "input",
                "the session is view-only: switch it off to control the screen",
            ));
        }
        let viewer = {
            let active = self.active.lock().await;
            active.as_ref().and_then(|a| a.viewer.clone())
        };
        let Some(viewer) = viewer else {
            return Err(CommandError::not_found("no remote screen is open"));
        };
        let event = InputEvent::from(input);
        let (w, h) = viewer.with_canvas(|c| (c.width(), c.height()));
        event
            .check((w, h))
            .map_err(|e| CommandError::invalid("input", e.to_string()))?;
        viewer
            .send_input(&event)
            .await
            .map_err(|e| CommandError::unavailable(e.to_string()))
    }

    async fn listen(self: Arc<Self>, mut incoming: broadcast::Receiver<Incoming>) {
        loop {
            let item = match incoming.recv().await {
                Ok(item) => item,
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return,
            };
            match item {
                Incoming::Event {
                    event: Event::RemoteStarted { session, .. },
                    ..
                } => self.clone().started(session).await,
                Incoming::Event {
                    event:
                        Event::RemoteEnded {
                            session, reason, ..
                        },
                    ..
                } => self.ended(session, reason).await,
                Incoming::RemoteSignal {
                    session, payload, ..
                } => {
                    let viewer = {
                        let active = self.active.lock().await;
                        active
                            .as_ref()
                            .filter(|a| a.session == session)
                            .and_then(|a| a.viewer.clone())
                    };
                    if let Some(viewer) = viewer {
                        // A bad signal only fails this session's connection.
                        let _ = viewer.signal(payload).await;
                    }
                }
                _ => {}
            }
        }
    }

    /// The server started our session: open the viewer and relay its signals.
    async fn started(self: Arc<Self>, session: u64) {
        let mut active = self.active.lock().await;
        let Some(a) = active.as_mut().filter(|a| a.session == session) else {
            return;
        };
        let mut config = self.config.clone();
        let ice = crate::ice::setup(
            &self.sync.server(),
            self.ca_file.as_deref(),
            self.sync.token(),
        )
        .await;
        let viewer = match ice {
            Ok(ice) => {
                config.ice = ice;
                Viewer::offer(config).await.map_err(|e| e.to_string())
            }
            Err(why) => Err(why),
        };
        let (viewer, channels) = match viewer {
            Ok(pair) => pair,
            Err(err) => {
                eprintln!("linedesk: the remote viewer could not start: {err}");
                drop(active);
                let _ = self
                    .sync
                    .submit_now(Action::EndRemoteSession {
                        session,
                        reason: Some(RemoteEndReason::Failed),
                    })
                    .await;
                return;
            }
        };
        let viewer = Arc::new(viewer);
        a.viewer = Some(viewer.clone());
        *lock(&self.page) = PageCopy::default();
        self.set_view(|v| v.state = "connecting".into());
        let linedesk_remote::ViewerChannels {
            mut signals,
            mut clipboard,
            ..
        } = channels;
        let sync = self.sync.clone();
        tauri::async_runtime::spawn(async move {
            while let Some(payload) = signals.recv().await {
                let _ = sync.remote_signal(session, payload).await;
            }
        });
        let me = self.clone();
        tauri::async_runtime::spawn(async move {
            while let Some(text) = clipboard.recv().await {
                me.set_view(|v| v.client_clipboard = Some(text));
            }
        });
        let me = self.clone();
        let mut states = viewer.watch();
        tauri::async_runtime::spawn(async move {
            loop {
                let state = *states.borrow_and_update();
                match state {
                    SessionState::Connected => me.connected(session).await,
                    SessionState::Reconnecting => me.reconnecting(session).await,
                    SessionState::Ended(_) => {
                        me.failed(session).await;
                        return;
                    }
                    SessionState::Connecting => {}
                }
                if states.changed().await.is_err() {
                    return;
                }
            }
        });
    }

    /// The path to the client's computer broke: the viewer restarts ICE; the page keeps the
    /// last screen and takes no input until it is back.
    async fn reconnecting(&self, session: u64) {
        let active = self.active.lock().await;
        if active.as_ref().is_some_and(|a| a.session == session) {
            self.set_view(|v| v.state = "reconnecting".into());
        }
    }

    async fn connected(&self, session: u64) {
        let mut active = self.active.lock().await;
        if let Some(a) = active.as_mut().filter(|a| a.session == session) {
            a.connected_at.get_or_insert_with(std::time::Instant::now);
            self.set_view(|v| v.state = "connected".into());
        }
    }

    /// The viewer's connection failed or closed under a running session: end it as failed,
    /// unless the server says first that the other side ended it (a client who ends closes
    /// their connection and tells the server at about the same time).
    async fn failed(&self, session: u64) {
        tokio::time::sleep(END_GRACE).await;
        let still = {
            let active = self.active.lock().await;
            active.as_ref().is_some_and(|a| a.session == session)
        };
        if still {
            let _ = self
                .sync
                .submit_now(Action::EndRemoteSession {
                    session,
                    reason: Some(RemoteEndReason::Failed),
                })
                .await;
        }
    }

    async fn ended(&self, session: u64, reason: RemoteEndReason) {
        let mut active = self.active.lock().await;
        if active.as_ref().is_none_or(|a| a.session != session) {
            return;
        }
        if let Some(viewer) = active.take().and_then(|a| a.viewer) {
            viewer.close().await;
        }
        self.set_view(|v| {
            v.state = "ended".into();
            v.reason = Some(linedesk_protocol::wire_code(reason));
        });
    }
}
