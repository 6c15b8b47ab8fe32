//! A local queue of recordings waiting to be uploaded: a directory holding, per call,
//! `call-<id>.ogg` and its sidecar `call-<id>.json` (attempts, when to try next, the last
//! error). An entry leaves the queue only when the server acknowledged it (201, or 200 for a
//! file it already had); a failure keeps it and pushes its next attempt back exponentially
//! (1 s, 2 s, 4 s ... at most [`MAX_BACKOFF`]). The queue survives a restart of the app.
//!
//! The token is not stored: the caller gives a fresh one to each run.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::EngineError;
use crate::upload::upload_recording;

/// The longest wait between two attempts of one upload.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// The sidecar of one queued recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub call: u64,
    pub attempts: u32,
    /// Unix time (ms) of the next attempt.
    pub next_attempt_ms: u64,
    pub last_error: Option<String>,
}

/// What one pass over the queue did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pass {
    /// Calls whose recording the server acknowledged (and that left the queue).
    pub uploaded: Vec<u64>,
    /// Calls that failed this time, with the error (still queued).
    pub failed: Vec<(u64, String)>,
}

/// The upload queue in one directory.
#[derive(Debug, Clone)]
pub struct UploadQueue {
    dir: PathBuf,
    first_backoff: Duration,
}

fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl UploadQueue {
    /// The queue in `dir` (created if missing), retrying after 1 s, then doubling.
    pub fn open(dir: &Path) -> Result<UploadQueue, EngineError> {
        std::fs::create_dir_all(dir).map_err(EngineError::io(dir))?;
        Ok(UploadQueue {
            dir: dir.to_path_buf(),
            first_backoff: Duration::from_secs(1),
        })
    }

    /// The first retry delay (tests use a short one).
    pub fn with_first_backoff(mut self, first: Duration) -> UploadQueue {
        self.first_backoff = first;
        self
    }

    fn ogg(&self, call: u64) -> PathBuf {
        self.dir.join(format!("call-{call}.ogg"))
    }

    fn sidecar(&self, call: u64) -> PathBuf {
        self.dir.join(format!("call-{call}.json"))
    }

    /// Queue the recording of `call` (copied in; the original stays), due at once.
    pub fn enqueue(&self, call: u64, recording: &Path) -> Result<(), EngineError> {
        let target = self.ogg(call);
        std::fs::copy(recording, &target).map_err(EngineError::io(recording))?;
        self.save(&Pending {
            call,
            attempts: 0,
            next_attempt_ms: 0,
            last_error: None,
        })
    }

    /// Write a sidecar atomically (temporary file, rename): a crash leaves the old one.
    fn save(&self, pending: &Pending) -> Result<(), EngineError> {
        let path = self.sidecar(pending.call);
        let tmp = path.with_extension("json.part");
        std::fs::write(&tmp, serde_json::to_vec_pretty(pending)?).map_err(EngineError::io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(EngineError::io(&path))
    }

    /// Everything queued, by call id.
    pub fn pending(&self) -> Result<Vec<Pending>, EngineError> {
        let mut out = Vec::new();
        let entries = std::fs::read_dir(&self.dir).map_err(EngineError::io(&self.dir))?;
        for entry in entries {
            let path = entry.map_err(EngineError::io(&self.dir))?.path();
            if path.extension().is_some_and(|e| e == "json") {
                let bytes = std::fs::read(&path).map_err(EngineError::io(&path))?;
                out.push(serde_json::from_slice::<Pending>(&bytes)?);
            }
        }
        out.sort_by_key(|p| p.call);
        Ok(out)
    }

    /// Try every entry due at `now` once against `server` (`host:port`).
    pub async fn pass(
        &self,
        server: &str,
        token: &str,
        now: SystemTime,
    ) -> Result<Pass, EngineError> {
        let mut pass = Pass::default();
        for mut p in self.pending()? {
            if p.next_attempt_ms > unix_ms(now) {
                continue;
            }
            match upload_recording(server, token, p.call, &self.ogg(p.call)).await {
                Ok(_) => {
                    let _ = std::fs::remove_file(self.ogg(p.call));
                    std::fs::remove_file(self.sidecar(p.call))
                        .map_err(EngineError::io(self.sidecar(p.call)))?;
                    pass.uploaded.push(p.call);
                }
                Err(e) => {
                    let wait = self
                        .first_backoff
                        .saturating_mul(1 << p.attempts.min(16))
                        .min(MAX_BACKOFF);
                    p.attempts += 1;
                    p.next_attempt_ms = unix_ms(now + wait);
                    p.last_error = Some(e.to_string());
                    pass.failed.push((p.call, e.to_string()));
                    self.save(&p)?;
                }
            }
        }
        Ok(pass)
    }

    /// Retry until the queue is empty or `give_up` has passed, sleeping until the next entry
    /// is due: the calls uploaded. What is left stays queued for a later run.
    pub async fn drain(
        &self,
        server: &str,
        token: &str,
        give_up: Duration,
    ) -> Result<Vec<u64>, EngineError> {
        let deadline = tokio::time::Instant::now() + give_up;
        let mut uploaded = Vec::new();
        loop {
            uploaded.extend(self.pass(server, token, SystemTime::now()).await?.uploaded);
            let pending = self.pending()?;
            let Some(next) = pending.iter().map(|p| p.next_attempt_ms).min() else {
                return Ok(uploaded);
            };
            let wait = Duration::from_millis(next.saturating_sub(unix_ms(SystemTime::now())));
            let at = tokio::time::Instant::now() + wait;
            if at > deadline {
                return Ok(uploaded);
            }
            tokio::time::sleep_until(at).await;
        }
    }
}
