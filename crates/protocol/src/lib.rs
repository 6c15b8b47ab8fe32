//! The wire protocol between the Linedesk app and the line server.
//!
//! JSON text frames over one WebSocket per session. The client opens with [`ClientFrame::Hello`]
//! (protocol version and the token from `POST /api/login`); nothing else is accepted before it.
//! Then it subscribes to lines from a cursor (the last event sequence number it has) and the
//! server replays everything after the cursor, says [`ServerFrame::CaughtUp`], and streams new
//! events: no gap and no duplicate across reconnects. Actions carry an idempotency key; the
//! server writes them durably before the [`ServerFrame::Ack`], and a resent key is acknowledged
//! again as a duplicate without being applied twice.

use linedesk_domain::presence::PresenceStatus;
use serde::{Deserialize, Serialize};

/// Bumped on any incompatible change of the frames below.
pub const PROTOCOL_VERSION: u16 = 1;

/// Largest frame either side accepts, in bytes.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// Longest chat message, in characters (the app's store has the same limit).
pub const MAX_MESSAGE_CHARS: usize = 10_000;

/// Longest idempotency key, in bytes.
pub const MAX_KEY_BYTES: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    Hello {
        version: u16,
        token: String,
    },
    /// Events of `line` with a sequence number greater than `after` (0: from the start).
    Subscribe {
        line: u64,
        after: u64,
    },
    /// Do `action` once, whatever how often it is sent with the same `key`.
    Submit {
        key: String,
        action: Action,
    },
    Ping {
        id: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Specialist,
    /// A person served by a line: sees only their own conversation.
    Client,
    /// Sets up lines, specialists and clients over the HTTP admin API. Has no WebSocket
    /// session: a Hello with an admin's token is refused with [`ErrorCode::Forbidden`].
    Admin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// A specialist's message to a client of a line.
    SendMessage {
        line: u64,
        client: u64,
        text: String,
    },
    SetPresence {
        status: PresenceStatus,
    },
    /// A client writes to their line: opens an appeal when none is open (A1).
    ClientMessage {
        text: String,
    },
    /// A specialist takes a queued appeal by hand (A2); of two takers exactly one wins.
    TakeAppeal {
        appeal: u64,
    },
    /// The holder finishes the appeal with a result (A4).
    FinishAppeal {
        appeal: u64,
        result: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// `role` says who signed in; `id` is the specialist's or the client's id.
    Welcome {
        version: u16,
        role: Role,
        id: u64,
        lines: Vec<u64>,
    },
    Event {
        line: u64,
        seq: u64,
        at_ms: i64,
        event: Event,
    },
    /// The replay of `line` reached the present: what follows is live.
    CaughtUp {
        line: u64,
        seq: u64,
    },
    /// `key` is durably done; `duplicate` when it had been done before.
    Ack {
        key: String,
        duplicate: bool,
    },
    Error {
        code: ErrorCode,
        message: String,
        key: Option<String>,
    },
    Pong {
        id: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    MessagePosted {
        client: u64,
        from_specialist: Option<u64>,
        text: String,
        #[serde(default)]
        appeal: Option<u64>,
    },
    PresenceChanged {
        specialist: u64,
        status: PresenceStatus,
    },
    AppealOpened {
        appeal: u64,
        client: u64,
    },
    AppealAssigned {
        appeal: u64,
        client: u64,
        specialist: u64,
    },
    AppealQueued {
        appeal: u64,
        client: u64,
    },
    AppealFinished {
        appeal: u64,
        client: u64,
        result: String,
    },
}

impl Event {
    /// The client the event is about, if any: a client's session sees only its own.
    pub fn client(&self) -> Option<u64> {
        match self {
            Event::MessagePosted { client, .. }
            | Event::AppealOpened { client, .. }
            | Event::AppealAssigned { client, .. }
            | Event::AppealQueued { client, .. }
            | Event::AppealFinished { client, .. } => Some(*client),
            Event::PresenceChanged { .. } => None,
        }
    }
}

/// Stable error codes of the wire: the app switches on them and translates them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Not JSON, or not a frame of this protocol.
    BadFrame,
    TooLarge,
    /// No valid Hello yet, or a bad, expired or revoked token. A live session whose token is
    /// revoked gets this error and is closed.
    Unauthenticated,
    /// The line is not one this specialist serves.
    Forbidden,
    UnsupportedVersion,
    /// Too many frames, or (HTTP 429 on `POST /api/login`) too many failed logins: wait.
    RateLimited,
    /// A well-formed action with bad content (empty text, unknown client, ...).
    Invalid,
    /// A frame that makes no sense now (a second Hello, ...).
    OutOfOrder,
    /// Someone else got there first (an appeal already taken).
    Conflict,
    Internal,
}

#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("frame of {0} bytes is larger than {MAX_FRAME_BYTES}")]
    TooLarge(usize),
    #[error("not a frame: {0}")]
    Bad(#[from] serde_json::Error),
}

impl DecodeError {
    pub fn code(&self) -> ErrorCode {
        match self {
            DecodeError::TooLarge(_) => ErrorCode::TooLarge,
            DecodeError::Bad(_) => ErrorCode::BadFrame,
        }
    }
}

fn decode<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, DecodeError> {
    if text.len() > MAX_FRAME_BYTES {
        return Err(DecodeError::TooLarge(text.len()));
    }
    Ok(serde_json::from_str(text)?)
}

impl ClientFrame {
    pub fn decode(text: &str) -> Result<ClientFrame, DecodeError> {
        decode(text)
    }
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl ServerFrame {
    pub fn decode(text: &str) -> Result<ServerFrame, DecodeError> {
        decode(text)
    }
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
    pub fn error(code: ErrorCode, message: impl Into<String>, key: Option<String>) -> ServerFrame {
        ServerFrame::Error {
            code,
            message: message.into(),
            key,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_have_stable_tags() {
        let f = ClientFrame::Submit {
            key: "k1".into(),
            action: Action::SendMessage {
                line: 1,
                client: 2,
                text: "Привет".into(),
            },
        };
        let text = f.encode();
        assert!(
            text.contains("\"type\":\"submit\"") && text.contains("\"kind\":\"send_message\""),
            "{text}"
        );
        assert_eq!(ClientFrame::decode(&text).expect("decode"), f);
        let s = ServerFrame::error(ErrorCode::Forbidden, "no", None);
        assert_eq!(ServerFrame::decode(&s.encode()).expect("decode"), s);
    }

    #[test]
    fn garbage_and_oversized_frames_are_typed_errors() {
        for bad in [
            "",
            "{",
            "null",
            "[]",
            "{\"type\":\"launch\"}",
            "{\"type\":\"subscribe\",\"line\":-1,\"after\":0}",
        ] {
            let err = ClientFrame::decode(bad).expect_err(bad);
            assert_eq!(err.code(), ErrorCode::BadFrame, "{bad}");
        }
        let huge = format!(
            "{{\"type\":\"ping\",\"id\":1,\"pad\":\"{}\"}}",
            "x".repeat(MAX_FRAME_BYTES)
        );
        assert_eq!(
            ClientFrame::decode(&huge).expect_err("huge").code(),
            ErrorCode::TooLarge
        );
    }
}
