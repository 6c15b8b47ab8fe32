//! The WebRTC signalling of calls (SDP offer and answer, ICE candidates, hold), relayed in
//! memory from one party of a call to the other's live sessions. It is transport chatter: never
//! written to the line's log, and lost when the other party has no session (the app re-offers).

use linedesk_protocol::{ErrorCode, Role, SignalPayload};

use crate::app::Server;
use crate::storage::{CallStage, Subject};

/// One signal on its way to `to`'s sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relayed {
    pub to: Subject,
    pub call: u64,
    pub from: Role,
    pub payload: SignalPayload,
}

/// Why a signal was refused: the wire's code and a message.
pub type Refused = (ErrorCode, String);

/// Relay `payload` of `from` to the other party of `call`. Only the call's two parties may
/// signal, and only while both are known and it has not ended.
pub async fn relay(
    server: &Server,
    from: Subject,
    call: u64,
    payload: SignalPayload,
) -> Result<(), Refused> {
    payload.check().map_err(|why| (ErrorCode::Invalid, why))?;
    let storage = server.storage.clone();
    let record = match tokio::task::spawn_blocking(move || storage.call(call)).await {
        Ok(Ok(Some(record))) => record,
        Ok(Ok(None)) => return Err((ErrorCode::Invalid, format!("no call {call}"))),
        Ok(Err(err)) => return Err((ErrorCode::Internal, err.to_string())),
        Err(err) => return Err((ErrorCode::Internal, err.to_string())),
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
        call,
        from: from.role,
        payload,
    });
    Ok(())
}
