//! The app's sync client.
//!
//! Every action the specialist takes is first written to the local store's outbox (see
//! `linedesk-store`); this client sends the outbox to the line server in order, one action at a
//! time, each with its idempotency key, and marks it sent only on the server's acknowledgement.
//! A dropped connection is retried with exponential backoff; whatever was in flight is sent
//! again and the server, seeing the same key, does not apply it twice. So every action arrives
//! exactly once, in the order it was made, whatever the network does.
//!
//! [`SyncHandle::status`] tells the UI honestly where things stand ([`SyncStatus`]).
//!
//! The server is `https://host:port` (TLS: the login over HTTPS, the session over WSS) or
//! `http://host:port`; see [`Endpoint`] for how its certificate is trusted. Several servers
//! of the same lines (issue 17: servers on one PostgreSQL database) are given separated by
//! commas ([`addresses`]): when a session with one ends, the next one is tried at once, and
//! only after the whole list failed does the sync wait (backoff). The token, the outbox and
//! the lines' cursors are the same on every server, so nothing acknowledged is lost or sent
//! twice (the idempotency keys) and the lines resume from their cursors.

mod backoff;
mod chat_presence;
mod connection;
mod endpoint;
mod events;
mod files;
mod live;
mod profile;
mod reference;
pub use reference::refresh as refresh_reference;
mod replica;
mod staff_help;
mod token;
mod unreadable;
mod workstation_actions;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use linedesk_protocol::{Action, ChatRef, SignalPayload};
use linedesk_store::Store;
use serde::Serialize;
use tokio::sync::{Notify, broadcast, mpsc, oneshot, watch};

pub use backoff::Backoff;
pub use chat_presence::{Focus, Watchers};
pub use connection::SyncError;
pub use files::{ApiError, FileTo, download_file, save_kb_draft, upload_file, upload_pending};
pub use linedesk_endpoint::{Bare, Endpoint, EndpointError, addresses};
pub use live::{Incoming, LiveError, LiveRequest, Refusal};
pub use staff_help::{HelpHandle, spawn_staff_help};
pub use unreadable::{Unreadable, UnreadableFrame};

#[derive(Debug, Clone, Default)]
pub struct SyncConfig {
    /// The line server: `https://host:port`, `http://host:port` or `host:port` (plain http).
    pub server: String,
    pub login: String,
    pub password: String,
    /// A PEM file of CA certificates trusted besides the platform's (a company's own CA, or a
    /// server's self-signed certificate). Used only for `https://`.
    pub ca_file: Option<PathBuf>,
}

/// Where the sync stands, for the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum SyncStatus {
    Connecting,
    /// Not connected; the next attempt is in `retry_in_ms`.
    Offline {
        retry_in_ms: u64,
        reason: String,
    },
    /// Connected and sending: `pending` actions left.
    Sending {
        pending: i64,
    },
    /// Connected and nothing left to send.
    InSync,
    /// The server refused the login: retrying will not help until the password changes.
    LoginRefused,
    /// No password yet: the specialist signs in ([`SyncHandle::sign_in`]); until then the app
    /// works on its local store and queues what the specialist does.
    SignInNeeded,
}

/// Who the sync signs in as; the password is kept in memory only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    pub login: String,
    pub password: String,
}

pub struct SyncHandle {
    status: watch::Receiver<SyncStatus>,
    token: watch::Receiver<Option<String>>,
    changes: watch::Receiver<u64>,
    nudge: Arc<Notify>,
    live: mpsc::Sender<LiveRequest>,
    incoming: broadcast::Sender<Incoming>,
    credentials: watch::Sender<Credentials>,
    unreadable: watch::Receiver<Unreadable>,
    refused: watch::Receiver<Option<Refusal>>,
    chat: Arc<chat_presence::ChatPresence>,
    server: watch::Receiver<String>,
    task: tokio::task::JoinHandle<()>,
}

impl SyncHandle {
    pub fn status(&self) -> watch::Receiver<SyncStatus> {
        self.status.clone()
    }

    /// The session's current token (for HTTP uploads such as call recordings), once signed in.
    pub fn token(&self) -> Option<String> {
        self.token.borrow().clone()
    }

    /// The address of the server the sync is with (or trying) now: the first of several
    /// ([`addresses`]) until a failover moved on. The app's own HTTP calls (files, recordings,
    /// ICE) go there, where the session's token is known.
    pub fn server(&self) -> String {
        self.server.borrow().clone()
    }

    /// Frames of the server this app could not read and skipped (see the `unreadable`
    /// module: the session goes on, a line's cursor moves past such an event).
    pub fn unreadable(&self) -> watch::Receiver<Unreadable> {
        self.unreadable.clone()
    }

    /// The latest outbox action the server refused for good, with its code, rule and field
    /// (since this app started; the store keeps every refusal's message).
    pub fn refused(&self) -> watch::Receiver<Option<Refusal>> {
        self.refused.clone()
    }

    /// Bumped each time events from the server changed the local store: the UI reloads.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.changes.clone()
    }

    /// A new action is in the outbox: send it now rather than at the next idle check.
    pub fn nudge(&self) {
        self.nudge.notify_one();
    }

    /// Do `action` now, not through the outbox (placing or answering a call): an error when
    /// offline or refused, never a queued retry. Returns the idempotency key it was sent with.
    pub async fn submit_now(&self, action: Action) -> Result<String, LiveError> {
        let (reply, answer) = oneshot::channel();
        self.live
            .send(LiveRequest::Submit { action, reply })
            .await
            .map_err(|_| LiveError::Offline)?;
        answer.await.map_err(|_| LiveError::Dropped)?
    }

    /// Relay a call signal to the other party (dropped when offline: WebRTC retries itself).
    pub async fn signal(&self, call: u64, payload: SignalPayload) -> Result<(), LiveError> {
        self.live
            .send(LiveRequest::Signal { call, payload })
            .await
            .map_err(|_| LiveError::Offline)
    }

    /// Relay a remote session's signal to its other party (V2; dropped when offline). The
    /// session itself is asked, answered and ended with [`SyncHandle::submit_now`]
    /// (`RequestRemoteSession`, `AnswerRemoteSession`, `EndRemoteSession`); a refusal comes
    /// back typed ([`LiveError::Refused`] with `WrongPassword`, `NoPassword`, `RateLimited`...).
    pub async fn remote_signal(
        &self,
        session: u64,
        payload: SignalPayload,
    ) -> Result<(), LiveError> {
        self.live
            .send(LiveRequest::RemoteSignal { session, payload })
            .await
            .map_err(|_| LiveError::Offline)
    }

    /// C9: the app has `chat` open now (`None`: no chat), its specialist typing in it or not.
    /// Told to the server when connected and again after each reconnect; never stored.
    pub fn focus_chat(&self, chat: Option<ChatRef>, typing: bool) {
        self.chat.set_focus(chat, typing);
    }

    /// C9: who has the open chat open too (this specialist included), as the server last
    /// said; `None` when no chat is open or the server has not said (offline).
    pub fn chat_watchers(&self) -> Option<Watchers> {
        self.chat.watchers()
    }

    /// Signals, live call and remote session events and keyless refusals, as they arrive.
    pub fn incoming(&self) -> broadcast::Receiver<Incoming> {
        self.incoming.subscribe()
    }

    /// Sign in as `login` from now on (the first sign-in, or after the server refused the
    /// password): the next connection attempt starts at once.
    pub fn sign_in(&self, login: &str, password: &str) {
        self.credentials.send_replace(Credentials {
            login: login.trim().to_string(),
            password: password.to_string(),
        });
        self.nudge();
    }

    /// The login the sync signs in with (empty before the first sign-in of a remote server).
    pub fn login(&self) -> String {
        self.credentials.borrow().login.clone()
    }

    pub fn stop(self) {
        self.task.abort();
    }
}

/// How long a connected, idle client waits before checking the outbox and pinging anyway.
pub const IDLE_CHECK: Duration = Duration::from_secs(15);

/// Keepalive: a connection from which nothing arrives for this long (the sync pings every
/// third of it) is dropped and retried, so the status never says in sync over a dead link.
pub const KEEPALIVE: Duration = Duration::from_secs(30);

/// The session's token is renewed this long before it expires (tokens live 12 hours).
pub const RENEW_BEFORE: Duration = Duration::from_secs(60 * 60);

/// The sync's clocks; tests shorten them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Silence after which a connection is dead ([`KEEPALIVE`]).
    pub keepalive: Duration,
    /// How long before its expiry the token is renewed ([`RENEW_BEFORE`]).
    pub renew_before: Duration,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            keepalive: KEEPALIVE,
            renew_before: RENEW_BEFORE,
        }
    }
}

/// The channels a session reports on, owned by the sync task.
pub(crate) struct Wires {
    pub status: watch::Sender<SyncStatus>,
    pub token: watch::Sender<Option<String>>,
    pub changes: watch::Sender<u64>,
    pub nudge: Arc<Notify>,
    pub incoming: broadcast::Sender<Incoming>,
    pub unreadable: watch::Sender<Unreadable>,
    /// The keepalive and the token's renewal ([`Timing::default`] unless a test says).
    pub timing: Timing,
    pub refused: watch::Sender<Option<Refusal>>,
    /// C9: the open chat to announce and the watchers heard.
    pub chat: Arc<chat_presence::ChatPresence>,
    /// The address of the server of the current session ([`SyncHandle::server`]).
    pub server: watch::Sender<String>,
}

/// Start syncing `store` with the server in the background (on the current tokio runtime).
pub fn spawn(store: Arc<Mutex<Store>>, config: SyncConfig) -> SyncHandle {
    spawn_with(store, config, Timing::default())
}

/// [`spawn`] with other clocks (tests of a dead link or of the token's renewal).
pub fn spawn_with(store: Arc<Mutex<Store>>, config: SyncConfig, timing: Timing) -> SyncHandle {
    let (status_tx, status) = watch::channel(SyncStatus::Connecting);
    let (changes_tx, changes) = watch::channel(0);
    let (token_tx, token) = watch::channel(None);
    let (live, live_rx) = mpsc::channel(64);
    let incoming = broadcast::channel(256).0;
    let nudge = Arc::new(Notify::new());
    let (unreadable_tx, unreadable) = watch::channel(Unreadable::default());
    let (refused_tx, refused) = watch::channel(None);
    let first = addresses(&config.server).first().map(|a| a.to_string());
    let (server_tx, server) = watch::channel(first.unwrap_or_default());
    let (credentials, credentials_rx) = watch::channel(Credentials {
        login: config.login.clone(),
        password: config.password.clone(),
    });
    let wires = Wires {
        status: status_tx,
        token: token_tx,
        changes: changes_tx,
        nudge: nudge.clone(),
        incoming: incoming.clone(),
        unreadable: unreadable_tx,
        timing,
        refused: refused_tx,
        chat: Arc::new(chat_presence::ChatPresence::default()),
        server: server_tx,
    };
    let chat = wires.chat.clone();
    let task = tokio::spawn(run(store, config, credentials_rx, wires, live_rx));
    SyncHandle {
        status,
        token,
        changes,
        nudge,
        live,
        incoming,
        credentials,
        unreadable,
        refused,
        chat,
        server,
        task,
    }
}

/// Put `new` in `now` if it differs; whether it did (for a watch's `send_if_modified`).
fn replace(now: &mut String, new: String) -> bool {
    if *now == new {
        return false;
    }
    *now = new;
    true
}

/// While not connected, live requests are answered at once: calls cannot wait for a network.
fn refuse_live(request: LiveRequest) {
    if let LiveRequest::Submit { reply, .. } = request {
        let _ = reply.send(Err(LiveError::Offline));
    }
}

async fn run(
    store: Arc<Mutex<Store>>,
    mut config: SyncConfig,
    mut credentials: watch::Receiver<Credentials>,
    wires: Wires,
    mut live: mpsc::Receiver<LiveRequest>,
) {
    let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(10));
    // A token just renewed, for the next session (instead of logging in again).
    let mut renewed = None;
    // Which of the servers the next session is with, and how many sessions in a row ended
    // since one was welcomed (once every server failed so, the sync waits).
    let mut at = 0;
    let mut failed_in_a_row = 0;
    // A bad address or CA file does not mend itself: say so and look again rarely.
    let connectors = loop {
        match endpoint::connectors(&config) {
            Ok(connectors) => break connectors,
            Err(error) => {
                let _ = wires.status.send(SyncStatus::Offline {
                    retry_in_ms: 60_000,
                    reason: error.to_string(),
                });
                let deadline = tokio::time::sleep(Duration::from_secs(60));
                tokio::pin!(deadline);
                loop {
                    tokio::select! {
                        _ = &mut deadline => break,
                        Some(request) = live.recv() => refuse_live(request),
                    }
                }
            }
        }
    };
    loop {
        let current = credentials.borrow_and_update().clone();
        if current.password.is_empty() {
            let _ = wires.status.send(SyncStatus::SignInNeeded);
            loop {
                tokio::select! {
                    changed = credentials.changed() => match changed {
                        Ok(()) => break,
                        Err(_) => return,
                    },
                    Some(request) = live.recv() => refuse_live(request),
                }
            }
            continue;
        }
        config.login = current.login;
        config.password = current.password;
        let _ = wires.status.send(SyncStatus::Connecting);
        let connector = &connectors[at];
        wires
            .server
            .send_if_modified(|now| replace(now, connector.endpoint().to_string()));
        let connection::Ended { error, welcomed } =
            connection::session(&store, &config, connector, &wires, &mut live, &mut renewed).await;
        if welcomed {
            backoff.reset();
            failed_in_a_row = 0;
        }
        if matches!(error, SyncError::Renewed) {
            // The session moves onto the renewed token at once.
            continue;
        }
        failed_in_a_row += 1;
        if !matches!(error, SyncError::LoginRefused) && connectors.len() > 1 {
            // Fail over: the next server at once (it signs in again on the same database,
            // the lines resume from the store's cursors); a wait only once every server
            // failed in a row.
            at = (at + 1) % connectors.len();
            if failed_in_a_row < connectors.len() {
                continue;
            }
        }
        failed_in_a_row = 0;
        let wait = if matches!(error, SyncError::LoginRefused) {
            let _ = wires.status.send(SyncStatus::LoginRefused);
            // A changed password arrives with a new config; until then, check rarely.
            Duration::from_secs(60)
        } else {
            let wait = backoff.next_delay();
            let retry_in_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
            let _ = wires.status.send(SyncStatus::Offline {
                retry_in_ms,
                reason: error.to_string(),
            });
            wait
        };
        let deadline = tokio::time::sleep(wait);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                _ = &mut deadline => break,
                _ = wires.nudge.notified(), if !matches!(error, SyncError::LoginRefused) => break,
                Ok(()) = credentials.changed() => break,
                Some(request) = live.recv() => refuse_live(request),
            }
        }
    }
}
