//! Frames of the server this app cannot read: larger than [`linedesk_protocol::MAX_FRAME_BYTES`]
//! (a log written before the limits of issue 12, or by a bug) or not of this protocol (a newer
//! server's event). Treating one as fatal would reconnect from the same cursor, get the same
//! frame and stall the line and the outbox for good; so it is skipped and reported instead:
//!
//! - the session goes on: the outbox keeps draining, other lines keep syncing;
//! - an event whose `line` and `seq` can be read from the raw JSON, and that is the line's
//!   next one, moves that line's cursor past it (the store keeps nothing of it): the line
//!   goes on and a reconnect does not fetch it again. The event stays in the server's log;
//!   an app that can read it gets it by syncing the line from the start;
//! - each one is logged (`tracing`, with line, sequence, size and why) and counted in
//!   [`crate::SyncHandle::unreadable`], which the app shows.

use linedesk_protocol::DecodeError;
use serde::Serialize;

/// One frame that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnreadableFrame {
    /// The line and sequence number of the event, when the raw JSON says.
    pub line: Option<u64>,
    pub seq: Option<u64>,
    /// The frame's size in bytes.
    pub bytes: usize,
    /// Why it could not be read.
    pub reason: String,
    /// The line's cursor moved past it (it was the line's next event).
    pub cursor_moved: bool,
}

/// What the sync skipped since it started.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Unreadable {
    pub count: u64,
    /// The latest one.
    pub last: Option<UnreadableFrame>,
}

/// What can be read of an undecodable frame.
pub(crate) fn inspect(text: &str, error: &DecodeError) -> UnreadableFrame {
    let position = linedesk_protocol::event_position(text);
    UnreadableFrame {
        line: position.map(|(line, _)| line),
        seq: position.map(|(_, seq)| seq),
        bytes: text.len(),
        reason: error.to_string(),
        cursor_moved: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linedesk_protocol::ServerFrame;

    fn inspected(text: &str) -> UnreadableFrame {
        let error = ServerFrame::decode(text).expect_err("unreadable");
        inspect(text, &error)
    }

    #[test]
    fn the_line_and_sequence_are_read_from_an_oversized_or_unknown_event() {
        let big = format!(
            r#"{{"type":"event","line":3,"seq":41,"at_ms":0,"event":{{"kind":"line_named","name":"{}"}}}}"#,
            "x".repeat(linedesk_protocol::MAX_FRAME_BYTES)
        );
        let frame = inspected(&big);
        assert_eq!((frame.line, frame.seq), (Some(3), Some(41)));
        assert!(frame.reason.contains("larger"), "{}", frame.reason);
        let future = r#"{"type":"event","line":2,"seq":7,"at_ms":0,"event":{"kind":"hologram"}}"#;
        assert_eq!(
            (inspected(future).line, inspected(future).seq),
            (Some(2), Some(7))
        );
    }

    #[test]
    fn anything_else_is_reported_without_a_line() {
        for text in [
            "not json",
            r#"{"type":"teleport","line":1,"seq":2}"#,
            r#"{"type":"event","line":-1,"seq":2}"#,
        ] {
            let frame = inspected(text);
            assert_eq!((frame.line, frame.seq), (None, None), "{text}");
            assert_eq!(frame.bytes, text.len());
        }
    }
}
