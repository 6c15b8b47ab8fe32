//! Frame updates larger than one data-channel message travel as numbered chunks; the viewer
//! puts them back together with a bounded [`Reassembler`].
//!
//! Chunk: `u8 kind (0) | u32 update seq | u16 index | u16 count | payload`, at most
//! [`CHUNK_BYTES`] in all: 16 KiB, the message size every WebRTC stack (browsers included)
//! delivers, although webrtc-rs negotiates 64 KiB.

use crate::error::RemoteError;
use crate::tiles::MAX_PIXELS;

/// Largest message put on the `screen` channel.
pub const CHUNK_BYTES: usize = 16 * 1024;
const HEADER: usize = 9;
const PAYLOAD: usize = CHUNK_BYTES - HEADER;
const KIND_CHUNK: u8 = 0;
/// The viewer's request for a keyframe, sent on the `screen` channel the other way.
pub(crate) const KEYFRAME_REQUEST: u8 = 0x10;
/// Largest encoded update: a raw screen of [`MAX_PIXELS`] plus tile headers.
const MAX_UPDATE_BYTES: usize = MAX_PIXELS * 4 + 1024 * 1024;
const MAX_CHUNKS: usize = MAX_UPDATE_BYTES / PAYLOAD + 1;

/// Split one encoded update, numbered `seq`, into chunks.
pub fn split(seq: u32, update: &[u8]) -> Vec<Vec<u8>> {
    let parts: Vec<&[u8]> = if update.is_empty() {
        vec![update]
    } else {
        update.chunks(PAYLOAD).collect()
    };
    let count = parts.len().min(usize::from(u16::MAX)) as u16;
    parts
        .into_iter()
        .take(usize::from(u16::MAX))
        .enumerate()
        .map(|(i, part)| {
            let mut out = Vec::with_capacity(HEADER + part.len());
            out.push(KIND_CHUNK);
            out.extend_from_slice(&seq.to_le_bytes());
            out.extend_from_slice(&(i as u16).to_le_bytes());
            out.extend_from_slice(&count.to_le_bytes());
            out.extend_from_slice(part);
            out
        })
        .collect()
}

/// Collects the chunks of one update at a time (the channel is ordered and reliable, so the
/// chunks of an update come in order and back to back).
#[derive(Default)]
pub struct Reassembler {
    seq: u32,
    next: u16,
    count: u16,
    buf: Vec<u8>,
}

impl Reassembler {
    /// Take one message; the whole update once its last chunk is in. A chunk out of order,
    /// of a bad size or past the limits is an error and drops the partial update.
    pub fn push(&mut self, msg: &[u8]) -> Result<Option<Vec<u8>>, RemoteError> {
        let result = self.take(msg);
        if result.is_err() {
            self.reset();
        }
        result
    }

    fn take(&mut self, msg: &[u8]) -> Result<Option<Vec<u8>>, RemoteError> {
        if msg.len() < HEADER || msg.len() > CHUNK_BYTES || msg[0] != KIND_CHUNK {
            return Err(RemoteError::BadUpdate("not a chunk"));
        }
        let seq = u32::from_le_bytes([msg[1], msg[2], msg[3], msg[4]]);
        let index = u16::from_le_bytes([msg[5], msg[6]]);
        let count = u16::from_le_bytes([msg[7], msg[8]]);
        let payload = &msg[HEADER..];
        if count == 0 || index >= count || usize::from(count) > MAX_CHUNKS {
            return Err(RemoteError::BadUpdate("chunk numbering"));
        }
        if index == 0 {
            // A new update; a partial one before it (a sender that gave up) is dropped.
            self.start(seq, count);
        } else if seq != self.seq || index != self.next || count != self.count {
            return Err(RemoteError::BadUpdate("chunk out of order"));
        }
        if index + 1 < count && payload.len() != PAYLOAD {
            return Err(RemoteError::BadUpdate("short chunk"));
        }
        self.buf.extend_from_slice(payload);
        self.next = index + 1;
        if self.next == self.count {
            let done = std::mem::take(&mut self.buf);
            self.reset();
            Ok(Some(done))
        } else {
            Ok(None)
        }
    }

    fn start(&mut self, seq: u32, count: u16) {
        self.seq = seq;
        self.count = count;
        self.next = 0;
        self.buf = Vec::with_capacity(PAYLOAD);
    }

    fn reset(&mut self) {
        self.next = 0;
        self.count = 0;
        self.buf = Vec::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_come_back_whole() {
        let update: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let mut r = Reassembler::default();
        let chunks = split(7, &update);
        assert_eq!(chunks.len(), update.len().div_ceil(PAYLOAD));
        let mut out = None;
        for c in &chunks {
            assert!(c.len() <= CHUNK_BYTES);
            out = r.push(c).expect("chunk");
        }
        assert_eq!(out, Some(update));
    }

    #[test]
    fn bad_chunks_are_refused_and_the_next_update_still_arrives() {
        let mut r = Reassembler::default();
        let a = split(1, &[5u8; 40_000]);
        r.push(&a[0]).expect("first");
        assert!(r.push(&a[2]).is_err(), "a skipped chunk");
        assert!(r.push(&[1, 2, 3]).is_err());
        assert!(r.push(&[0, 0, 0, 0, 0, 0, 0, 0, 0]).is_err(), "count 0");
        let b = split(2, b"hello");
        assert_eq!(r.push(&b[0]).expect("whole"), Some(b"hello".to_vec()));
    }
}
