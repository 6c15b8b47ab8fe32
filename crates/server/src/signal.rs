//! The WebRTC signalling of calls (SDP offer and answer, ICE candidates, hold) and of remote
//! sessions (the screen's data channel), relayed in memory from one party to the other's live
//! sessions. It is transport chatter: never written to the line's log, and lost when the other
//! party has no session (the app re-offers).
//!
//! Several servers of one database (issue 17): each signal is also handed to the storage
//! ([`crate::storage::Storage::send_signal`], PostgreSQL's NOTIFY), and every server gives what
//! the others sent to its own sessions ([`follow_other_servers`]): the other party may be
//! connected to any of them.

use std::sync::Arc;

use linedesk_protocol::{ErrorCode, Role, SignalKind, SignalPayload};
use serde::{Deserialize, Serialize};

use crate::context::Server;
use crate::storage::{CallStage, RemoteStage, Subject};

/// What a relayed signal belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Call(u64),
    Remote(u64),
}

/// One signal on its way to `to`'s sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relayed {
    pub to: Subject,
    pub channel: Channel,
    pub from: Role,
    pub payload: SignalPayload,
}

/// Why a signal was refused: the wire's code and a message.
pub type Refused = (ErrorCode, String);

fn internal(err: impl std::fmt::Display) -> Refused {
    (ErrorCode::Internal, err.to_string())
}

/// Relay `payload` of `from` to the other party of `call`. Only the call's two parties may
/// signal, and only while both are known and it has not ended.
pub async fn relay(
    server: &Server,
    from: Subject,
    call: u64,
    payload: SignalPayload,
) -> Result<(), Refused> {
    payload
        .check_for(SignalKind::Call)
        .map_err(|why| (ErrorCode::Invalid, why))?;
    let storage = server.storage.clone();
    let record = match tokio::task::spawn_blocking(move || storage.call(call)).await {
        Ok(Ok(Some(record))) => record,
        Ok(Ok(None)) => return Err((ErrorCode::Invalid, format!("no call {call}"))),
        Ok(Err(err)) => return Err(internal(err)),
        Err(err) => return Err(internal(err)),
    };
    if !record.is_party(from) {
        return Err((
            ErrorCode::Forbidden,
            format!("you are not a party of call {call}"),
        ));
    }
    if record.stage == CallStage::Ended {
        return Err((ErrorCode::OutOfOrder, format!("call {call} has ended")));
    }
    let Some(to) = record.other(from) else {
        return Err((
            ErrorCode::OutOfOrder,
            format!("call {call} rings the line: nobody to signal until it is answered"),
        ));
    };
    send(
        server,
        Relayed {
            to,
            channel: Channel::Call(call),
            from: from.role,
            payload,
        },
    )
    .await
}

/// Relay `payload` of `from` to the other party of remote `session` (V2). Only its two
/// parties may signal, and only once it has started: nothing of the client's screen can be
/// negotiated before the client accepted or the password matched.
pub async fn relay_remote(
    server: &Server,
    from: Subject,
    session: u64,
    payload: SignalPayload,
) -> Result<(), Refused> {
    payload
        .check_for(SignalKind::Remote)
        .map_err(|why| (ErrorCode::Invalid, why))?;
    let storage = server.storage.clone();
    let record = match tokio::task::spawn_blocking(move || storage.remote_session(session)).await {
        Ok(Ok(Some(record))) => record,
        Ok(Ok(None)) => {
            return Err((ErrorCode::Invalid, format!("no remote session {session}")));
        }
        Ok(Err(err)) => return Err(internal(err)),
        Err(err) => return Err(internal(err)),
    };
    let Some(to) = record.other(from) else {
        return Err((
            ErrorCode::Forbidden,
            format!("you are not a party of remote session {session}"),
        ));
    };
    match record.stage {
        RemoteStage::Started => {}
        RemoteStage::Requested => {
            return Err((
                ErrorCode::OutOfOrder,
                format!("remote session {session} has not started: the client has not accepted"),
            ));
        }
        RemoteStage::Ended => {
            return Err((
                ErrorCode::OutOfOrder,
                format!("remote session {session} has ended"),
            ));
        }
    }
    send(
        server,
        Relayed {
            to,
            channel: Channel::Remote(session),
            from: from.role,
            payload,
        },
    )
    .await
}

/// A relayed signal as it crosses to another server (JSON in a notification).
#[derive(Debug, Serialize, Deserialize)]
struct Crossing {
    to_role: Role,
    to: u64,
    channel: Channel,
    from: Role,
    payload: SignalPayload,
}

impl Crossing {
    fn of(signal: &Relayed) -> Crossing {
        Crossing {
            to_role: signal.to.role,
            to: signal.to.id,
            channel: signal.channel,
            from: signal.from,
            payload: signal.payload.clone(),
        }
    }

    fn relayed(self) -> Relayed {
        Relayed {
            to: Subject {
                role: self.to_role,
                id: self.to,
            },
            channel: self.channel,
            from: self.from,
            payload: self.payload,
        }
    }
}

/// Hand `signal` to this server's sessions and to the other servers of the database. A failed
/// relay to the others is logged, not refused: this server's sessions had it, and signalling
/// is best effort (the call set-up times out and is placed again).
async fn send(server: &Server, signal: Relayed) -> Result<(), Refused> {
    let body = server
        .crosses_servers
        .then(|| serde_json::to_string(&Crossing::of(&signal)))
        .transpose()
        .map_err(internal)?;
    server.hub.relay(signal);
    let Some(body) = body else {
        return Ok(());
    };
    let storage = server.storage.clone();
    match tokio::task::spawn_blocking(move || storage.send_signal(&body)).await {
        Ok(Ok(())) => {}
        Ok(Err(err)) => tracing::warn!(error = %err, "relaying a signal to the other servers"),
        Err(err) => tracing::warn!(error = %err, "relaying a signal to the other servers"),
    }
    Ok(())
}

/// Give the signals the other servers of the database send ([`crate::storage::Storage::signals`])
/// to this server's sessions, for as long as the server lives. Nothing when it is alone.
pub fn follow_other_servers(server: &Arc<Server>) {
    let Some(mut signals) = server.storage.signals() else {
        return;
    };
    let weak = Arc::downgrade(server);
    tokio::spawn(async move {
        loop {
            let body = match signals.recv().await {
                Ok(body) => body,
                // Best effort, as within one server: the call set-up times out and is placed
                // again.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            };
            let Some(server) = weak.upgrade() else {
                return;
            };
            match serde_json::from_str::<Crossing>(&body) {
                Ok(crossing) => server.hub.relay(crossing.relayed()),
                Err(err) => tracing::warn!(error = %err, "a signal from another server"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_crosses_to_another_server_as_it_was() {
        let signal = Relayed {
            to: Subject::client(7),
            channel: Channel::Remote(3),
            from: Role::Specialist,
            payload: SignalPayload::Offer {
                sdp: "v=0\r\n".into(),
            },
        };
        let body = serde_json::to_string(&Crossing::of(&signal)).expect("encode");
        let back: Crossing = serde_json::from_str(&body).expect("decode");
        assert_eq!(back.relayed(), signal);
    }
}
