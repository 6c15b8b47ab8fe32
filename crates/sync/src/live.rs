//! What goes through the sync session as it happens rather than through the outbox: placing or
//! answering a call and its WebRTC signals, asking for, answering and ending a remote session
//! (V2) and its signals (an action that makes no sense later must not wait in a queue), and
//! what comes back (signals, call and remote session events, refusals).

use linedesk_protocol::{Action, ErrorCode, Event, Role, SignalPayload};
use tokio::sync::oneshot;

/// A request of the app to the connected session.
#[derive(Debug)]
pub enum LiveRequest {
    /// Do `action` now; the answer is the idempotency key it was sent with (events it caused
    /// may carry it, e.g. `CallRinging`), or why it was not done.
    Submit {
        action: Action,
        reply: oneshot::Sender<Result<String, LiveError>>,
    },
    /// Relay a signal to the other party of `call`.
    Signal { call: u64, payload: SignalPayload },
    /// Relay a signal to the other party of remote `session` (refused by the server, as an
    /// [`Incoming::Refused`], until the session has started).
    RemoteSignal {
        session: u64,
        payload: SignalPayload,
    },
}

/// What the session heard that the app's call handling needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    Signal {
        call: u64,
        from: Role,
        payload: SignalPayload,
    },
    /// A signal of the other party of remote `session` (V2).
    RemoteSignal {
        session: u64,
        from: Role,
        payload: SignalPayload,
    },
    /// An event of `line` as it happens (replayed history is not repeated here): calls
    /// ringing, new appeals, messages, SLA alerts, for notifications. `me` is the signed-in
    /// specialist's id on the server.
    Event { line: u64, event: Event, me: u64 },
    /// The server refused a frame that carried no idempotency key (a signal, a subscription).
    Refused { code: ErrorCode, message: String },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LiveError {
    #[error("not connected to the line server")]
    Offline,
    /// `rule`: the line's rule that refused it (a domain code such as `appeal.not_holder`).
    #[error("the server refused: {message}")]
    Refused {
        code: ErrorCode,
        message: String,
        rule: Option<String>,
    },
    #[error("the connection dropped before the server answered")]
    Dropped,
}

/// An outbox action the server refused for good, as the server said it: the code, the line's
/// rule that refused it (a domain code such as `ticket.illegal_transition`, which the app
/// translates as `rule.<code>`) and the field at fault (`too_long`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The outbox item's id (the store keeps it as failed with the message).
    pub outbox_id: i64,
    pub code: ErrorCode,
    pub rule: Option<String>,
    pub field: Option<String>,
    pub message: String,
}
