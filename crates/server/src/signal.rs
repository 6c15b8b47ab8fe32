//! The WebRTC signalling of calls (SDP offer and answer, ICE candidates, hold) and of remote
//! sessions (the screen's data channel), relayed in memory from one party to the other's live
//! sessions. It is transport chatter: never written to the line's log, and lost when the other
//! party has no session (the app re-offers).

use linedesk_protocol::{ErrorCode, Role, SignalKind, SignalPayload};

use crate::context::Server;
use crate::storage::{CallStage, RemoteStage, Subject};

/// What a relayed signal belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    server.hub.relay(Relayed {
        to,
        channel: Channel::Call(call),
        from: from.role,
        payload,
    });
    Ok(())
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
    server.hub.relay(Relayed {
        to,
        channel: Channel::Remote(session),
        from: from.role,
        payload,
    });
    Ok(())
}
