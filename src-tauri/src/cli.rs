//! The app's command line, parsed by `clap` (`linedesk --help`, `linedesk --version`).
//!
//! Self-contained (clap and std only): `crates/manpages` includes this file to write the app's
//! man page.

use std::path::PathBuf;

use clap::Parser;

/// Linedesk, the workstation of support specialists. Without --server it runs its own line
/// server on 127.0.0.1 with the demo line.
#[derive(Parser, Debug, Default, Clone, PartialEq, Eq)]
#[command(name = "linedesk", version)]
pub struct Cli {
    /// Where the app keeps its data (default: the platform's app data dir,
    /// ~/.local/share/ru.linedesk.app on Linux).
    #[arg(long, env = "LINEDESK_DATA_DIR", value_name = "PATH")]
    pub data_dir: Option<PathBuf>,
    /// A line server instead of the embedded one: https://HOST[:PORT] (http:// is plain).
    /// Several servers of the same lines separated by commas: the sync fails over to the next
    /// when one goes away. The password is asked in the app (or LINEDESK_PASSWORD), never on
    /// the command line.
    #[arg(long, env = "LINEDESK_SERVER", value_name = "URL")]
    pub server: Option<String>,
    /// The login on that server.
    #[arg(long, env = "LINEDESK_LOGIN")]
    pub login: Option<String>,
    /// A PEM CA certificate to trust for that server (a company's own).
    #[arg(long, env = "LINEDESK_CA_FILE", value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Copy the data dir into FILE (while the app runs or not) and exit, without a window.
    #[arg(long, value_name = "FILE", conflicts_with = "import_data")]
    pub export_data: Option<PathBuf>,
    /// Restore the data dir from FILE made by --export-data and exit (the app stopped; a data
    /// dir that holds anything is refused unless --force).
    #[arg(long, value_name = "FILE")]
    pub import_data: Option<PathBuf>,
    /// With --import-data: replace what the data dir holds.
    #[arg(long, requires = "import_data")]
    pub force: bool,
}
