//! The app's line server: the embedded one (the default) or a remote one, and the sync client
//! that keeps the local store its cache.
//!
//! Embedded (nothing configured): a real `linedesk-server` inside the app, listening on
//! 127.0.0.1 (port 7700, or any free port when that one is taken), its database in
//! `<data dir>/server/server.db`, seeded with the demo world on first start. The specialist's
//! password is a fresh random one at every start, set in the server's database and handed to
//! the sync client in memory: it is never written anywhere. The chosen address is written to
//! `<data dir>/server/address` so the client simulator and the tests can find the server.
//!
//! Remote: `--server https://HOST:PORT --login LOGIN [--ca-file company-ca.pem]` on the command
//! line (or `LINEDESK_SERVER`, `LINEDESK_LOGIN`, `LINEDESK_CA_FILE`) and the password in
//! `LINEDESK_PASSWORD`. The sign-in screen that asks for
//! them is the workstation issue's.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use linedesk_server::app::Server;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Storage, StorageError};
use linedesk_store::Store;
use linedesk_sync::{SyncConfig, SyncHandle};

/// The port the embedded server tries first (the README's client simulator uses it).
pub const EMBEDDED_PORT: u16 = 7700;
pub const SERVER_DIR: &str = "server";
pub const ADDRESS_FILE: &str = "address";

#[derive(Debug, thiserror::Error)]
pub enum LineError {
    #[error("the embedded line server's data: {0}")]
    Storage(#[from] StorageError),
    #[error("the embedded line server's files: {0}")]
    Io(#[from] std::io::Error),
    #[error("passwords: {0}")]
    Auth(String),
    #[error("the local store: {0}")]
    Store(#[from] linedesk_store::StoreError),
}

/// Where the app's line server is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineConfig {
    Embedded,
    Remote {
        server: String,
        login: String,
        password: String,
        /// An extra CA certificate to trust (a company's own server certificate).
        ca_file: Option<PathBuf>,
    },
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl LineConfig {
    /// From the command line (and the environment it falls back to); embedded unless a server
    /// is named.
    pub fn of(cli: &crate::cli::Cli) -> LineConfig {
        match &cli.server {
            None => LineConfig::Embedded,
            Some(server) => LineConfig::Remote {
                server: server.clone(),
                login: cli.login.clone().unwrap_or_default(),
                password: env("LINEDESK_PASSWORD").unwrap_or_default(),
                ca_file: cli.ca_file.clone(),
            },
        }
    }
}

/// The running connection: the sync client and, when embedded, the server's address.
pub struct LineConnection {
    pub sync: Arc<SyncHandle>,
    pub server: String,
    pub embedded: bool,
    /// The extra CA file of a remote `https://` server, for the app's own HTTP calls (files).
    pub ca_file: Option<PathBuf>,
}

impl LineConnection {
    /// Where the app's HTTP calls go (files, KB drafts): the server the sync is on now (of
    /// several, the one it failed over to), no credentials (those calls carry the session's
    /// token).
    pub fn http_config(&self) -> SyncConfig {
        SyncConfig {
            server: self.sync.server(),
            ca_file: self.ca_file.clone(),
            ..SyncConfig::default()
        }
    }
}

fn hash(password: &str) -> Result<String, StorageError> {
    linedesk_server::auth::hash_password(password).map_err(|e| StorageError::Invalid(e.to_string()))
}

fn random_password() -> Result<String, LineError> {
    linedesk_server::auth::new_token()
        .map(|(token, _)| token)
        .map_err(|e| LineError::Auth(e.to_string()))
}

/// Open (and on first start seed) the embedded server's database; returns the storage and the
/// specialist's password for this run.
fn open_embedded(dir: &Path, now_ms: i64) -> Result<(SqliteStorage, String), LineError> {
    std::fs::create_dir_all(dir)?;
    let storage = SqliteStorage::open(&dir.join("server.db"))?;
    let password = random_password()?;
    let password_hash = hash(&password)?;
    if linedesk_server::demo::seed_if_empty(&storage, now_ms, &password_hash, &hash)?.is_none() {
        storage.set_password(linedesk_demo::DEMO_SPECIALIST_LOGIN, &password_hash)?;
    }
    Ok((storage, password))
}

/// The profile of W1 starts as the demo specialist's own card.
fn seed_profile(store: &Store) -> Result<(), LineError> {
    let mut profile = store.profile()?;
    if profile.full_name.is_empty() {
        let demo = linedesk_demo::world().specialist;
        profile.full_name = demo.full_name;
        profile.position = demo.position;
        profile.email = demo.email;
        profile.phone = demo.phone;
        store.save_profile(&profile)?;
    }
    Ok(())
}

/// Start the line connection on the app's async runtime.
pub fn start(
    config: LineConfig,
    data_dir: &Path,
    store: Arc<Mutex<Store>>,
    now_ms: i64,
) -> Result<LineConnection, LineError> {
    match config {
        LineConfig::Remote {
            server,
            login,
            password,
            ca_file,
        } => {
            let sync = tauri::async_runtime::block_on(async {
                linedesk_sync::spawn(
                    store,
                    SyncConfig {
                        server: server.clone(),
                        login,
                        password,
                        ca_file: ca_file.clone(),
                    },
                )
            });
            Ok(LineConnection {
                sync: Arc::new(sync),
                server,
                embedded: false,
                ca_file,
            })
        }
        LineConfig::Embedded => {
            let dir: PathBuf = data_dir.join(SERVER_DIR);
            let (storage, password) = open_embedded(&dir, now_ms)?;
            if let Ok(store) = store.lock() {
                seed_profile(&store)?;
            }
            let server = Server::new(Arc::new(storage));
            let (address, sync) = tauri::async_runtime::block_on(async move {
                let listener =
                    match tokio::net::TcpListener::bind(("127.0.0.1", EMBEDDED_PORT)).await {
                        Ok(listener) => listener,
                        Err(_) => tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?,
                    };
                let address = listener.local_addr()?.to_string();
                tokio::spawn(async move {
                    if let Err(err) = linedesk_server::app::serve(listener, server).await {
                        eprintln!("linedesk: the embedded line server stopped: {err}");
                    }
                });
                let sync = linedesk_sync::spawn(
                    store,
                    SyncConfig {
                        server: address.clone(),
                        login: linedesk_demo::DEMO_SPECIALIST_LOGIN.to_string(),
                        password,
                        ca_file: None,
                    },
                );
                Ok::<_, std::io::Error>((address, sync))
            })?;
            std::fs::write(dir.join(ADDRESS_FILE), &address)?;
            Ok(LineConnection {
                sync: Arc::new(sync),
                server: address,
                embedded: true,
                ca_file: None,
            })
        }
    }
}
