//! The recording side of a running call: the two-channel recorder, its pauses
//! ([`crate::recording_gaps`]) and its journal ([`crate::journal`]), fed once per tick by the
//! session, with a status for the call panel's indicator.

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use linedesk_audio::Frame;
use linedesk_protocol::RecordingGap;
use linedesk_voice::recording::Recorder;
use tokio::sync::watch;

use crate::EngineError;
use crate::journal::Journal;
use crate::recording_gaps::Gaps;
use crate::session::{EVERY_SECOND, Side};

/// What the call panel's recording indicator shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordingStatus {
    /// Audio in the file so far (the call less its pauses).
    pub recorded: Duration,
    /// Nothing is being recorded right now.
    pub paused: bool,
    /// Pauses so far, the one going on included.
    pub gaps: usize,
    /// The recorder failed and stopped (the call goes on; the file keeps what it had).
    pub failed: bool,
}

/// How often the recording is made durable (`fdatasync`) while the call runs.
const SYNC_EVERY: Duration = Duration::from_secs(1);

/// Makes the recording durable every [`SYNC_EVERY`] on a thread of its own, so neither the
/// tick nor the end of the call waits for the disk: once stopped, the thread syncs a last time
/// (the finished file) and ends by itself. A killed app loses only the page being filled (the
/// pages are handed to the kernel as they end); a power cut at most that and one more second.
struct Syncer {
    stop: Arc<AtomicBool>,
}

impl Syncer {
    fn start(file: File) -> Syncer {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::Builder::new()
            .name("recording-sync".into())
            .spawn(move || {
                let step = Duration::from_millis(100);
                let mut waited = Duration::ZERO;
                loop {
                    std::thread::sleep(step);
                    waited += step;
                    let last = stopped.load(Ordering::Relaxed);
                    if last || waited >= SYNC_EVERY {
                        waited = Duration::ZERO;
                        // A failed sync leaves the data with the kernel: nothing to do here.
                        let _ = file.sync_data();
                    }
                    if last {
                        return;
                    }
                }
            });
        // No thread (the system refused one): the pages still reach the kernel as they end.
        drop(thread);
        Syncer { stop }
    }
}

impl Drop for Syncer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

pub(crate) struct CallRecording {
    recorder: Option<Recorder<File>>,
    _syncer: Option<Syncer>,
    path: PathBuf,
    side: Side,
    error: Option<String>,
    gaps: Gaps,
    paused: watch::Receiver<bool>,
    journal: Option<Journal>,
    journal_written: bool,
    status: watch::Sender<RecordingStatus>,
    ticks: u64,
}

impl CallRecording {
    /// Create the file at `path` (the journal comes once the call's media is up: a call that
    /// never connects leaves nothing to recover).
    pub(crate) fn start(
        path: PathBuf,
        side: Side,
        journal: Option<Journal>,
        paused: watch::Receiver<bool>,
        status: watch::Sender<RecordingStatus>,
    ) -> Result<CallRecording, EngineError> {
        let recorder = Recorder::create(&path)?;
        let syncer = recorder.get_ref().try_clone().ok().map(Syncer::start);
        Ok(CallRecording {
            recorder: Some(recorder),
            _syncer: syncer,
            path,
            side,
            error: None,
            gaps: Gaps::default(),
            paused,
            journal,
            journal_written: false,
            status,
            ticks: 0,
        })
    }

    /// One 20 ms frame of both sides (`local`: this side's voice, `None` while muted or on
    /// hold); `media_up` once the call's media flows. While paused nothing is written.
    pub(crate) fn tick(&mut self, media_up: bool, local: Option<&Frame>, remote: &Frame) {
        self.ticks += 1;
        let paused = *self.paused.borrow();
        let recorded = self
            .recorder
            .as_ref()
            .map_or(Duration::ZERO, Recorder::duration);
        let changed = self.gaps.tick(paused, recorded);
        let first = media_up && !self.journal_written;
        let while_paused = paused && self.ticks.is_multiple_of(EVERY_SECOND);
        if first || (self.journal_written && (changed || while_paused)) {
            self.write_journal();
        }
        if !paused && let Some(recorder) = self.recorder.as_mut() {
            let local = local.map(|f| &f[..]);
            let (specialist, client) = match self.side {
                Side::Specialist => (local, Some(&remote[..])),
                Side::Client => (Some(&remote[..]), local),
            };
            // A failing recorder is dropped (the file keeps what was flushed); the call goes on.
            if let Err(e) = recorder.write(specialist, client) {
                self.error = Some(e.to_string());
                self.recorder = None;
            }
        }
        let recorded = self.recorder.as_ref().map_or(recorded, Recorder::duration);
        self.status.send_if_modified(|s| {
            let now = RecordingStatus {
                recorded,
                paused,
                gaps: self.gaps.list().len(),
                failed: self.recorder.is_none(),
            };
            let changed = *s != now;
            *s = now;
            changed
        });
    }

    fn write_journal(&mut self) {
        let Some(journal) = self.journal.as_mut() else {
            return;
        };
        let mut gaps = self.gaps.list();
        journal.paused = if self.gaps.paused() { gaps.pop() } else { None };
        journal.gaps = gaps;
        match journal.save(&self.path) {
            Ok(()) => self.journal_written = true,
            Err(e) => {
                self.error.get_or_insert(format!("its crash journal: {e}"));
            }
        }
    }

    /// End the file; the error (if the recorder or its journal failed) and the gaps. The
    /// journal stays until the caller queued the recording ([`crate::journal::remove`]).
    pub(crate) fn finish(mut self) -> (Option<String>, Vec<RecordingGap>) {
        // The syncer makes the finished file durable once stopped (when this is dropped).
        if let Some(Err(e)) = self.recorder.take().map(Recorder::finish) {
            self.error = Some(e.to_string());
        }
        (self.error.take(), self.gaps.list())
    }
}
