//! Closing a recording that was interrupted (the app crashed or was killed mid-call).
//!
//! [`crate::recording::Recorder`] ends an Ogg page every half second and hands it to the file
//! at once, so a killed writer leaves a file whose pages are whole up to the last half second,
//! then perhaps a partial page. [`close`] (and [`plan`], its pure core) keeps every page up to
//! the last one that is whole (its CRC right, its sequence number next, the stream's serial)
//! and ends on a packet boundary, cuts what follows, and appends one end-of-stream page: a
//! silent frame (flushing the decoder's pre-skip, as [`crate::recording::Recorder::finish`]
//! does) whose granule position makes the file decode to exactly the frames of the pages
//! kept. The result is a complete Ogg Opus stream any player (and the line server's upload
//! check) takes. A file that already ends in an end-of-stream page is left as it is.

use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::Duration;

use crate::VoiceError;
use crate::codec::{FRAME_SAMPLES, SAMPLE_RATE};

/// What [`close`] did to a recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed {
    /// The recording's length now.
    pub duration: Duration,
    /// Bytes kept from what was on disk.
    pub kept: u64,
    /// Bytes cut off the end (a partial page, or anything after a last page).
    pub cut: u64,
    /// The file already ended properly: nothing was appended.
    pub was_complete: bool,
}

/// How to close a recording's bytes: keep the first `keep` bytes, then append `tail`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub keep: usize,
    /// The end-of-stream page to append (`None`: the stream is already complete).
    pub tail: Option<Vec<u8>>,
    /// Samples (48 kHz) the closed file decodes to.
    pub samples: u64,
}

/// One whole page found in the bytes.
struct Page {
    end: usize,
    serial: u32,
    sequence: u32,
    granule: u64,
    eos: bool,
    /// The page's last packet ends on it (its last lacing value is below 255).
    ends_packet: bool,
}

const HEADER: usize = 27;
const EOS_FLAG: u8 = 0x04;

/// The whole, checked page at `at`, or `None` (partial, damaged, not a page).
fn page_at(bytes: &[u8], at: usize) -> Option<Page> {
    let header = bytes.get(at..at.checked_add(HEADER)?)?;
    if &header[..4] != b"OggS" || header[4] != 0 {
        return None;
    }
    let segments = usize::from(header[26]);
    let table = bytes.get(at + HEADER..at + HEADER + segments)?;
    let body: usize = table.iter().map(|&l| usize::from(l)).sum();
    let end = at + HEADER + segments + body;
    let page = bytes.get(at..end)?;
    let stored = u32::from_le_bytes([header[22], header[23], header[24], header[25]]);
    if crc(page, true) != stored {
        return None;
    }
    let word = |from: usize| {
        u32::from_le_bytes([
            header[from],
            header[from + 1],
            header[from + 2],
            header[from + 3],
        ])
    };
    let mut granule = [0u8; 8];
    granule.copy_from_slice(&header[6..14]);
    Some(Page {
        end,
        serial: word(14),
        sequence: word(18),
        granule: u64::from_le_bytes(granule),
        eos: header[5] & EOS_FLAG != 0,
        ends_packet: table.last().is_some_and(|&l| l < 255),
    })
}

/// How to close the recording held in `bytes` (see the module's description). Refused only
/// when the headers themselves are not whole: then there is no stream to close.
pub fn plan(bytes: &[u8]) -> Result<Plan, VoiceError> {
    let first = page_at(bytes, 0).ok_or(VoiceError::BadRecording("no whole first page"))?;
    let head = &bytes[HEADER + usize::from(bytes[26])..first.end];
    if head.len() < 19 || &head[..8] != b"OpusHead" {
        return Err(VoiceError::BadRecording("no OpusHead"));
    }
    let pre_skip = u64::from(u16::from_le_bytes([head[10], head[11]]));
    let (serial, mut sequence) = (first.serial, first.sequence);
    let mut pages = 1u32;
    // The last page that ends on a packet boundary: where the stream can be cut.
    let mut cut = (first.end, first.granule, first.sequence);
    let mut at = first.end;
    while let Some(page) = page_at(bytes, at) {
        if page.serial != serial || page.sequence != sequence.wrapping_add(1) {
            break;
        }
        sequence = page.sequence;
        pages += 1;
        at = page.end;
        if page.eos {
            let samples = page.granule.saturating_sub(pre_skip);
            return Ok(Plan {
                keep: page.end,
                tail: None,
                samples,
            });
        }
        if page.ends_packet && page.granule != u64::MAX {
            cut = (page.end, page.granule, page.sequence);
        }
    }
    if pages < 2 {
        return Err(VoiceError::BadRecording("no whole OpusTags page"));
    }
    let (keep, granule, kept_sequence) = cut;
    // The frames kept decode to `granule` samples less the pre-skip; one more (silent) packet
    // brings out the last pre-skip samples the encoder held back.
    let last = granule + pre_skip;
    let tail = eos_page(
        serial,
        kept_sequence.wrapping_add(1),
        last,
        &silent_packet(head)?,
    );
    Ok(Plan {
        keep,
        tail: Some(tail),
        samples: granule,
    })
}

/// One 20 ms frame of silence for the stream `head` describes.
fn silent_packet(head: &[u8]) -> Result<Vec<u8>, VoiceError> {
    if head.len() < 21 + usize::from(head[9]) || head[18] != 1 {
        return Err(VoiceError::BadRecording("not a family-1 OpusHead"));
    }
    let (channels, streams, coupled) = (head[9], head[19], head[20]);
    let mapping = &head[21..21 + usize::from(channels)];
    let mut encoder = opus::MSEncoder::new(
        SAMPLE_RATE,
        streams,
        coupled,
        mapping,
        opus::Application::Voip,
    )?;
    let pcm = vec![0.0f32; FRAME_SAMPLES * usize::from(channels)];
    let mut packet = vec![0u8; 4000 * usize::from(streams.max(1))];
    let n = encoder.encode_float(&pcm, &mut packet)?;
    packet.truncate(n);
    Ok(packet)
}

/// An Ogg page holding one whole `packet`, flagged end of stream.
fn eos_page(serial: u32, sequence: u32, granule: u64, packet: &[u8]) -> Vec<u8> {
    let mut lacing = vec![255u8; packet.len() / 255];
    lacing.push((packet.len() % 255) as u8);
    let mut page = Vec::with_capacity(HEADER + lacing.len() + packet.len());
    page.extend_from_slice(b"OggS");
    page.push(0);
    page.push(EOS_FLAG);
    page.extend_from_slice(&granule.to_le_bytes());
    page.extend_from_slice(&serial.to_le_bytes());
    page.extend_from_slice(&sequence.to_le_bytes());
    page.extend_from_slice(&[0; 4]);
    page.push(lacing.len() as u8);
    page.extend_from_slice(&lacing);
    page.extend_from_slice(packet);
    let sum = crc(&page, false);
    page[22..26].copy_from_slice(&sum.to_le_bytes());
    page
}

/// Close the interrupted recording at `path` in place (see the module's description) and
/// make it durable. Closing a closed file changes nothing.
pub fn close(path: &Path) -> Result<Closed, VoiceError> {
    let io = |source| VoiceError::Io {
        path: path.into(),
        source,
    };
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(io)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(io)?;
    let plan = plan(&bytes)?;
    let on_disk = bytes.len() as u64;
    let kept = plan.keep as u64;
    if plan.tail.is_some() || kept != on_disk {
        file.set_len(kept).map_err(io)?;
        if let Some(tail) = &plan.tail {
            file.seek(SeekFrom::Start(kept)).map_err(io)?;
            file.write_all(tail).map_err(io)?;
        }
        file.sync_all().map_err(io)?;
    }
    Ok(Closed {
        duration: Duration::from_secs_f64(plan.samples as f64 / f64::from(SAMPLE_RATE)),
        kept,
        cut: on_disk - kept,
        was_complete: plan.tail.is_none(),
    })
}

/// Ogg's CRC-32 (polynomial 0x04c11db7, not reflected, initial value 0) of `page`, its
/// checksum field read as zeros when `skip_field`.
fn crc(page: &[u8], skip_field: bool) -> u32 {
    let mut sum = 0u32;
    for (i, &byte) in page.iter().enumerate() {
        let byte = if skip_field && (22..26).contains(&i) {
            0
        } else {
            byte
        };
        sum = (sum << 8) ^ CRC_TABLE[usize::from((sum >> 24) as u8 ^ byte)];
    }
    sum
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut r = (i as u32) << 24;
        let mut bit = 0;
        while bit < 8 {
            r = if r & 0x8000_0000 != 0 {
                (r << 1) ^ 0x04c1_1db7
            } else {
                r << 1
            };
            bit += 1;
        }
        table[i] = r;
        i += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crc_is_oggs() {
        // The second page the `ogg` crate wrote (the first is flagged "begins the stream")
        // checks with this CRC, and ours is the same page bit for bit.
        let mut out = Vec::new();
        {
            let mut w = ogg::PacketWriter::new(&mut out);
            w.write_packet(vec![9], 7, ogg::PacketWriteEndInfo::EndPage, 0)
                .expect("write");
            w.write_packet(vec![1, 2, 3], 7, ogg::PacketWriteEndInfo::EndStream, 5)
                .expect("write");
        }
        let first = page_at(&out, 0).expect("a whole first page");
        let page = page_at(&out, first.end).expect("a whole second page");
        assert!(page.eos && page.ends_packet);
        assert_eq!((page.serial, page.granule, page.end), (7, 5, out.len()));
        let ours = eos_page(7, page.sequence, 5, &[1, 2, 3]);
        let out = out[first.end..].to_vec();
        assert_eq!(ours, out, "the same page, bit for bit");
    }
}
