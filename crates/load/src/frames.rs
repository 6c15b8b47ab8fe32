//! A specialist session's socket read as raw WebSocket frames, as cheaply as the measure
//! allows.
//!
//! A specialist session receives every event of its line, about a hundred frames for each
//! client message, and the generator shares the machine with the server it measures: going
//! through `tokio-tungstenite` cost it a message (a copied, UTF-8-checked payload) and a
//! zeroed read buffer per frame, a quarter of its CPU. After the handshake a specialist
//! session reads its socket itself: [`Frames`] finds the frames' boundaries in what was read
//! (tungstenite's own header parser), the session answers pings (the server drops a silent
//! peer) and stops at a close; the line's watcher looks for the clients' messages it times
//! with [`sent_at`] instead of decoding every frame. What reaches the socket, and when it is
//! read, is the same as before: every frame is read as soon as it arrives.

use std::io::Cursor;

use tokio_tungstenite::tungstenite::Bytes;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Control, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::{Frame, FrameHeader};

/// The largest frame accepted (the protocol's frames are at most 64 KiB).
pub const MAX_FRAME: usize = 1 << 20;

/// A complete frame in the read buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Seen<'a> {
    Text(&'a [u8]),
    Ping(&'a [u8]),
    Close,
    Other,
}

/// What the socket delivered that no complete frame used yet, and room for the next read.
pub struct Frames {
    buf: Vec<u8>,
    /// Bytes of `buf` holding data; the first `start` of them are consumed frames.
    filled: usize,
    start: usize,
}

/// The stream is not WebSocket frames as the server sends them.
#[derive(Debug, PartialEq, Eq)]
pub struct Garbled;

impl Frames {
    pub fn new(capacity: usize) -> Frames {
        Frames {
            buf: vec![0; capacity.max(16)],
            filled: 0,
            start: 0,
        }
    }

    /// Where the next read goes: after the data kept, the consumed frames moved out of the
    /// way (and the buffer doubled when a frame does not fit).
    pub fn spare(&mut self) -> &mut [u8] {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.filled, 0);
            self.filled -= self.start;
            self.start = 0;
        }
        if self.filled == self.buf.len() {
            let grown = (self.buf.len() * 2).min(MAX_FRAME + 16);
            self.buf.resize(grown, 0);
        }
        &mut self.buf[self.filled..]
    }

    /// `n` bytes were read into [`Frames::spare`].
    pub fn read(&mut self, n: usize) {
        self.filled = (self.filled + n).min(self.buf.len());
    }

    /// The next complete frame, `None` until more is read.
    pub fn next_frame(&mut self) -> Result<Option<Seen<'_>>, Garbled> {
        let available = &self.buf[self.start..self.filled];
        let mut cursor = Cursor::new(available);
        let (header, length) = match FrameHeader::parse(&mut cursor) {
            Ok(Some(parsed)) => parsed,
            Ok(None) => return Ok(None),
            Err(_) => return Err(Garbled),
        };
        let length = usize::try_from(length).map_err(|_| Garbled)?;
        // A server never masks its frames.
        if length > MAX_FRAME || header.mask.is_some() {
            return Err(Garbled);
        }
        let from = usize::try_from(cursor.position()).map_err(|_| Garbled)?;
        let Some(payload) = available.get(from..from + length) else {
            return Ok(None);
        };
        self.start += from + length;
        Ok(Some(match header.opcode {
            OpCode::Data(Data::Text) => Seen::Text(payload),
            OpCode::Control(Control::Ping) => Seen::Ping(payload),
            OpCode::Control(Control::Close) => Seen::Close,
            _ => Seen::Other,
        }))
    }
}

/// The frame answering a ping with `payload`, masked as a client's frames must be.
pub fn pong(payload: &[u8], mask: [u8; 4]) -> Vec<u8> {
    let mut frame = Frame::pong(Bytes::copy_from_slice(payload));
    frame.header_mut().mask = Some(mask);
    let mut out = Vec::with_capacity(payload.len() + 6);
    // Writing to a Vec cannot fail.
    let _ = frame.format(&mut out);
    out
}

/// What marks a message event (the tag of `Event`).
const MESSAGE: &[u8] = br#""kind":"message_posted""#;
/// What marks a client's message (a specialist's carries their id here).
const FROM_CLIENT: &[u8] = br#""from_specialist":null"#;
/// The text of a message the generator sent: `t:` and the send time in microseconds.
const TIMED_TEXT: &[u8] = br#""text":"t:"#;

/// When a client sent the message this `ServerFrame` carries, if it is a `MessagePosted`
/// event from a client whose text is the generator's `t:<micros>` (what the watcher times):
/// the same answer as decoding the frame, found by looking for three fields only: a field's
/// name cannot occur inside a JSON string (its quotes would be escaped), and a
/// `MessagePosted` has one `from_specialist` and one `text`.
pub fn sent_at(frame: &[u8]) -> Option<u64> {
    find(frame, MESSAGE)?;
    find(frame, FROM_CLIENT)?;
    let at = find(frame, TIMED_TEXT)? + TIMED_TEXT.len();
    let rest = &frame[at..];
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || rest.get(digits) != Some(&b'"') {
        return None;
    }
    std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests;
