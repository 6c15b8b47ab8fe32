//! Recordings that survive the app: a recording left with its journal (the app killed
//! mid-call) cut at arbitrary bytes is closed at its last whole page at the next start, queued
//! with its gaps, and taken by the real line server as a complete Ogg Opus file of exactly the
//! frames of its whole pages.

mod common;

use std::time::SystemTime;

use linedesk_engine::journal::{self, Journal};
use linedesk_engine::{Bare, Connector, UploadQueue};
use linedesk_protocol::{Event, RecordingGap};
use linedesk_server::storage::Storage;
use linedesk_voice::recording::{PAGE_FRAMES, Recorder};

/// Six seconds written by a recorder that is never finished: the bytes and the file's length
/// after each frame.
fn interrupted() -> (Vec<u8>, Vec<usize>) {
    let mut rec = Recorder::new(Vec::new()).expect("recorder");
    let mut sizes = Vec::new();
    for k in 0..300 {
        let tone: Vec<f32> = (0..960)
            .map(|i| 0.3 * ((k * 960 + i) as f32 * 0.03).sin())
            .collect();
        rec.write(Some(&tone), Some(&tone)).expect("write");
        sizes.push(rec.get_ref().len());
    }
    (rec.get_ref().clone(), sizes)
}

/// The frames of the pages that reached the file whole before a cut at `cut`.
fn whole_frames(sizes: &[usize], cut: usize) -> u64 {
    (1..=sizes.len())
        .filter(|&k| (k as u64).is_multiple_of(PAGE_FRAMES) && sizes[k - 1] <= cut)
        .max()
        .unwrap_or(0) as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recordings_cut_anywhere_are_closed_queued_and_uploaded() {
    let dir = tempfile::tempdir().expect("dir");
    let (bytes, sizes) = interrupted();
    // Page ends, a byte either side, and a spread of arbitrary offsets.
    let page = |n: usize| sizes[n * PAGE_FRAMES as usize - 1];
    let mut cuts = vec![page(1), page(3) + 1, page(5) - 1, page(9) + 27, bytes.len()];
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..7 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        cuts.push(sizes[0] + (x % (bytes.len() - sizes[0]) as u64) as usize);
    }
    let setup = common::calls(dir.path(), cuts.len() as u64 + 1);
    let addr = common::plain_server(setup.storage.clone()).await;
    let server = format!("http://{addr}");

    let recordings = dir.path().join("recordings");
    std::fs::create_dir_all(&recordings).expect("dir");
    let mut expected = Vec::new();
    for (k, &cut) in cuts.iter().enumerate() {
        let call = k as u64 + 1;
        let path = recordings.join(format!("call-{call}.ogg"));
        std::fs::write(&path, &bytes[..cut]).expect("write");
        let mut journal = Journal::new(call, &server);
        // Paused once for 2 s at 0.5 s, and paused at 3.0 s when the app died.
        journal.gaps = vec![RecordingGap {
            at_ms: 500,
            length_ms: 2000,
        }];
        journal.paused = Some(RecordingGap {
            at_ms: 3000,
            length_ms: 1400,
        });
        journal.save(&path).expect("journal");
        let ms = whole_frames(&sizes, cut) * 20;
        let mut gaps = journal.all_gaps();
        for gap in &mut gaps {
            gap.at_ms = gap.at_ms.min(ms);
        }
        expected.push((call, ms, gaps));
    }
    // One more, cut inside its headers: nothing to close, so its journal is set aside.
    let broken = cuts.len() as u64 + 1;
    let broken_path = recordings.join(format!("call-{broken}.ogg"));
    std::fs::write(&broken_path, &bytes[..40]).expect("write");
    Journal::new(broken, &server)
        .save(&broken_path)
        .expect("journal");

    let queue = UploadQueue::open(&recordings.join("outbox")).expect("queue");
    let recovery = journal::recover_interrupted(&recordings, &queue).expect("recovery");
    let mut queued: Vec<(u64, u64)> = recovery
        .queued
        .iter()
        .map(|r| (r.call, r.duration.as_millis() as u64))
        .collect();
    queued.sort_unstable();
    let want: Vec<(u64, u64)> = expected.iter().map(|(c, ms, _)| (*c, *ms)).collect();
    assert_eq!(queued, want);
    assert_eq!(recovery.unusable.len(), 1, "{:?}", recovery.unusable);
    assert!(broken_path.exists(), "the broken recording is kept");
    for (call, _, _) in &expected {
        let path = recordings.join(format!("call-{call}.ogg"));
        assert!(
            !journal::journal_path(&path).exists(),
            "call {call}'s journal is gone"
        );
    }
    // Starting again finds nothing more to do.
    let again = journal::recover_interrupted(&recordings, &queue).expect("again");
    assert!(again.queued.is_empty() && again.unusable.is_empty());

    let connector = Connector::parse(&server, Bare::Refused, None).expect("address");
    let pass = queue
        .pass(&connector, &setup.token, SystemTime::now())
        .await
        .expect("pass");
    assert!(
        pass.failed.is_empty() && pass.set_aside.is_empty(),
        "{pass:?}"
    );
    assert_eq!(pass.uploaded.len(), expected.len());
    let mut on_server: Vec<(u64, u64, Vec<RecordingGap>)> = setup
        .storage
        .events_after(setup.line, 0, 1000)
        .expect("log")
        .into_iter()
        .filter_map(|e| match e.event {
            Event::CallRecorded {
                call,
                duration_ms,
                gaps,
                ..
            } => Some((call, duration_ms, gaps)),
            _ => None,
        })
        .collect();
    on_server.sort_by_key(|r| r.0);
    assert_eq!(on_server, expected);
    // The last cut kept the most: at most half a second before the cut was lost.
    let full = expected.iter().map(|e| e.1).max().unwrap_or(0);
    assert!(full >= 6000 - 500, "{full} ms of 6 s");
}
