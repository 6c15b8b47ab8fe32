//! W3 (issue 16, item 6): the Help conversation's session. The specialist is a client of the
//! company's staff line there: the app asks `POST /api/help/session` for the identity and a
//! token ([`StaffHelpSession`]), and [`spawn_staff_help`] keeps a client's WebSocket session
//! with it, kept in the local store like the rest of the app's data (`linedesk_store::staff_help`):
//! subscribed from the store's cursor, every event about this client written there, the typed
//! messages (the store's Help outbox) submitted with their keys, again after each reconnect,
//! until the staff line acknowledges or refuses them. Messages typed offline or before a restart
//! are in the store and go at the next session. A lost connection is tried again (1 s, doubling
//! to 30 s); a token the server no longer takes ends the task (the app asks for a new one).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use http_body_util::Full;
use hyper::body::Bytes;
use linedesk_endpoint::Connector;
use linedesk_protocol::{
    Action, ClientFrame, ErrorCode, Event, PROTOCOL_VERSION, ServerFrame, SpecialistCard,
    StaffHelpSession,
};
use linedesk_store::Store;
use linedesk_store::staff_help::HelpChange;
use tokio::sync::{Notify, watch};
use tokio_tungstenite::tungstenite::Message;

/// The running Help session: stopped when dropped.
pub struct HelpHandle {
    connected: watch::Receiver<bool>,
    nudge: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl HelpHandle {
    /// Signed in to the staff line and caught up.
    pub fn connected(&self) -> bool {
        *self.connected.borrow()
    }

    /// A message was queued in the store: send it now.
    pub fn nudge(&self) {
        self.nudge.notify_one();
    }

    /// The session ended for good (its token is no longer taken): ask for a new one.
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

impl Drop for HelpHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

enum Ended {
    /// The connection broke: try again.
    Broken,
    /// The token is no longer taken: stop.
    Stop,
}

/// Keep the Help conversation's session of `help` on `server` in the background, written to
/// `store` (whose identity is set to `help`'s first).
pub fn spawn_staff_help(
    server: Connector,
    help: StaffHelpSession,
    store: Arc<Mutex<Store>>,
) -> Result<HelpHandle, linedesk_store::StoreError> {
    locked(&store).set_staff_help_identity(as_i64(help.line), as_i64(help.client))?;
    let (connected_tx, connected) = watch::channel(false);
    let nudge = Arc::new(Notify::new());
    let task = tokio::spawn(run(server, help, store, connected_tx, nudge.clone()));
    Ok(HelpHandle {
        connected,
        nudge,
        task,
    })
}

fn as_i64(id: u64) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX)
}

fn locked(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn run(
    server: Connector,
    help: StaffHelpSession,
    store: Arc<Mutex<Store>>,
    connected: watch::Sender<bool>,
    nudge: Arc<Notify>,
) {
    let mut wait = Duration::from_secs(1);
    let mut named = HashSet::new();
    loop {
        let ended = session(&server, &help, &store, &connected, &nudge, &mut named).await;
        connected.send_replace(false);
        match ended {
            Ended::Stop => return,
            Ended::Broken => {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(30));
            }
        }
    }
}

fn submit(key: &str, text: &str) -> Message {
    let frame = ClientFrame::Submit {
        key: key.to_string(),
        action: Action::ClientMessage {
            text: text.to_string(),
        },
    };
    Message::Text(frame.encode().into())
}

/// What an event of the staff line means for this client's conversation.
fn change(me: u64, event: Event) -> HelpChange {
    if event.client() != Some(me) {
        return HelpChange::Nothing;
    }
    match event {
        Event::MessagePosted {
            from_specialist,
            text,
            ..
        } => HelpChange::Message {
            from_specialist: from_specialist.map(as_i64),
            text,
        },
        Event::AppealOpened { .. } | Event::AppealAssigned { .. } => {
            HelpChange::Appeal { open: true }
        }
        Event::AppealFinished { .. } => HelpChange::Appeal { open: false },
        _ => HelpChange::Nothing,
    }
}

/// Fold one frame into the store. A store error is logged: the frame is seen again after the
/// next reconnect (the cursor did not move past it).
fn apply(store: &Mutex<Store>, me: u64, frame: ServerFrame, connected: &watch::Sender<bool>) {
    let store = locked(store);
    let done = match frame {
        ServerFrame::Event {
            seq, at_ms, event, ..
        } => store
            .apply_staff_help(as_i64(seq), at_ms, change(me, event))
            .map(drop),
        ServerFrame::CaughtUp { seq, .. } => {
            connected.send_replace(true);
            store.staff_help_caught_up(as_i64(seq))
        }
        // The message's event came before its Ack (the hub publishes, then answers).
        ServerFrame::Ack { key, .. } => store.staff_help_sent(&key),
        ServerFrame::Error {
            code,
            key: Some(key),
            ..
        } => {
            let code = serde_json::to_value(code)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_else(|| "internal".into());
            store.staff_help_refused(&key, &code)
        }
        _ => Ok(()),
    };
    if let Err(error) = done {
        tracing::warn!(%error, "the Help conversation could not be kept");
    }
}

/// W1: the names of the staff line's specialists who answered, fetched as its clients see them
/// (`GET /api/lines/{line}/specialists/{id}`), each asked for once a session run.
fn fetch_names(
    server: &Connector,
    help: &StaffHelpSession,
    store: &Arc<Mutex<Store>>,
    asked: &mut HashSet<i64>,
) {
    let unnamed = locked(store).staff_help_unnamed().unwrap_or_default();
    for specialist in unnamed.into_iter().filter(|s| asked.insert(*s)) {
        let (server, store) = (server.clone(), store.clone());
        let token = help.token.clone();
        let path = format!("/api/lines/{}/specialists/{specialist}", help.line);
        tokio::spawn(async move {
            let Ok(request) = hyper::Request::builder()
                .method(hyper::Method::GET)
                .uri(path)
                .header(hyper::header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Full::new(Bytes::new()))
            else {
                return;
            };
            let Ok((status, body)) = crate::connection::http(&server, request).await else {
                return;
            };
            if status != hyper::StatusCode::OK {
                return;
            }
            if let Ok(card) = serde_json::from_slice::<SpecialistCard>(&body)
                && let Err(error) =
                    locked(&store).name_staff_help_specialist(specialist, &card.name)
            {
                tracing::warn!(%error, "a Help answerer's name could not be kept");
            }
        });
    }
}

/// Send the store's unsent Help messages not sent on this connection yet.
async fn send_unsent<S>(
    sink: &mut S,
    store: &Mutex<Store>,
    sent: &mut HashSet<String>,
) -> Result<(), ()>
where
    S: SinkExt<Message> + Unpin,
{
    let unsent = locked(store).staff_help_unsent().unwrap_or_default();
    for (key, text) in unsent {
        if sent.contains(&key) {
            continue;
        }
        sink.send(submit(&key, &text)).await.map_err(drop)?;
        sent.insert(key);
    }
    Ok(())
}

async fn session(
    server: &Connector,
    help: &StaffHelpSession,
    store: &Arc<Mutex<Store>>,
    connected: &watch::Sender<bool>,
    nudge: &Notify,
    asked: &mut HashSet<i64>,
) -> Ended {
    let Ok(ws) = server.websocket().await else {
        return Ended::Broken;
    };
    let (mut sink, mut stream) = ws.split();
    let hello = ClientFrame::Hello {
        version: PROTOCOL_VERSION,
        token: help.token.clone(),
    };
    if sink
        .send(Message::Text(hello.encode().into()))
        .await
        .is_err()
    {
        return Ended::Broken;
    }
    loop {
        match stream.next().await {
            Some(Ok(Message::Text(text))) => match ServerFrame::decode(text.as_str()) {
                Ok(ServerFrame::Welcome { .. }) => break,
                Ok(ServerFrame::Error {
                    code: ErrorCode::Unauthenticated,
                    ..
                }) => return Ended::Stop,
                _ => return Ended::Broken,
            },
            Some(Ok(_)) => {}
            _ => return Ended::Broken,
        }
    }
    let after = locked(store)
        .staff_help()
        .map(|c| u64::try_from(c.cursor).unwrap_or(0))
        .unwrap_or(0);
    let subscribe = ClientFrame::Subscribe {
        line: help.line,
        after,
    };
    if sink
        .send(Message::Text(subscribe.encode().into()))
        .await
        .is_err()
    {
        return Ended::Broken;
    }
    let mut sent = HashSet::new();
    if send_unsent(&mut sink, store, &mut sent).await.is_err() {
        return Ended::Broken;
    }
    loop {
        tokio::select! {
            message = stream.next() => match message {
                Some(Ok(Message::Text(text))) => match ServerFrame::decode(text.as_str()) {
                    Ok(ServerFrame::Error { code: ErrorCode::Unauthenticated, .. }) => {
                        return Ended::Stop;
                    }
                    Ok(frame) => {
                        apply(store, help.client, frame, connected);
                        fetch_names(server, help, store, asked);
                    }
                    // A frame this build cannot read is skipped (its event stays unseen).
                    Err(_) => {}
                },
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return Ended::Broken,
                Some(Ok(_)) => {}
            },
            () = nudge.notified() => {
                if send_unsent(&mut sink, store, &mut sent).await.is_err() {
                    return Ended::Broken;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_clients_events_change_the_conversation() {
        let posted = |client, from| Event::MessagePosted {
            client,
            from_specialist: from,
            text: "Помогите".into(),
            appeal: Some(1),
            key: None,
        };
        assert_eq!(change(7, posted(8, None)), HelpChange::Nothing);
        assert_eq!(
            change(7, posted(7, Some(2))),
            HelpChange::Message {
                from_specialist: Some(2),
                text: "Помогите".into()
            }
        );
    }
}
