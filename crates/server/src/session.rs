//! One WebSocket session: Hello first, then subscriptions (replay from a cursor, then live)
//! and idempotent actions. Every bad frame gets a typed error frame; the session goes on, and
//! nothing it does disturbs other sessions.
//!
//! Bounded by the server's [`crate::session_limits::SessionLimits`]: a Hello deadline, then
//! the token's expiry; pings and a silence timeout ([`crate::keepalive`]); every frame through
//! a [`FrameGate`]; at most so many sessions per account ([`crate::presence::Sessions`]).
//! Replays go a page at a time, taking turns with everything else the session does.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket};
use linedesk_protocol::{Action, ClientFrame, ErrorCode, PROTOCOL_VERSION, Role, ServerFrame};
use tokio::sync::broadcast::error::RecvError;

use crate::auth::token_hash;
use crate::context::{Server, now_ms};
use crate::hub::{Audience, Batch, Hub, Mailbox};
use crate::keepalive::{Due, Keepalive};
use crate::rate_limit::{FrameGate, Verdict};
use crate::storage::{Applied, RepoError, StorageError, Subject, Then};
use crate::wire_error::WireError;

/// The session's subscriptions to the hub: one mailbox the hub fills with the live events of
/// every line it follows (see [`crate::hub`]). Dropping it leaves the hub.
struct Feeds {
    hub: Hub,
    mailbox: Arc<Mailbox>,
    audience: Option<Audience>,
    /// Per followed line, the hub's epoch of the session's cursor (for a client session).
    epochs: BTreeMap<u64, u64>,
}

impl Feeds {
    fn new(hub: Hub) -> Feeds {
        Feeds {
            hub,
            mailbox: Arc::default(),
            audience: None,
            epochs: BTreeMap::new(),
        }
    }

    /// Start following `line` (once): before the replay, so nothing appended meanwhile is
    /// missed (duplicates are skipped by sequence). A specialist follows everything of the
    /// line, a client only the events about them.
    fn follow(&mut self, line: u64, subject: Subject) {
        if self.epochs.contains_key(&line) {
            // Read back from a new cursor: the epoch of now.
            self.rewind(line);
            return;
        }
        let audience = match subject.role {
            Role::Client => Audience::Client(subject.id),
            _ => Audience::Everything,
        };
        self.audience = Some(audience);
        let epoch = self.hub.subscribe(line, audience, &self.mailbox);
        self.epochs.insert(line, epoch);
    }

    /// Stop following `line`.
    fn unfollow(&mut self, line: u64) {
        if self.epochs.remove(&line).is_some()
            && let Some(audience) = self.audience
        {
            self.hub.leave(&[line], audience, &self.mailbox);
        }
    }

    /// The line is read back from storage from the cursor now: its epoch from now on.
    fn rewind(&mut self, line: u64) {
        self.epochs.insert(line, self.hub.epoch(line));
    }
}

impl Drop for Feeds {
    fn drop(&mut self) {
        if let Some(audience) = self.audience {
            let lines: Vec<u64> = self.epochs.keys().copied().collect();
            self.hub.leave(&lines, audience, &self.mailbox);
        }
    }
}

struct Session {
    server: Arc<Server>,
    socket: WebSocket,
    /// Who signed in (after a valid Hello).
    subject: Option<Subject>,
    lines: BTreeSet<u64>,
    /// Lines taken away from this specialist while the session ran.
    taken: BTreeSet<u64>,
    /// Per subscribed line, the last sequence number sent (a session follows a line or a few:
    /// looked up for every live event, no hashing).
    cursors: BTreeMap<u64, u64>,
    /// Lines with a replay from storage under way, one page per turn of the session's loop.
    replays: VecDeque<u64>,
    /// The next page of a replay, read from storage while the last one is sent.
    prefetch: Option<replay::Prefetch>,
    gate: FrameGate,
    keepalive: Keepalive,
    /// The hash of the token of the Hello: the session closes when it is revoked.
    token: Option<String>,
    feeds: Feeds,
    /// What the last wake-up took from the mailbox, emptied and kept for the next one.
    live_batch: Batch,
    /// C9: the chat this session has open, in the server's live chat presence.
    watching: chat_focus::Watching,
}

/// The session ended: the socket closed or failed.
struct Closed;

mod chat_focus;
mod ends;
mod listen;
mod live;
mod replay;
use ends::taken_away;
use listen::Listen;

pub async fn run(socket: WebSocket, server: Arc<Server>) {
    let feeds = Feeds::new(server.hub.clone());
    let server_watch_id = server.chat_watch.session_id();
    let mailbox: Arc<Mailbox> = feeds.mailbox.clone();
    let mut revoked = Listen::new(server.revoked.subscribe());
    let mut signals = Listen::new(server.hub.signals());
    let mut watchers = Listen::new(server.chat_watch.subscribe());
    // The mailbox's wake-up, kept between turns of the loop (renewed once it fired).
    let mut ready = std::pin::pin!(mailbox.ready());
    // The Hello deadline, then (after the Hello) the token's expiry.
    let mut ends = Box::pin(tokio::time::sleep(server.limits.hello_deadline));
    let mut session = Session {
        gate: FrameGate::new(&server.limits),
        keepalive: Keepalive::new(&server.limits),
        server,
        socket,
        subject: None,
        lines: BTreeSet::new(),
        taken: BTreeSet::new(),
        cursors: BTreeMap::new(),
        replays: VecDeque::new(),
        prefetch: None,
        token: None,
        feeds,
        live_batch: Batch::default(),
        watching: chat_focus::Watching::new(server_watch_id),
    };
    loop {
        let signed_in = session.subject.is_some();
        let replaying = !session.replays.is_empty();
        let step = tokio::select! {
            incoming = session.socket.recv() => match incoming {
                Some(Ok(message)) => session.on_message(message, &mut ends).await,
                _ => Err(Closed),
            },
            () = ready.as_mut() => {
                ready.set(mailbox.ready());
                session.on_live().await
            }
            // One page of a replay; incoming frames, live events and pings take turns with it.
            () = std::future::ready(()), if replaying => session.replay_page().await,
            signal = signals.recv() => match signal {
                Ok(signal) => session.on_signal(signal).await,
                // Signalling is best effort: a lagging session loses some, the call set-up
                // times out and the app places it again.
                Err(RecvError::Lagged(_)) => Ok(()),
                Err(RecvError::Closed) => Err(Closed),
            },
            update = watchers.recv() => match update {
                Ok(update) => session.on_watchers(&update).await,
                // Best effort, like signals: the chat's next change carries its whole list.
                Err(RecvError::Lagged(_)) => Ok(()),
                Err(RecvError::Closed) => Err(Closed),
            },
            revocation = revoked.recv() => match revocation {
                Ok(revocation) => session.on_revoked(Some(&revocation)).await,
                Err(RecvError::Lagged(_)) => session.on_revoked(None).await,
                Err(RecvError::Closed) => Err(Closed),
            },
            () = ends.as_mut() => session.on_deadline(signed_in).await,
            due = session.keepalive.due() => match due {
                Due::Ping => session.ping().await,
                // Nothing heard for the idle time: a half-open socket or a stuck peer.
                Due::Gone => Err(Closed),
            },
        };
        if step.is_err() {
            break;
        }
    }
    // C9: however the session ended, its open chat closes with it.
    session.server.chat_watch.leave(session.watching.id);
    if let Some(subject) = session.subject {
        crate::presence::Sessions::leave(&session.server, subject);
        crate::metrics::metrics().session_ended();
    }
}

impl Session {
    /// Send one frame; a peer that does not take it within the idle time is gone.
    async fn send_message(&mut self, message: Message) -> Result<(), Closed> {
        match tokio::time::timeout(self.server.limits.idle_timeout, self.socket.send(message)).await
        {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) | Err(_) => Err(Closed),
        }
    }

    async fn send(&mut self, frame: ServerFrame) -> Result<(), Closed> {
        self.send_message(Message::Text(frame.encode().into()))
            .await
    }

    async fn error(
        &mut self,
        code: ErrorCode,
        message: impl Into<String>,
        key: Option<String>,
    ) -> Result<(), Closed> {
        self.send(ServerFrame::error(code, message, key)).await
    }

    async fn ping(&mut self) -> Result<(), Closed> {
        self.send_message(Message::Ping(Default::default())).await
    }

    async fn on_message(
        &mut self,
        message: Message,
        ends: &mut std::pin::Pin<Box<tokio::time::Sleep>>,
    ) -> Result<(), Closed> {
        if let Message::Close(_) = message {
            return Err(Closed);
        }
        self.keepalive.heard();
        // Every frame counts, whatever its kind: binary frames and pings cost the server too.
        match self.gate.check() {
            Verdict::Allow => {}
            Verdict::Refuse => {
                // Name the refused action's key, so a client can resend exactly that one.
                let key = match &message {
                    Message::Text(text) => match ClientFrame::decode(text.as_str()) {
                        Ok(ClientFrame::Submit { key, .. }) => Some(key),
                        _ => None,
                    },
                    _ => None,
                };
                return self
                    .error(ErrorCode::RateLimited, "too many frames; slow down", key)
                    .await;
            }
            Verdict::Close => {
                return self
                    .close_with(
                        ErrorCode::RateLimited,
                        "too many frames after being told to slow down; closing",
                    )
                    .await;
            }
        }
        let text = match message {
            Message::Text(text) => text,
            Message::Close(_) => return Err(Closed),
            Message::Ping(_) | Message::Pong(_) => return Ok(()),
            Message::Binary(_) => {
                return self
                    .error(ErrorCode::BadFrame, "frames are JSON text", None)
                    .await;
            }
        };
        let frame = match ClientFrame::decode(text.as_str()) {
            Ok(frame) => frame,
            Err(err) => return self.error(err.code(), err.to_string(), None).await,
        };
        match (frame, self.subject) {
            (ClientFrame::Hello { version, token }, None) => {
                self.hello(version, &token, ends).await
            }
            (ClientFrame::Hello { .. }, Some(_)) => {
                self.error(ErrorCode::OutOfOrder, "already signed in", None)
                    .await
            }
            (ClientFrame::Ping { id }, _) => self.send(ServerFrame::Pong { id }).await,
            (_, None) => {
                self.error(
                    ErrorCode::Unauthenticated,
                    "send hello with a token first",
                    None,
                )
                .await
            }
            (ClientFrame::Subscribe { line, after }, Some(_)) => self.subscribe(line, after).await,
            (ClientFrame::Submit { key, action }, Some(subject)) => {
                if let Some(line) = crate::revocation::named_line(&action)
                    && self.taken.contains(&line)
                {
                    return self
                        .error(ErrorCode::Forbidden, taken_away(line), Some(key))
                        .await;
                }
                self.submit(subject, key, action).await
            }
            (ClientFrame::Signal { call, payload }, Some(subject)) => {
                match crate::signal::relay(&self.server, subject, call, payload).await {
                    Ok(()) => Ok(()),
                    Err((code, message)) => self.error(code, message, None).await,
                }
            }
            (ClientFrame::ChatFocus { chat, typing }, Some(subject)) => {
                self.chat_focus(subject, chat, typing).await
            }
            (ClientFrame::RemoteSignal { session, payload }, Some(subject)) => {
                match crate::signal::relay_remote(&self.server, subject, session, payload).await {
                    Ok(()) => Ok(()),
                    Err((code, message)) => self.error(code, message, None).await,
                }
            }
        }
    }

    async fn hello(
        &mut self,
        version: u16,
        token: &str,
        ends: &mut std::pin::Pin<Box<tokio::time::Sleep>>,
    ) -> Result<(), Closed> {
        if version != PROTOCOL_VERSION {
            let message = format!("this server speaks protocol {PROTOCOL_VERSION}, not {version}");
            return self
                .error(ErrorCode::UnsupportedVersion, message, None)
                .await;
        }
        let storage = self.server.storage.clone();
        let hash = token_hash(token);
        let found = tokio::task::spawn_blocking(move || {
            let owner = storage.token_owner(&hash, now_ms())?;
            owner
                .map(|owner| storage.lines_of(owner.subject).map(|lines| (owner, lines)))
                .transpose()
        })
        .await;
        match found {
            Ok(Ok(Some((owner, _)))) if owner.subject.role == Role::Admin => {
                self.error(
                    ErrorCode::Forbidden,
                    "an admin has no line session; use the admin API",
                    None,
                )
                .await
            }
            Ok(Ok(Some((owner, lines)))) => {
                let subject = owner.subject;
                if let Err(full) = crate::presence::Sessions::enter(
                    &self.server,
                    subject,
                    self.server.limits.per_account,
                ) {
                    return self
                        .error(ErrorCode::RateLimited, full.to_string(), None)
                        .await;
                }
                self.token = Some(token_hash(token));
                self.subject = Some(subject);
                crate::metrics::metrics().session_started();
                // From now on the session ends when its token expires.
                ends.as_mut()
                    .reset(crate::keepalive::instant_of(owner.expires_ms, now_ms()));
                self.lines = lines.iter().copied().collect();
                self.send(ServerFrame::Welcome {
                    version: PROTOCOL_VERSION,
                    role: subject.role,
                    id: subject.id,
                    lines,
                })
                .await
            }
            Ok(Ok(None)) => {
                self.error(
                    ErrorCode::Unauthenticated,
                    "the token is unknown, expired or revoked",
                    None,
                )
                .await
            }
            Ok(Err(err)) => {
                let refused = WireError::from(err);
                self.error(refused.code, refused.message, None).await
            }
            Err(err) => {
                let refused = WireError::internal(err);
                self.error(refused.code, refused.message, None).await
            }
        }
    }

    async fn subscribe(&mut self, line: u64, after: u64) -> Result<(), Closed> {
        if !self.lines.contains(&line) {
            let message = if self.taken.contains(&line) {
                taken_away(line)
            } else {
                format!("line {line} is not one you serve")
            };
            return self.error(ErrorCode::Forbidden, message, None).await;
        }
        self.cursors.insert(line, after);
        if let Some(subject) = self.subject {
            self.feeds.follow(line, subject);
        }
        self.replay(line).await
    }

    /// A relayed call or remote session signal: forwarded when this session's subject is its addressee.
    async fn on_signal(&mut self, signal: crate::signal::Relayed) -> Result<(), Closed> {
        if self.subject != Some(signal.to) {
            return Ok(());
        }
        let frame = match signal.channel {
            crate::signal::Channel::Call(call) => ServerFrame::Signal {
                call,
                from: signal.from,
                payload: signal.payload,
            },
            crate::signal::Channel::Remote(session) => ServerFrame::RemoteSignal {
                session,
                from: signal.from,
                payload: signal.payload,
            },
        };
        self.send(frame).await
    }

    /// Apply `action` and publish its events: queued to the storage's committer (which
    /// publishes each action's events right after its COMMIT, in commit order, and answers),
    /// or, when the storage must do blocking work first, on a blocking thread.
    async fn apply(
        server: Arc<Server>,
        subject: Subject,
        key: &str,
        action: Action,
    ) -> Result<Result<Applied, StorageError>, tokio::task::JoinError> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let handing = server.hub.in_order();
        let then: Then = Box::new(move |applied| handing.hand(applied, answer));
        let storage = server.storage.clone();
        match storage.apply_then(subject, key, &action, now_ms(), then) {
            Ok(()) => Ok(answered.await.unwrap_or_else(|_| {
                Err(StorageError::Backend(RepoError::new(
                    "batch.lost",
                    "the batch of this action failed before its answer",
                )))
            })),
            Err(_) => {
                let key = key.to_string();
                let hub = server.hub.clone();
                tokio::task::spawn_blocking(move || {
                    let applied = storage.apply(subject, &key, &action, now_ms());
                    // Published by the thread that committed, at once: events reach the hub
                    // in about the order they were committed.
                    if let Ok(Applied::Done(events)) = &applied {
                        hub.publish(events);
                    }
                    applied
                })
                .await
            }
        }
    }

    async fn submit(
        &mut self,
        subject: Subject,
        key: String,
        action: Action,
    ) -> Result<(), Closed> {
        // Bounds first: an event over the frame limit would stop every reader of the line.
        if let Err(error) = action.validate() {
            return self.send(ServerFrame::too_long(&error, Some(key))).await;
        }
        let started = std::time::Instant::now();
        let kind = crate::metrics::action_kind(&action);
        let password_set = match &action {
            Action::SetRemotePassword { password } => Some(password.is_some()),
            _ => None,
        };
        let outcome = Self::apply(self.server.clone(), subject, &key, action).await;
        match outcome {
            Ok(Ok(Applied::Done(events))) => {
                if events
                    .iter()
                    .any(|e| matches!(e.event, linedesk_protocol::Event::SlaStarted { .. }))
                {
                    self.server.sla_wake.notify_one();
                }
                let sent = self
                    .send(ServerFrame::Ack {
                        key,
                        duplicate: false,
                    })
                    .await;
                crate::metrics::metrics().acknowledged(kind, started.elapsed().as_secs_f64());
                if let Some(set) = password_set {
                    crate::audit::remote_password_changed(subject, set);
                }
                sent
            }
            Ok(Ok(Applied::Duplicate)) => {
                self.send(ServerFrame::Ack {
                    key,
                    duplicate: true,
                })
                .await
            }
            Ok(Err(err)) => {
                let refused = WireError::from(err);
                let frame = ServerFrame::error(refused.code, refused.message, Some(key));
                self.send(frame.with_rule(refused.rule)).await
            }
            Err(err) => {
                let refused = WireError::internal(err);
                self.error(refused.code, refused.message, Some(key)).await
            }
        }
    }
}
