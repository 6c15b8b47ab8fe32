//! Closing an interrupted recording: a file cut at any byte (the writer killed mid-call)
//! becomes a complete Ogg Opus stream of exactly the frames of its whole pages, decoding
//! sample for sample like the original up to there.

use std::f32::consts::PI;
use std::io::Cursor;
use std::time::Duration;

use linedesk_voice::codec::{FRAME_SAMPLES, Frame};
use linedesk_voice::recording::{self, PAGE_FRAMES, Recorder};
use linedesk_voice::recovery;

fn tone(freq: f32, frame: usize) -> Frame {
    let mut f = [0.0; FRAME_SAMPLES];
    for (i, s) in f.iter_mut().enumerate() {
        let t = (frame * FRAME_SAMPLES + i) as f32 / 48_000.0;
        *s = 0.4 * (2.0 * PI * freq * t).sin();
    }
    f
}

/// Four seconds written and never finished (the writer dies): the bytes and the file's length
/// after each frame.
fn interrupted() -> (Vec<u8>, Vec<usize>) {
    let mut rec = Recorder::new(Vec::new()).expect("recording");
    let mut sizes = Vec::new();
    for k in 0..200 {
        rec.write(Some(&tone(440.0, k)), Some(&tone(880.0, k)))
            .expect("recording");
        sizes.push(rec.get_ref().len());
    }
    (rec.get_ref().clone(), sizes)
}

fn closed(bytes: &[u8]) -> Vec<u8> {
    let plan = recovery::plan(bytes).expect("a plan");
    let mut out = bytes[..plan.keep].to_vec();
    out.extend(plan.tail.expect("an end to append"));
    out
}

/// Every byte of the headers and around each page's end, and a stride through the rest.
fn cuts(sizes: &[usize], len: usize) -> Vec<usize> {
    let mut cuts: Vec<usize> = (0..200).chain((0..len).step_by(53)).collect();
    for &end in sizes {
        cuts.extend(end.saturating_sub(3)..(end + 3).min(len + 1));
    }
    cuts.push(len);
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

#[test]
fn a_file_cut_at_any_byte_closes_at_its_last_whole_page() {
    let (bytes, sizes) = interrupted();
    let whole = recording::decode(Cursor::new(bytes.clone())).expect("the uncut file");
    assert!(!whole.complete, "never finished");
    let mut checked = 0;
    for cut in cuts(&sizes, bytes.len()) {
        // The frames of the pages that reached the file whole before the cut (the file only
        // grows when a page ends, every PAGE_FRAMES frames).
        let fed = (1..=sizes.len())
            .filter(|&k| (k as u64).is_multiple_of(PAGE_FRAMES) && sizes[k - 1] <= cut)
            .max()
            .unwrap_or(0);
        let part = &bytes[..cut];
        let plan = match recovery::plan(part) {
            Ok(plan) => plan,
            // Only a cut inside the two header pages leaves nothing to close.
            Err(e) => {
                assert_eq!(fed, 0, "cut at byte {cut} after {fed} frames: {e}");
                assert!(cut < sizes[0], "cut {cut} after the headers: {e}");
                continue;
            }
        };
        // Whole pages only: at most PAGE_FRAMES (0.5 s) lost, and the frames kept are
        // exactly those of the pages that were whole.
        assert_eq!(
            plan.samples,
            (fed * FRAME_SAMPLES) as u64,
            "cut at byte {cut}"
        );
        let file = closed(part);
        let d = recording::decode(Cursor::new(file.clone())).expect("the closed file decodes");
        assert!(
            d.complete,
            "cut at byte {cut}: the closed stream has its end"
        );
        assert_eq!(
            d.duration,
            Duration::from_millis(fed as u64 * 20),
            "cut {cut}"
        );
        // Sample for sample what the uncut file held for those frames.
        assert_eq!(d.specialist.len(), fed * FRAME_SAMPLES, "cut {cut}");
        // The encoder's lookahead (6.5 ms) of the last frame kept is the silent closing frame.
        let lookahead = 312;
        let same = d
            .specialist
            .len()
            .min(whole.specialist.len())
            .saturating_sub(lookahead);
        assert_eq!(d.specialist[..same], whole.specialist[..same], "cut {cut}");
        assert_eq!(d.client[..same], whole.client[..same], "cut {cut}");
        // Closing the closed file changes nothing.
        let again = recovery::plan(&file).expect("plan again");
        assert_eq!((again.keep, again.tail), (file.len(), None), "cut {cut}");
        checked += 1;
    }
    assert!(checked > 100, "{checked} cuts closed");
}

#[test]
fn a_finished_file_is_left_alone_and_a_closed_one_is_durable_on_disk() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("call.ogg");
    let mut rec = Recorder::create(&path).expect("create");
    for k in 0..60 {
        rec.write(Some(&tone(300.0, k)), None).expect("write");
    }
    rec.finish().expect("finish");
    let before = std::fs::read(&path).expect("read");
    let done = recovery::close(&path).expect("close");
    assert!(done.was_complete);
    assert_eq!((done.cut, done.duration), (0, Duration::from_millis(1200)));
    assert_eq!(std::fs::read(&path).expect("read"), before);

    // Killed: the recorder is forgotten without finishing, the last page half written.
    let mut rec = Recorder::create(&path).expect("create");
    for k in 0..90 {
        rec.write(Some(&tone(300.0, k)), Some(&tone(500.0, k)))
            .expect("write");
    }
    drop(rec);
    let mut bytes = std::fs::read(&path).expect("read");
    bytes.extend_from_slice(b"OggS\0\0 half a page");
    std::fs::write(&path, &bytes).expect("write");
    let done = recovery::close(&path).expect("close");
    assert!(!done.was_complete);
    // 90 frames: three whole pages of 25 (1.5 s) reached the file.
    assert_eq!(done.duration, Duration::from_millis(1500));
    assert!(done.cut >= 18, "the partial page was cut: {done:?}");
    let d = recording::read(&path).expect("decode");
    assert!(d.complete);
    assert_eq!(d.duration, Duration::from_millis(1500));
}

#[test]
fn what_is_not_a_recording_is_refused() {
    for bytes in [&b""[..], b"not ogg at all", b"OggS"] {
        assert!(recovery::plan(bytes).is_err());
    }
}
