//! What the shell holds between commands: the opened local store, or why it could not be opened.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use linedesk_store::Store;

use crate::error::{CommandError, CommandResult};

pub struct AppState {
    data_dir: PathBuf,
    /// `Err` when the database could not be opened (damaged, newer than known, ...): every
    /// command then answers with that error, so the UI can say what happened instead of the app
    /// vanishing, and the file is left exactly as it was.
    store: Result<Mutex<Store>, CommandError>,
}

pub const DATABASE_FILE: &str = "linedesk.db";

impl AppState {
    pub fn open(data_dir: &Path, now_ms: i64) -> AppState {
        let store = std::fs::create_dir_all(data_dir)
            .map_err(|err| CommandError::from(linedesk_store::StoreError::Io(err)))
            .and_then(|()| Store::open(&data_dir.join(DATABASE_FILE)).map_err(CommandError::from))
            .and_then(|store| {
                // Until the line server exists, the demo line is seeded locally (issue 2, item 4).
                linedesk_store::demo::seed_if_empty(&store, now_ms)?;
                Ok(store)
            });
        AppState {
            data_dir: data_dir.to_path_buf(),
            store: store.map(Mutex::new),
        }
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
}
