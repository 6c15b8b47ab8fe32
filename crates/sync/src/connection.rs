//! One connected session: log in, say hello, send the outbox in order, then wait for more.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use http_body_util::Full;
use hyper::body::Bytes;
use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, ClientFrame, ErrorCode, PROTOCOL_VERSION, ServerFrame};
use linedesk_store::{OutboxItem, Store, StoreError};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use crate::chat_presence::ChatPresence;
use crate::endpoint::Connector;
use crate::live::{Incoming, LiveError, LiveRequest, Refusal};
use crate::replica::{Replica, lock};
use crate::token::{Grant, login, now_ms, renew};
use crate::{IDLE_CHECK, SyncConfig, SyncStatus, Wires};

/// Why a session ended. Every variant but `LoginRefused` is retried with backoff.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the server is unreachable: {0}")]
    Unreachable(String),
    /// A bad server address or CA file in the config.
    #[error("the sync settings: {0}")]
    Config(String),
    /// The TLS handshake failed: most often a certificate the app does not trust.
    #[error("the secure connection failed: {0}")]
    Tls(String),
    #[error("the server refused the login")]
    LoginRefused,
    #[error("the connection dropped")]
    Dropped,
    /// The token was renewed: the session restarts on the new one (not an error to show).
    #[error("the session moves to a renewed token")]
    Renewed,
    /// Keepalive: nothing came from the server for this long (pings unanswered).
    #[error("no answer from the server for {} s", .0.as_secs())]
    Silent(Duration),
    #[error("the server answered something unexpected: {0}")]
    Protocol(String),
    #[error("the local store: {0}")]
    Store(#[from] StoreError),
}

type Socket = linedesk_endpoint::WebSocket;

/// How long an acknowledgement may take before the connection is considered dead.
const ACK_TIMEOUT: Duration = Duration::from_secs(20);
/// Pause after the server said "rate limited" before sending the same action again.
const RATE_LIMIT_PAUSE: Duration = Duration::from_millis(200);

/// A key part that differs between connections (presence re-assertions are not deduplicated:
/// setting the same status twice is harmless).
fn now_key() -> String {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format!("-{}", since.as_nanos())
}

/// One HTTP request on its own connection (plain or TLS, as the WebSocket): the status and the
/// body.
pub(crate) async fn http(
    connector: &Connector,
    request: hyper::Request<Full<Bytes>>,
) -> Result<(hyper::StatusCode, Bytes), SyncError> {
    tokio::time::timeout(ACK_TIMEOUT, connector.request(request))
        .await
        .map_err(|_| SyncError::Dropped)?
        .map_err(SyncError::from)
}

/// The server action for an outbox item, or why it can never be sent.
fn action_of(item: &OutboxItem) -> Result<Action, String> {
    let payload: serde_json::Value =
        serde_json::from_str(&item.payload).map_err(|e| format!("payload: {e}"))?;
    let number = |name: &str| {
        payload[name]
            .as_i64()
            .and_then(|v| u64::try_from(v).ok())
            .ok_or_else(|| format!("payload has no {name}"))
    };
    match item.kind.as_str() {
        "message.send" => {
            let (line, client) = (number("lineId")?, number("clientId")?);
            let text = payload["text"]
                .as_str()
                .ok_or("payload has no text")?
                .to_string();
            // C9: confirmed after the warning that a colleague holds the client's appeal.
            Ok(if payload["confirmed"].as_bool() == Some(true) {
                Action::SendMessageConfirmed { line, client, text }
            } else {
                Action::SendMessage { line, client, text }
            })
        }
        "presence.set" => {
            let code = payload["status"].as_str().ok_or("payload has no status")?;
            let status = PresenceStatus::from_code(code)
                .ok_or_else(|| format!("unknown status {code:?}"))?;
            Ok(Action::SetPresence { status })
        }
        "appeal.take" => Ok(Action::TakeAppeal {
            appeal: number("appealId")?,
        }),
        "appeal.finish" => Ok(Action::FinishAppeal {
            appeal: number("appealId")?,
            result: payload["result"]
                .as_str()
                .ok_or("payload has no result")?
                .to_string(),
        }),
        "appeal.transfer" => Ok(Action::TransferAppeal {
            appeal: number("appealId")?,
            to: payload["to"].as_i64().and_then(|v| u64::try_from(v).ok()),
            reason: payload["reason"]
                .as_str()
                .ok_or("payload has no reason")?
                .to_string(),
            target: serde_json::from_value(payload["target"].clone())
                .map_err(|e| format!("payload target: {e}"))?,
        }),
        "ticket.create" => Ok(Action::CreateTicket {
            line: number("lineId")?,
            client: number("clientId")?,
            appeal: payload["appealId"]
                .as_i64()
                .and_then(|v| u64::try_from(v).ok()),
            subject: payload["subject"]
                .as_str()
                .ok_or("payload has no subject")?
                .to_string(),
            text: payload["text"]
                .as_str()
                .ok_or("payload has no text")?
                .to_string(),
        }),
        other => crate::workstation_actions::action_of(other, &payload),
    }
}

async fn send(ws: &mut Socket, frame: &ClientFrame) -> Result<(), SyncError> {
    ws.send(Message::Text(frame.encode().into()))
        .await
        .map_err(|_| SyncError::Dropped)
}

fn decode(text: &str) -> Result<ServerFrame, SyncError> {
    ServerFrame::decode(text).map_err(|e| SyncError::Protocol(e.to_string()))
}

/// The next reply frame (ack, error, welcome); events on the way are applied to the store.
async fn next_reply(
    ws: &mut Socket,
    replica: &Replica<'_>,
    chat: &ChatPresence,
) -> Result<ServerFrame, SyncError> {
    loop {
        let message = tokio::time::timeout(ACK_TIMEOUT, ws.next())
            .await
            .map_err(|_| SyncError::Dropped)?;
        match message {
            Some(Ok(Message::Text(text))) => {
                // C9: who else has the open chat is kept aside, not a reply.
                if let Some(reply) = chat.take(replica.receive(text.as_str())?) {
                    return Ok(reply);
                }
            }
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return Err(SyncError::Dropped),
            Some(Ok(_)) => replica.hear(),
        }
    }
}

/// Send one outbox item until the server acknowledges it or refuses it for good.
async fn deliver(
    ws: &mut Socket,
    replica: &Replica<'_>,
    chat: &ChatPresence,
    item: &OutboxItem,
) -> Result<(), SyncError> {
    let store = replica.store;
    let action = match action_of(item) {
        Ok(action) => action,
        Err(reason) => {
            lock(store).outbox_mark_failed(item.id, &reason)?;
            return Ok(());
        }
    };
    let frame = ClientFrame::Submit {
        key: item.idempotency_key.clone(),
        action,
    };
    loop {
        send(ws, &frame).await?;
        match next_reply(ws, replica, chat).await? {
            ServerFrame::Ack { key, .. } if key == item.idempotency_key => {
                lock(store).outbox_mark_sent(item.id)?;
                return Ok(());
            }
            ServerFrame::Error {
                code: ErrorCode::RateLimited,
                ..
            } => tokio::time::sleep(RATE_LIMIT_PAUSE).await,
            ServerFrame::Error {
                code:
                    code @ (ErrorCode::Forbidden
                    | ErrorCode::Conflict
                    | ErrorCode::Invalid
                    | ErrorCode::TooLarge
                    | ErrorCode::TooLong
                    | ErrorCode::BadFrame),
                message,
                rule,
                field,
                ..
            } => {
                lock(store).outbox_mark_failed(item.id, &format!("{code:?}: {message}"))?;
                // The typed refusal, for the app to translate (the store keeps the text).
                replica.refused.send_replace(Some(Refusal {
                    outbox_id: item.id,
                    code,
                    rule,
                    field,
                    message,
                }));
                return Ok(());
            }
            other => return Err(SyncError::Protocol(format!("{other:?}"))),
        }
    }
}

/// Do one live request on the connected session.
async fn serve_live(
    ws: &mut Socket,
    replica: &Replica<'_>,
    chat: &ChatPresence,
    request: LiveRequest,
) -> Result<(), SyncError> {
    match request {
        LiveRequest::Signal { call, payload } => {
            send(ws, &ClientFrame::Signal { call, payload }).await
        }
        LiveRequest::RemoteSignal { session, payload } => {
            send(ws, &ClientFrame::RemoteSignal { session, payload }).await
        }
        LiveRequest::Submit { action, reply } => {
            let key = format!("live{}", now_key());
            let sent = send(
                ws,
                &ClientFrame::Submit {
                    key: key.clone(),
                    action,
                },
            )
            .await;
            if let Err(error) = sent {
                let _ = reply.send(Err(LiveError::Dropped));
                return Err(error);
            }
            match next_reply(ws, replica, chat).await {
                Ok(ServerFrame::Ack { key: acked, .. }) if acked == key => {
                    let _ = reply.send(Ok(key));
                    Ok(())
                }
                Ok(ServerFrame::Error {
                    code,
                    message,
                    rule,
                    ..
                }) if code != ErrorCode::Unauthenticated => {
                    let _ = reply.send(Err(LiveError::Refused {
                        code,
                        message,
                        rule,
                    }));
                    Ok(())
                }
                Ok(other) => {
                    let _ = reply.send(Err(LiveError::Dropped));
                    Err(SyncError::Protocol(format!("{other:?}")))
                }
                Err(error) => {
                    let _ = reply.send(Err(LiveError::Dropped));
                    Err(error)
                }
            }
        }
    }
}

/// How a session ended: why, and whether the server had welcomed it first (a server that
/// worked and then went away, against one that could not be reached at all: the sync fails
/// over to the next server at once after either, but waits once every server failed in a row).
pub(crate) struct Ended {
    pub error: SyncError,
    pub welcomed: bool,
}

/// Run one connection until it fails; returns why. Never returns while connected.
pub(crate) async fn session(
    store: &Arc<Mutex<Store>>,
    config: &SyncConfig,
    connector: &Connector,
    wires: &Wires,
    live: &mut mpsc::Receiver<LiveRequest>,
    renewed: &mut Option<Grant>,
) -> Ended {
    let mut welcomed = false;
    let error = match connected(
        store,
        config,
        connector,
        wires,
        live,
        renewed,
        &mut welcomed,
    )
    .await
    {
        Ok(never) => match never {},
        Err(error) => error,
    };
    Ended { error, welcomed }
}

enum Never {}

async fn connected(
    store: &Arc<Mutex<Store>>,
    config: &SyncConfig,
    connector: &Connector,
    wires: &Wires,
    live: &mut mpsc::Receiver<LiveRequest>,
    renewed: &mut Option<Grant>,
    welcomed: &mut bool,
) -> Result<Never, SyncError> {
    let Wires {
        status,
        token: token_slot,
        changes,
        nudge,
        incoming,
        unreadable,
        timing,
        refused,
        chat,
        server: _,
    } = wires;
    // C9: the open chat is announced on every new session (the server forgot the last one's).
    chat.forget();
    let mut focus = chat.focus.subscribe();
    focus.mark_changed();
    let keepalive = &timing.keepalive;
    // Just renewed: go on with it. Otherwise (a new connection) log in.
    let (grant, was_renewed) = match renewed.take() {
        Some(grant) => (grant, true),
        None => (login(connector, config).await?, false),
    };
    let token = grant.token.clone();
    let _ = token_slot.send(Some(token.clone()));
    let mut ws = connector.websocket().await?;
    send(
        &mut ws,
        &ClientFrame::Hello {
            version: PROTOCOL_VERSION,
            token: token.clone(),
        },
    )
    .await?;
    // Before the welcome nothing else comes: a throwaway replica that applies nothing.
    let welcome = loop {
        let message = tokio::time::timeout(ACK_TIMEOUT, ws.next())
            .await
            .map_err(|_| SyncError::Dropped)?;
        match message {
            Some(Ok(Message::Text(text))) => break decode(text.as_str())?,
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return Err(SyncError::Dropped),
            Some(Ok(_)) => {}
        }
    };
    let (me, lines) = match welcome {
        ServerFrame::Welcome { id, lines, .. } => {
            *welcomed = true;
            (id, lines)
        }
        // A renewed token refused (revoked meanwhile): log in again, not a refused login.
        ServerFrame::Error {
            code: ErrorCode::Unauthenticated,
            ..
        } if was_renewed => return Err(SyncError::Dropped),
        ServerFrame::Error {
            code: ErrorCode::Unauthenticated,
            ..
        } => return Err(SyncError::LoginRefused),
        other => return Err(SyncError::Protocol(format!("{other:?}"))),
    };
    lock(store).set_server_me(i64::try_from(me).unwrap_or(i64::MAX))?;
    let replica = Replica {
        store,
        me,
        changes,
        incoming,
        live_lines: Mutex::new(HashSet::new()),
        ringing_in_replay: Mutex::new(Vec::new()),
        unreadable,
        heard: Mutex::new(tokio::time::Instant::now()),
        refused,
        stale_reference: Mutex::new(HashSet::new()),
        replayed: Mutex::new(Vec::new()),
    };
    // Resume every line's log where the store stopped: no gap, no duplicate.
    let mut afters = Vec::with_capacity(lines.len());
    for &line in &lines {
        let after = lock(store).sync_cursor(i64::try_from(line).unwrap_or(i64::MAX))?;
        afters.push((line, u64::try_from(after).unwrap_or_default()));
    }
    // A store's first sync builds its client index once, when every line has caught up
    // (store::client_index); a session that ended before that leaves it to the next one.
    let mut index_deferred = if afters.iter().any(|&(_, after)| after == 0) {
        lock(store).defer_client_index_if_empty()?
    } else {
        lock(store).client_index_deferred()?
    };
    for (line, after) in afters {
        send(&mut ws, &ClientFrame::Subscribe { line, after }).await?;
    }
    // Quick replies and the knowledge base: a fresh copy at every connection (C8). A failure
    // here costs only freshness, never the session.
    if let Err(error) = crate::reference::refresh(connector, &token, store, &lines).await {
        let _ = incoming.send(Incoming::Refused {
            code: ErrorCode::Internal,
            message: format!("quick replies and knowledge base not refreshed: {error}"),
        });
    }
    // The server sets a vanished specialist Offline after a grace period: say again where we
    // are (then the outbox replays any queued changes in order, ending at the same status).
    let current = lock(store).presence()?;
    if current != PresenceStatus::Offline {
        let key = format!("reassert{}", now_key());
        let frame = ClientFrame::Submit {
            key,
            action: Action::SetPresence { status: current },
        };
        send(&mut ws, &frame).await?;
        match next_reply(&mut ws, &replica, chat).await? {
            ServerFrame::Ack { .. } | ServerFrame::Error { .. } => {}
            other => return Err(SyncError::Protocol(format!("{other:?}"))),
        }
    }
    let mut ping = 0u64;
    let ping_every = (*keepalive / 3).min(IDLE_CHECK);
    let mut next_ping = tokio::time::Instant::now() + ping_every;
    // Far away when the server gives no expiry.
    let renew_at = tokio::time::Instant::now()
        + grant
            .renew_in(now_ms(), timing.renew_before)
            .unwrap_or(Duration::from_secs(365 * 24 * 3600));
    loop {
        // C8/S5: a part of a line's reference data changed while live: fetch it again now.
        // W1: colleagues' avatars announced since they were fetched.
        match crate::profile::fetch_colleague_avatars(connector, &token, store).await {
            Ok(true) => changes.send_modify(|n| *n += 1),
            Ok(false) => {}
            Err(error) => tracing::warn!("colleagues' avatars not fetched: {error}"),
        }
        let stale = replica.take_stale_reference();
        if !stale.is_empty() {
            match crate::reference::refresh(connector, &token, store, &stale).await {
                Ok(()) => changes.send_modify(|n| *n += 1),
                Err(error) => {
                    let _ = incoming.send(Incoming::Refused {
                        code: ErrorCode::Internal,
                        message: format!("the line's reference data not refreshed: {error}"),
                    });
                }
            }
        }
        loop {
            let (batch, pending) = {
                let s = lock(store);
                (s.outbox_pending(100)?, s.outbox_pending_count()?)
            };
            if batch.is_empty() {
                break;
            }
            let _ = status.send(SyncStatus::Sending { pending });
            for item in &batch {
                if item.kind == crate::profile::AVATAR_KIND {
                    // W1: an upload, in the outbox's order; a refusal fails it for good.
                    match crate::profile::upload_avatar(connector, &token, store).await? {
                        Ok(()) => lock(store).outbox_mark_sent(item.id)?,
                        Err(reason) => lock(store).outbox_mark_failed(item.id, &reason)?,
                    }
                    continue;
                }
                deliver(&mut ws, &replica, chat, item).await?;
            }
        }
        // In sync once the outbox is empty and every line has caught up: the server replays
        // a line a page at a time, between its answers, so an empty outbox alone does not say
        // the store has the line's log yet.
        let caught_up = {
            let live = crate::replica::lock(&replica.live_lines);
            lines.iter().all(|line| live.contains(line))
        };
        if caught_up && index_deferred {
            lock(store).catch_up_client_index()?;
            index_deferred = false;
            changes.send_modify(|n| *n += 1);
        }
        if caught_up {
            let _ = status.send(SyncStatus::InSync);
        }
        // Keepalive: a ping a third of the way into the allowed silence; a link that stays
        // silent for all of it is dead (a half-open socket would otherwise look in sync).
        let silent_until = replica.heard() + *keepalive;
        tokio::select! {
            _ = nudge.notified() => {}
            Ok(()) = focus.changed() => {
                let now = *focus.borrow_and_update();
                send(&mut ws, &ClientFrame::ChatFocus { chat: now.chat, typing: now.typing }).await?;
            }
            request = live.recv() => {
                if let Some(request) = request {
                    serve_live(&mut ws, &replica, chat, request).await?;
                }
            }
            _ = tokio::time::sleep_until(next_ping) => {
                ping += 1;
                send(&mut ws, &ClientFrame::Ping { id: ping }).await?;
                next_ping = tokio::time::Instant::now() + ping_every;
            }
            _ = tokio::time::sleep_until(silent_until) => {
                return Err(SyncError::Silent(*keepalive));
            }
            _ = tokio::time::sleep_until(renew_at) => {
                let fresh = renew(connector, &token).await?;
                // Uploads use the new one at once; the server closes this session (its token
                // is revoked), so the next one starts on the new token.
                let _ = token_slot.send(Some(fresh.token.clone()));
                *renewed = Some(fresh);
                return Err(SyncError::Renewed);
            }
            incoming = ws.next() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return Err(SyncError::Dropped),
                Some(Ok(Message::Text(text))) => {
                    if let Some(other) = chat.take(replica.receive(text.as_str())?) {
                        // An error out of the blue (e.g. the token was revoked): start over.
                        return Err(SyncError::Protocol(format!("{other:?}")));
                    }
                }
                Some(Ok(_)) => replica.hear(),
            },
        }
    }
}
