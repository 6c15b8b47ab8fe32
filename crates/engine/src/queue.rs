//! A local queue of recordings waiting to be uploaded: a directory holding, per call,
//! `call-<id>.ogg` and its sidecar `call-<id>.json` (the server the call was made on, as the
//! app knows it, attempts, when to try next, the last error). An entry leaves the queue only
//! when the server acknowledged it (201, or 200 for a file it already had); a failure that may
//! pass keeps it and pushes its next attempt back exponentially (1 s, 2 s, 4 s ... at most
//! [`MAX_BACKOFF`]). The queue survives a restart of the app.
//!
//! The upload's URL is never stored: it is built at each attempt from the server the entry
//! names, over that server's scheme (HTTPS with its certificate checked, or plain), so a fix
//! of how URLs are built reaches entries queued before it. An entry that can never succeed
//! (its server address cannot be read, the server refuses the recording for good, its sidecar
//! is unreadable) is set aside into `set-aside/` with a typed reason ([`AsideReason`]),
//! recording and all, and reported in [`Pass::set_aside`]: it is neither retried forever nor
//! lost, and the app lists it, uploads it again or saves a copy (`aside.rs`).
//!
//! The token is not stored: the caller gives a fresh one to each run, for the server it is
//! signed in to; entries of another server wait until the app is signed in there.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use linedesk_endpoint::{Bare, Connector, Endpoint};
use linedesk_protocol::RecordingGap;
use serde::{Deserialize, Serialize};

use crate::EngineError;
use crate::upload::upload_recording_with_gaps;

mod aside;

pub use aside::{Aside, AsideEntry, AsideReason};

/// The longest wait between two attempts of one upload.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// Where entries that can never succeed are kept, inside the queue's directory.
pub const SET_ASIDE_DIR: &str = "set-aside";

/// The sidecar of one queued recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub call: u64,
    /// The server the call was made on, as the app knows it (`https://host:7700`,
    /// `http://...`, or the embedded server's `127.0.0.1:7700`). `None`: queued by a version
    /// that did not say; it goes to the server the app is signed in to.
    #[serde(default)]
    pub server: Option<String>,
    pub attempts: u32,
    /// Where the recording was paused (sent with the upload; none in older sidecars).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gaps: Vec<RecordingGap>,
    /// Unix time (ms) of the next attempt.
    pub next_attempt_ms: u64,
    pub last_error: Option<String>,
    /// Why it was set aside (only in [`SET_ASIDE_DIR`]; none in older sidecars).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aside: Option<Aside>,
}

/// What one pass over the queue did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pass {
    /// Calls whose recording the server acknowledged (and that left the queue).
    pub uploaded: Vec<u64>,
    /// Calls that failed this time, with the error (still queued).
    pub failed: Vec<(u64, String)>,
    /// Calls that can never be uploaded as they are, with why: moved to [`SET_ASIDE_DIR`]
    /// (the recording kept), no longer tried.
    pub set_aside: Vec<(u64, String)>,
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

/// The call of a sidecar's file name (`call-<id>.json`); `None` for anything else.
fn call_of(path: &Path) -> Option<u64> {
    if path.extension().is_none_or(|e| e != "json") {
        return None;
    }
    path.file_stem()?
        .to_str()?
        .strip_prefix("call-")?
        .parse()
        .ok()
}

/// Where one entry goes.
enum Target {
    /// To the server the caller is signed in to.
    Here,
    /// To another server: it waits.
    Elsewhere,
    /// Nowhere: its server cannot be read.
    Unusable(String),
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

    /// Queue the recording of `call`, made on `server` (as the app knows it: what its sync
    /// connects to), copied in (the original stays), due at once.
    pub fn enqueue(&self, call: u64, recording: &Path, server: &str) -> Result<(), EngineError> {
        self.enqueue_with_gaps(call, recording, server, &[])
    }

    /// [`UploadQueue::enqueue`] a recording that was paused: its `gaps` go with the upload.
    pub fn enqueue_with_gaps(
        &self,
        call: u64,
        recording: &Path,
        server: &str,
        gaps: &[RecordingGap],
    ) -> Result<(), EngineError> {
        let target = self.ogg(call);
        std::fs::copy(recording, &target).map_err(EngineError::io(recording))?;
        save(
            &self.sidecar(call),
            &Pending {
                call,
                server: Some(server.to_string()),
                attempts: 0,
                gaps: gaps.to_vec(),
                next_attempt_ms: 0,
                last_error: None,
                aside: None,
            },
        )
    }

    /// Everything queued, by call id (sidecars that cannot be read are left to the next
    /// [`UploadQueue::pass`], which sets them aside).
    pub fn pending(&self) -> Result<Vec<Pending>, EngineError> {
        Ok(read_dir(&self.dir)?.read)
    }

    /// Where `pending` goes when the caller is signed in to `server`.
    fn target(pending: &Pending, server: &Endpoint) -> Target {
        match &pending.server {
            None => Target::Here,
            Some(text) => match Endpoint::parse(text, Bare::Plain) {
                Ok(endpoint) if endpoint.same_server(server) => Target::Here,
                Ok(_) => Target::Elsewhere,
                Err(e) => Target::Unusable(e.to_string()),
            },
        }
    }

    /// Try every entry of `server` (the server the caller is signed in to, with `token`) due
    /// at `now` once; set aside what can never succeed.
    pub async fn pass(
        &self,
        server: &Connector,
        token: &str,
        now: SystemTime,
    ) -> Result<Pass, EngineError> {
        let mut pass = Pass::default();
        let Scan {
            read: pending,
            unreadable,
        } = read_dir(&self.dir)?;
        for (call, why) in unreadable {
            let why = format!("its sidecar cannot be read: {why}");
            let aside = Aside {
                reason: AsideReason::SidecarUnreadable,
                status: None,
            };
            self.put_aside(call, None, aside, &why)?;
            pass.set_aside.push((call, why));
        }
        for mut p in pending {
            match UploadQueue::target(&p, server.endpoint()) {
                Target::Here => {}
                Target::Elsewhere => continue,
                Target::Unusable(why) => {
                    let aside = Aside {
                        reason: AsideReason::ServerUnreadable,
                        status: None,
                    };
                    self.put_aside(p.call, Some(p.clone()), aside, &why)?;
                    pass.set_aside.push((p.call, why));
                    continue;
                }
            }
            if p.next_attempt_ms > unix_ms(now) {
                continue;
            }
            match upload_recording_with_gaps(server, token, p.call, &self.ogg(p.call), &p.gaps)
                .await
            {
                Ok(_) => {
                    let _ = std::fs::remove_file(self.ogg(p.call));
                    std::fs::remove_file(self.sidecar(p.call))
                        .map_err(EngineError::io(self.sidecar(p.call)))?;
                    pass.uploaded.push(p.call);
                }
                Err(e) => match AsideReason::of(&e) {
                    Some(reason) => {
                        let why = e.to_string();
                        let status = match &e {
                            EngineError::Refused { status, .. } => Some(*status),
                            _ => None,
                        };
                        self.put_aside(p.call, Some(p.clone()), Aside { reason, status }, &why)?;
                        pass.set_aside.push((p.call, why));
                    }
                    None => {
                        let wait = self
                            .first_backoff
                            .saturating_mul(1 << p.attempts.min(16))
                            .min(MAX_BACKOFF);
                        p.attempts += 1;
                        p.next_attempt_ms = unix_ms(now + wait);
                        p.last_error = Some(e.to_string());
                        pass.failed.push((p.call, e.to_string()));
                        save(&self.sidecar(p.call), &p)?;
                    }
                },
            }
        }
        Ok(pass)
    }

    /// Retry until no entry of `server` is left or `give_up` has passed, sleeping until the
    /// next one is due: every pass's outcome together. What is left stays queued for a later
    /// run.
    pub async fn drain(
        &self,
        server: &Connector,
        token: &str,
        give_up: Duration,
    ) -> Result<Pass, EngineError> {
        let deadline = tokio::time::Instant::now() + give_up;
        let mut all = Pass::default();
        loop {
            let pass = self.pass(server, token, SystemTime::now()).await?;
            all.uploaded.extend(pass.uploaded);
            all.failed.extend(pass.failed);
            all.set_aside.extend(pass.set_aside);
            let next = self
                .pending()?
                .iter()
                .filter(|p| matches!(UploadQueue::target(p, server.endpoint()), Target::Here))
                .map(|p| p.next_attempt_ms)
                .min();
            let Some(next) = next else {
                return Ok(all);
            };
            let wait = Duration::from_millis(next.saturating_sub(unix_ms(SystemTime::now())));
            let at = tokio::time::Instant::now() + wait;
            if at > deadline {
                return Ok(all);
            }
            tokio::time::sleep_until(at).await;
        }
    }
}

/// Write a sidecar atomically (temporary file, rename): a crash leaves the old one.
fn save(path: &Path, pending: &Pending) -> Result<(), EngineError> {
    let tmp = path.with_extension("json.part");
    std::fs::write(&tmp, serde_json::to_vec_pretty(pending)?).map_err(EngineError::io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(EngineError::io(path))
}

/// What a queue's directory holds.
struct Scan {
    /// The sidecars, by call id.
    read: Vec<Pending>,
    /// The calls whose sidecar cannot be read, with why.
    unreadable: Vec<(u64, String)>,
}

/// The sidecars of `dir`.
fn read_dir(dir: &Path) -> Result<Scan, EngineError> {
    let mut read = Vec::new();
    let mut unreadable = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(EngineError::io(dir))?;
    for entry in entries {
        let path = entry.map_err(EngineError::io(dir))?.path();
        let Some(call) = call_of(&path) else { continue };
        let parsed = std::fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| serde_json::from_slice::<Pending>(&bytes).map_err(|e| e.to_string()));
        match parsed {
            Ok(p) if p.call == call => read.push(p),
            Ok(p) => unreadable.push((call, format!("it names call {}", p.call))),
            Err(why) => unreadable.push((call, why)),
        }
    }
    read.sort_by_key(|p| p.call);
    unreadable.sort();
    Ok(Scan { read, unreadable })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sidecar_names_and_permanent_refusals() {
        assert_eq!(call_of(Path::new("/q/call-12.json")), Some(12));
        assert_eq!(call_of(Path::new("/q/call-12.ogg")), None);
        assert_eq!(call_of(Path::new("/q/call-12.json.part")), None);
        assert_eq!(call_of(Path::new("/q/notes.json")), None);
        let refused = |status| EngineError::Refused {
            status,
            message: String::new(),
        };
        for (status, reason) in [
            (400, AsideReason::Invalid),
            (403, AsideReason::NotYours),
            (404, AsideReason::UnknownCall),
            (409, AsideReason::AlreadyRecorded),
            (413, AsideReason::TooLarge),
        ] {
            assert_eq!(AsideReason::of(&refused(status)), Some(reason), "{status}");
        }
        for status in [401, 408, 429, 500, 503] {
            assert_eq!(AsideReason::of(&refused(status)), None, "{status}");
        }
        let unreachable =
            EngineError::Endpoint(linedesk_endpoint::EndpointError::Unreachable("x".into()));
        assert_eq!(AsideReason::of(&unreachable), None);
    }

    #[test]
    fn an_older_sidecar_without_a_server_still_reads() {
        let old = r#"{"call":7,"attempts":3,"next_attempt_ms":0,"last_error":"x"}"#;
        let p: Pending = serde_json::from_str(old).expect("old sidecar");
        assert_eq!((p.call, p.server), (7, None));
    }
}
