//! The Help conversation's client session: signed in with the staff line's token, subscribed
//! to the staff line from the conversation's cursor, the typed messages submitted with their
//! keys (those not yet acknowledged again after each reconnect), every frame folded into the
//! conversation. A lost connection is tried again (1 s, doubling to 30 s); a token the server
//! no longer takes ends the task (the next `help_open` asks for a new one).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use linedesk_engine::Connector;
use linedesk_protocol::{
    Action, ClientFrame, ErrorCode, PROTOCOL_VERSION, ServerFrame, SpecialistCard, StaffHelpSession,
};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use super::conversation::Conversation;
use crate::state::lock;

enum Ended {
    /// The connection broke: try again.
    Broken,
    /// The token is no longer taken, or nobody holds the conversation: stop.
    Stop,
}

pub(super) async fn run(
    server: Connector,
    help: StaffHelpSession,
    conversation: Arc<Mutex<Conversation>>,
    mut sends: mpsc::UnboundedReceiver<(String, String)>,
) {
    let mut wait = Duration::from_secs(1);
    loop {
        let ended = session(&server, &help, &conversation, &mut sends).await;
        lock(&conversation).view.connected = false;
        match ended {
            Ended::Stop => return,
            Ended::Broken => {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(30));
            }
        }
    }
}

fn submit(key: String, text: String) -> Message {
    let frame = ClientFrame::Submit {
        key,
        action: Action::ClientMessage { text },
    };
    Message::Text(frame.encode().into())
}

/// W1: the names of the staff line's specialists who answered, fetched as clients see them
/// (`GET /api/lines/{line}/specialists/{id}`); a failed fetch leaves the answer unnamed.
fn fetch_names(
    server: &Connector,
    help: &StaffHelpSession,
    conversation: &Arc<Mutex<Conversation>>,
) {
    for specialist in lock(conversation).names_wanted() {
        let (server, token, conversation) =
            (server.clone(), help.token.clone(), conversation.clone());
        let path = format!("/api/lines/{}/specialists/{specialist}", help.line);
        tokio::spawn(async move {
            let Ok((200, body)) = linedesk_engine::get_with_token(&server, &token, &path).await
            else {
                return;
            };
            if let Ok(card) = serde_json::from_slice::<SpecialistCard>(&body) {
                lock(&conversation).named(specialist, card.name);
            }
        });
    }
}

async fn session(
    server: &Connector,
    help: &StaffHelpSession,
    conversation: &Arc<Mutex<Conversation>>,
    sends: &mut mpsc::UnboundedReceiver<(String, String)>,
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
    let (after, unsent) = {
        let c = lock(conversation);
        (c.cursor, c.unsent())
    };
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
    for (key, text) in unsent {
        if sink.send(submit(key, text)).await.is_err() {
            return Ended::Broken;
        }
    }
    loop {
        tokio::select! {
            message = stream.next() => match message {
                Some(Ok(Message::Text(text))) => match ServerFrame::decode(text.as_str()) {
                    Ok(ServerFrame::Error { code: ErrorCode::Unauthenticated, .. }) => {
                        return Ended::Stop;
                    }
                    Ok(frame) => {
                        lock(conversation).apply(frame);
                        fetch_names(server, help, conversation);
                    }
                    // A frame this build cannot read is skipped (its event stays unseen).
                    Err(_) => {}
                },
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return Ended::Broken,
                Some(Ok(_)) => {}
            },
            send = sends.recv() => match send {
                Some((key, text)) => {
                    if sink.send(submit(key, text)).await.is_err() {
                        return Ended::Broken;
                    }
                }
                None => return Ended::Stop,
            },
        }
    }
}
