//! What the shell holds between commands: the opened local store (or why it could not be
//! opened) and the connection to the line server.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use linedesk_store::Store;

use crate::away::AwayTracker;
use crate::calls::Calls;
use crate::error::{CommandError, CommandResult};
use crate::line::{LineConfig, LineConnection};
use crate::notices::NoticeLog;
use crate::remote::Remote;

pub struct AppState {
    data_dir: PathBuf,
    /// `Err` when the database could not be opened (damaged, newer than known, ...): every
    /// command then answers with that error, so the UI can say what happened instead of the app
    /// vanishing, and the file is left exactly as it was.
    store: Result<Arc<Mutex<Store>>, CommandError>,
    /// `Err` with the reason when the line server could not be started; the app still works
    /// on its local store (offline-first).
    line: Result<LineConnection, String>,
    /// Calls (V1), once the line connection runs.
    calls: Option<Arc<Calls>>,
    /// Remote sessions (V2), once the line connection runs.
    remote: Option<Arc<Remote>>,
    /// P2: automatic Away.
    pub away: Arc<Mutex<AwayTracker>>,
    /// The header bell's notices (kept in the store across restarts).
    pub notices: Arc<Mutex<NoticeLog>>,
    /// Wakes the file upload loop when a file is queued.
    uploads: Arc<tokio::sync::Notify>,
    /// W3: the Help conversation with the staff line.
    help: crate::staff_help::HelpDesk,
}

pub const DATABASE_FILE: &str = "linedesk.db";

/// Lock a mutex the app's tasks share; a panic in another holder does not make the data
/// unusable (every holder leaves it consistent between statements), so poisoning is ignored.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl AppState {
    pub fn open(data_dir: &Path, config: LineConfig, now_ms: i64) -> AppState {
        let store = std::fs::create_dir_all(data_dir)
            .map_err(|err| CommandError::from(linedesk_store::StoreError::Io(err)))
            .and_then(|()| Store::open(&data_dir.join(DATABASE_FILE)).map_err(CommandError::from))
            .map(|store| Arc::new(Mutex::new(store)));
        let line = match &store {
            Ok(store) => crate::line::start(config, data_dir, store.clone(), now_ms)
                .map_err(|e| e.to_string()),
            Err(err) => Err(err.message.clone()),
        };
        if let Err(why) = &line {
            eprintln!("linedesk: working offline: {why}");
        }
        let notices = Arc::new(Mutex::new(match &store {
            Ok(store) => NoticeLog::kept_in(store.clone()),
            Err(_) => NoticeLog::default(),
        }));
        let calls = match (&line, &store) {
            (Ok(l), Ok(store)) => Some(Calls::new(
                l.sync.clone(),
                store.clone(),
                data_dir,
                &l.server,
                l.ca_file.clone(),
                notices.clone(),
            )),
            _ => None,
        };
        let remote = line
            .as_ref()
            .ok()
            .map(|l| Remote::new(l.sync.clone(), l.ca_file.clone()));
        AppState {
            data_dir: data_dir.to_path_buf(),
            store,
            line,
            calls,
            remote,
            away: Arc::new(Mutex::new(AwayTracker::new(chrono::Utc::now()))),
            notices,
            uploads: Arc::default(),
            help: crate::staff_help::HelpDesk::default(),
        }
    }

    /// W3: the Help conversation with the staff line.
    pub fn help(&self) -> &crate::staff_help::HelpDesk {
        &self.help
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn store(&self) -> CommandResult<MutexGuard<'_, Store>> {
        match &self.store {
            Ok(store) => store
                .lock()
                .map_err(|_| CommandError::internal("the store lock was poisoned by a panic")),
            Err(err) => Err(err.clone()),
        }
    }

    /// The store itself, for the app's background tasks (notifications).
    pub fn shared_store(&self) -> Option<Arc<Mutex<Store>>> {
        self.store.as_ref().ok().cloned()
    }

    pub fn line(&self) -> Result<&LineConnection, &str> {
        self.line.as_ref().map_err(String::as_str)
    }

    pub fn calls(&self) -> CommandResult<&Arc<Calls>> {
        self.calls.as_ref().ok_or_else(|| {
            CommandError::unavailable("calls need the line server, which is not running")
        })
    }

    pub fn remote(&self) -> CommandResult<&Arc<Remote>> {
        self.remote.as_ref().ok_or_else(|| {
            CommandError::unavailable("remote sessions need the line server, which is not running")
        })
    }

    /// Something that lets the sync client know of a new outbox item, for background tasks.
    pub fn nudger(&self) -> Arc<dyn Fn() + Send + Sync> {
        match &self.line {
            Ok(line) => {
                let sync = line.sync.clone();
                Arc::new(move || sync.nudge())
            }
            Err(_) => Arc::new(|| {}),
        }
    }

    /// A file was queued: let the upload loop send it now.
    pub fn nudge_uploads(&self) {
        self.uploads.notify_one();
    }

    pub fn upload_wake(&self) -> Arc<tokio::sync::Notify> {
        self.uploads.clone()
    }

    /// A new action is in the outbox: let the sync client send it now.
    pub fn nudge(&self) {
        if let Ok(line) = &self.line {
            line.sync.nudge();
        }
    }
}
