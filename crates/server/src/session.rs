//! One WebSocket session: Hello first, then subscriptions (replay from a cursor, then live)
//! and idempotent actions. Every bad frame gets a typed error frame; the session goes on, and
//! nothing it does disturbs other sessions.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket};
use futures_util::SinkExt;
use linedesk_protocol::{Action, ClientFrame, ErrorCode, PROTOCOL_VERSION, Role, ServerFrame};
use tokio::sync::broadcast::error::RecvError;

use crate::app::{Server, now_ms};
use crate::auth::token_hash;
use crate::hub::{Audience, Hub, LiveEvent, Mailbox};
use crate::rate_limit::RateLimit;
use crate::storage::{Applied, Revoked, StorageError, StoredEvent, Subject};

/// Replay is read from storage in pages of this many events.
const REPLAY_PAGE: u32 = 500;

/// The session's subscriptions to the hub: one mailbox the hub fills with the live events of
/// every line it follows (see [`crate::hub`]). Dropping it leaves the hub.
struct Feeds {
    hub: Hub,
    mailbox: Arc<Mailbox>,
    audience: Option<Audience>,
    /// Per followed line, the hub's epoch of the session's cursor (for a client session).
    epochs: HashMap<u64, u64>,
}

impl Feeds {
    fn new(hub: Hub) -> Feeds {
        Feeds {
            hub,
            mailbox: Arc::default(),
            audience: None,
            epochs: HashMap::new(),
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

/// What to do with one live event.
enum Live {
    Skip,
    Send,
    /// Something before it was missed: read the line back from storage.
    Rewind,
}

struct Session {
    server: Arc<Server>,
    socket: WebSocket,
    /// Who signed in (after a valid Hello).
    subject: Option<Subject>,
    lines: BTreeSet<u64>,
    /// Per subscribed line, the last sequence number sent.
    cursors: HashMap<u64, u64>,
    rate: RateLimit,
    /// The hash of the token of the Hello: the session closes when it is revoked.
    token: Option<String>,
    feeds: Feeds,
}

/// The session ended: the socket closed or failed.
struct Closed;

pub async fn run(socket: WebSocket, server: Arc<Server>) {
    let mut revoked = server.revoked.subscribe();
    let mut signals = server.hub.signals();
    let feeds = Feeds::new(server.hub.clone());
    let mailbox: Arc<Mailbox> = feeds.mailbox.clone();
    let mut session = Session {
        server,
        socket,
        subject: None,
        lines: BTreeSet::new(),
        cursors: HashMap::new(),
        rate: RateLimit::new(),
        token: None,
        feeds,
    };
    loop {
        let step = tokio::select! {
            incoming = session.socket.recv() => match incoming {
                Some(Ok(message)) => session.on_message(message).await,
                _ => Err(Closed),
            },
            () = mailbox.ready() => session.on_live().await,
            signal = signals.recv() => match signal {
                Ok(signal) => session.on_signal(signal).await,
                // Signalling is best effort: a lagging session loses some, the call set-up
                // times out and the app places it again.
                Err(RecvError::Lagged(_)) => Ok(()),
                Err(RecvError::Closed) => Err(Closed),
            },
            revocation = revoked.recv() => match revocation {
                Ok(revocation) => session.on_revoked(Some(&revocation)).await,
                Err(RecvError::Lagged(_)) => session.on_revoked(None).await,
                Err(RecvError::Closed) => Err(Closed),
            },
        };
        if step.is_err() {
            break;
        }
    }
    if let Some(Subject {
        role: Role::Specialist,
        id,
    }) = session.subject
    {
        crate::presence::Sessions::leave(&session.server, id);
    }
}

impl Session {
    async fn send(&mut self, frame: ServerFrame) -> Result<(), Closed> {
        self.socket
            .send(Message::Text(frame.encode().into()))
            .await
            .map_err(|_| Closed)
    }

    async fn error(
        &mut self,
        code: ErrorCode,
        message: impl Into<String>,
        key: Option<String>,
    ) -> Result<(), Closed> {
        self.send(ServerFrame::error(code, message, key)).await
    }

    /// A token was revoked (`None`: some were, unknown which). If it is this session's, say so
    /// and close.
    async fn on_revoked(&mut self, revoked: Option<&Revoked>) -> Result<(), Closed> {
        let (Some(subject), Some(token)) = (self.subject, self.token.clone()) else {
            return Ok(());
        };
        let mine = match revoked {
            Some(Revoked::Token(hash)) => *hash == token,
            Some(Revoked::Subject(s)) => *s == subject,
            None => {
                let storage = self.server.storage.clone();
                let owner =
                    tokio::task::spawn_blocking(move || storage.token_owner(&token, now_ms()))
                        .await;
                matches!(owner, Ok(Ok(None)))
            }
        };
        if !mine {
            return Ok(());
        }
        self.error(
            ErrorCode::Unauthenticated,
            "the token was revoked; log in again",
            None,
        )
        .await?;
        let _ = self.socket.send(Message::Close(None)).await;
        Err(Closed)
    }

    async fn on_message(&mut self, message: Message) -> Result<(), Closed> {
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
        if !self.rate.allow() {
            return self
                .error(ErrorCode::RateLimited, "too many frames; slow down", None)
                .await;
        }
        let frame = match ClientFrame::decode(text.as_str()) {
            Ok(frame) => frame,
            Err(err) => return self.error(err.code(), err.to_string(), None).await,
        };
        match (frame, self.subject) {
            (ClientFrame::Hello { version, token }, None) => self.hello(version, &token).await,
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
                self.submit(subject, key, action).await
            }
            (ClientFrame::Signal { call, payload }, Some(subject)) => {
                match crate::signal::relay(&self.server, subject, call, payload).await {
                    Ok(()) => Ok(()),
                    Err((code, message)) => self.error(code, message, None).await,
                }
            }
            (ClientFrame::RemoteSignal { session, payload }, Some(subject)) => {
                match crate::signal::relay_remote(&self.server, subject, session, payload).await {
                    Ok(()) => Ok(()),
                    Err((code, message)) => self.error(code, message, None).await,
                }
            }
        }
    }

    async fn hello(&mut self, version: u16, token: &str) -> Result<(), Closed> {
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
                .map(|id| storage.lines_of(id).map(|lines| (id, lines)))
                .transpose()
        })
        .await;
        match found {
            Ok(Ok(Some((subject, _)))) if subject.role == Role::Admin => {
                self.error(
                    ErrorCode::Forbidden,
                    "an admin has no line session; use the admin API",
                    None,
                )
                .await
            }
            Ok(Ok(Some((subject, lines)))) => {
                self.token = Some(token_hash(token));
                self.subject = Some(subject);
                if subject.role == Role::Specialist {
                    self.server.sessions.join(subject.id);
                }
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
            Ok(Err(err)) => self.error(ErrorCode::Internal, err.to_string(), None).await,
            Err(err) => self.error(ErrorCode::Internal, err.to_string(), None).await,
        }
    }

    async fn subscribe(&mut self, line: u64, after: u64) -> Result<(), Closed> {
        if !self.lines.contains(&line) {
            return self
                .error(
                    ErrorCode::Forbidden,
                    format!("line {line} is not one you serve"),
                    None,
                )
                .await;
        }
        self.cursors.insert(line, after);
        if let Some(subject) = self.subject {
            self.feeds.follow(line, subject);
        }
        self.replay(line).await?;
        self.seed_hub(line).await;
        Ok(())
    }

    /// Send everything of `line` after its cursor from storage, then say the replay is done.
    async fn replay(&mut self, line: u64) -> Result<(), Closed> {
        loop {
            let after = self.cursors.get(&line).copied().unwrap_or(0);
            let storage = self.server.storage.clone();
            let page =
                tokio::task::spawn_blocking(move || storage.events_after(line, after, REPLAY_PAGE))
                    .await;
            let page = match page {
                Ok(Ok(page)) => page,
                Ok(Err(err)) => {
                    return self.error(ErrorCode::Internal, err.to_string(), None).await;
                }
                Err(err) => return self.error(ErrorCode::Internal, err.to_string(), None).await,
            };
            if page.is_empty() {
                return self.send(ServerFrame::CaughtUp { line, seq: after }).await;
            }
            for event in page {
                self.deliver(event).await?;
            }
        }
    }

    async fn deliver(&mut self, e: StoredEvent) -> Result<(), Closed> {
        self.cursors.insert(e.line, e.seq);
        // A client sees only events about themselves (their messages, their appeals), and of
        // those not the line's internal work (SLA timers, tickets).
        if let Some(Subject {
            role: Role::Client,
            id,
        }) = self.subject
            && (e.event.client() != Some(id) || !e.event.shown_to_client())
        {
            return Ok(());
        }
        self.send(ServerFrame::Event {
            line: e.line,
            seq: e.seq,
            at_ms: e.at_ms,
            event: e.event,
        })
        .await
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

    /// Send what the hub queued: every frame fed to the socket, one flush for the batch; a
    /// line with something missed (a gap, another epoch, a full mailbox) read back from
    /// storage.
    async fn on_live(&mut self) -> Result<(), Closed> {
        let batch = self.feeds.mailbox.take();
        let mut rewind = batch.lagged;
        for event in batch.events {
            if rewind.contains(&event.line) {
                continue;
            }
            match self.live(&event) {
                Live::Skip => {}
                Live::Rewind => {
                    rewind.insert(event.line);
                }
                Live::Send => {
                    self.cursors.insert(event.line, event.seq);
                    self.socket
                        .feed(Message::Text(event.frame.clone()))
                        .await
                        .map_err(|_| Closed)?;
                }
            }
        }
        self.socket.flush().await.map_err(|_| Closed)?;
        for line in rewind {
            self.feeds.rewind(line);
            self.replay(line).await?;
        }
        Ok(())
    }

    /// After a replay: when the hub does not know yet where the line stands, tell it the
    /// cursor, once storage confirms the cursor is a committed event (a client may name any
    /// number).
    async fn seed_hub(&mut self, line: u64) {
        let Some(&cursor) = self.cursors.get(&line) else {
            return;
        };
        if cursor == 0 || self.server.hub.knows(line) {
            return;
        }
        let storage = self.server.storage.clone();
        let found =
            tokio::task::spawn_blocking(move || storage.events_after(line, cursor - 1, 1)).await;
        if let Ok(Ok(page)) = found
            && page.first().map(|e| e.seq) == Some(cursor)
            && let Some(epoch) = self.server.hub.seed(line, cursor)
        {
            self.feeds.epochs.insert(line, epoch);
        }
    }

    fn live(&self, event: &LiveEvent) -> Live {
        let Some(&cursor) = self.cursors.get(&event.line) else {
            return Live::Skip;
        };
        if event.seq <= cursor {
            return Live::Skip;
        }
        match self.subject {
            // A client's mailbox holds only their events: nothing to see between two of them
            // as long as the line's epoch is the one of the cursor.
            Some(Subject {
                role: Role::Client,
                id,
            }) => {
                if event.for_client != Some(id) {
                    Live::Skip
                } else if self.feeds.epochs.get(&event.line) == Some(&event.epoch) {
                    Live::Send
                } else {
                    Live::Rewind
                }
            }
            _ if event.seq == cursor + 1 => Live::Send,
            // A gap: events were appended that this session has not seen.
            _ => Live::Rewind,
        }
    }

    async fn submit(
        &mut self,
        subject: Subject,
        key: String,
        action: Action,
    ) -> Result<(), Closed> {
        let storage = self.server.storage.clone();
        let key_for_task = key.clone();
        let hub = self.server.hub.clone();
        let outcome = tokio::task::spawn_blocking(move || {
            let applied = storage.apply(subject, &key_for_task, &action, now_ms());
            // Published by the thread that committed, at once: events reach the hub in
            // about the order they were committed (an async task may wait its turn long).
            if let Ok(Applied::Done(events)) = &applied {
                hub.publish(events);
            }
            applied
        })
        .await;
        match outcome {
            Ok(Ok(Applied::Done(events))) => {
                if events
                    .iter()
                    .any(|e| matches!(e.event, linedesk_protocol::Event::SlaStarted { .. }))
                {
                    self.server.sla_wake.notify_one();
                }
                self.send(ServerFrame::Ack {
                    key,
                    duplicate: false,
                })
                .await
            }
            Ok(Ok(Applied::Duplicate)) => {
                self.send(ServerFrame::Ack {
                    key,
                    duplicate: true,
                })
                .await
            }
            Ok(Err(StorageError::Forbidden(line))) => {
                self.error(
                    ErrorCode::Forbidden,
                    format!("line {line} is not one you serve"),
                    Some(key),
                )
                .await
            }
            Ok(Err(StorageError::NotAllowed(why))) => {
                self.error(ErrorCode::Forbidden, why, Some(key)).await
            }
            Ok(Err(StorageError::Conflict(why))) => {
                self.error(ErrorCode::Conflict, why, Some(key)).await
            }
            Ok(Err(StorageError::Invalid(why))) => {
                self.error(ErrorCode::Invalid, why, Some(key)).await
            }
            Ok(Err(err @ StorageError::RateLimited { .. })) => {
                self.error(ErrorCode::RateLimited, err.to_string(), Some(key))
                    .await
            }
            Ok(Err(err @ StorageError::WrongPassword)) => {
                self.error(ErrorCode::WrongPassword, err.to_string(), Some(key))
                    .await
            }
            Ok(Err(err @ StorageError::NoPassword)) => {
                self.error(ErrorCode::NoPassword, err.to_string(), Some(key))
                    .await
            }
            Ok(Err(err)) => {
                self.error(ErrorCode::Internal, err.to_string(), Some(key))
                    .await
            }
            Err(err) => {
                self.error(ErrorCode::Internal, err.to_string(), Some(key))
                    .await
            }
        }
    }
}
