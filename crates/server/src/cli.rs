//! The command line of `linedesk-server`, parsed by `clap`: a subcommand per task, each with
//! `--help`; `crates/manpages` writes the man pages from [`Cli`]. What each command does is in
//! `main.rs`.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use linedesk_protocol::{MAX_LOGIN_CHARS, MAX_NAME_CHARS, check_chars};

use crate::postgres;

/// The line server of Linedesk, and the commands that set up its lines and accounts.
#[derive(Parser)]
#[command(
    name = "linedesk-server",
    version,
    after_help = "The config file's keys: see linedesk-server.example.toml."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Log levels, RUST_LOG-style: `info`, `warn,audit=info`, `linedesk_server=debug`.
    #[arg(long, global = true, env = "LINEDESK_LOG")]
    pub log: Option<String>,
    /// Log lines as `human` text or `json` objects (stderr).
    #[arg(long, global = true, env = "LINEDESK_LOG_FORMAT")]
    pub log_format: Option<String>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the server: from a config file, or on a data dir with the defaults.
    Serve(ServeArgs),
    /// Add an administrator account (the admin HTTP API).
    AddAdmin {
        #[command(flatten)]
        data: DataDir,
        /// The login to sign in with.
        #[arg(long, value_parser = login)]
        login: String,
        #[command(flatten)]
        password: Password,
    },
    /// Revoke every token of an account (it may sign in again).
    RevokeTokens {
        #[command(flatten)]
        data: DataDir,
        #[arg(long)]
        login: String,
    },
    /// Disable an account: its tokens are revoked and it cannot sign in.
    DisableAccount {
        #[command(flatten)]
        data: DataDir,
        #[arg(long)]
        login: String,
    },
    /// Enable a disabled account again.
    EnableAccount {
        #[command(flatten)]
        data: DataDir,
        #[arg(long)]
        login: String,
    },
    /// Set a new password (the account's tokens are revoked).
    ResetPassword {
        #[command(flatten)]
        data: DataDir,
        #[arg(long)]
        login: String,
        #[command(flatten)]
        password: Password,
    },
    /// Take a line away from a specialist; their appeals go back to routing.
    RemoveFromLine {
        #[command(flatten)]
        data: DataDir,
        #[arg(long)]
        login: String,
        #[arg(long)]
        line: u64,
    },
    /// Make a specialist a supervisor of a line (reports of everyone, the monitor), or no
    /// longer (`--off`).
    SetSupervisor {
        #[command(flatten)]
        data: DataDir,
        #[arg(long)]
        login: String,
        #[arg(long)]
        line: u64,
        #[arg(long)]
        off: bool,
    },
    /// Make a specialist an admin of a line (its SLA levels, quick replies, KB, specialists and
    /// clients, edited in the app), or no longer (`--off`).
    SetLineAdmin {
        #[command(flatten)]
        data: DataDir,
        #[arg(long)]
        login: String,
        #[arg(long)]
        line: u64,
        #[arg(long)]
        off: bool,
    },
    /// W3: make a line the staff line, where specialists ask for help from the app as its
    /// clients (`--off`: no staff line).
    StaffLine {
        #[command(flatten)]
        data: DataDir,
        #[arg(long, required_unless_present = "off")]
        line: Option<u64>,
        #[arg(long, conflicts_with = "line")]
        off: bool,
    },
    /// Add a line; prints its id.
    AddLine {
        #[command(flatten)]
        data: DataDir,
        /// The name people see.
        #[arg(long, value_parser = name)]
        name: String,
    },
    /// Add a client to a line (with a login to sign in with, optionally); prints its id.
    AddClient {
        #[command(flatten)]
        data: DataDir,
        #[arg(long)]
        line: u64,
        /// The name people see.
        #[arg(long, value_parser = name)]
        name: String,
        #[arg(long, value_parser = login, requires = "password")]
        login: Option<String>,
        #[arg(long, env = "LINEDESK_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Add a specialist serving the given lines; prints its id.
    AddSpecialist {
        #[command(flatten)]
        data: DataDir,
        /// The login to sign in with.
        #[arg(long, value_parser = login)]
        login: String,
        #[command(flatten)]
        password: Password,
        /// The name people see.
        #[arg(long, value_parser = name)]
        name: String,
        /// Line ids, comma-separated.
        #[arg(long, value_delimiter = ',', required = true, num_args = 1..)]
        lines: Vec<u64>,
        /// Routing priority on those lines.
        #[arg(long, default_value_t = 0)]
        priority: u8,
        /// How many appeals at once.
        #[arg(long, default_value_t = 5)]
        limit: u32,
    },
    /// Import a line's clients from a CSV file.
    ImportClients {
        #[command(flatten)]
        data: DataDir,
        #[arg(long)]
        line: u64,
        #[arg(long)]
        file: PathBuf,
    },
    /// Replace a line's SLA levels from a TOML file.
    SlaLevels {
        #[command(flatten)]
        data: DataDir,
        #[arg(long)]
        line: u64,
        #[arg(long)]
        file: PathBuf,
    },
    /// Add a ticket queue to a line; prints its id.
    AddTicketQueue {
        #[command(flatten)]
        data: DataDir,
        #[arg(long)]
        line: u64,
        /// The name people see.
        #[arg(long, value_parser = name)]
        name: String,
    },
    /// Replace a line's quick replies from a TOML file.
    QuickReplies {
        #[command(flatten)]
        data: DataDir,
        #[arg(long)]
        line: u64,
        #[arg(long)]
        file: PathBuf,
    },
    /// Replace a line's closing settings (A5 auto-finish minutes, A4 closing phrases) from a
    /// TOML file.
    LineSettings {
        #[command(flatten)]
        data: DataDir,
        #[arg(long)]
        line: u64,
        #[arg(long)]
        file: PathBuf,
    },
    /// Replace a line's knowledge base from a TOML file.
    KbImport {
        #[command(flatten)]
        data: DataDir,
        #[arg(long)]
        line: u64,
        #[arg(long)]
        file: PathBuf,
    },
    /// Seed the demo lines, as in the app.
    SeedDemo {
        #[command(flatten)]
        data: DataDir,
        #[command(flatten)]
        password: Password,
    },
    /// Copy a SQLite line server (its data dir; stop its server first) into an empty
    /// PostgreSQL database: accounts, lines, event logs with their sequence numbers, files,
    /// recordings, SLA levels, KB, everything it keeps. The apps' cursors stay valid.
    Migrate {
        /// The SQLite server's data dir.
        #[arg(long = "from-data-dir")]
        from_data_dir: PathBuf,
        /// The empty PostgreSQL database: postgres://USER[:PASSWORD]@HOST[:PORT]/DB.
        #[arg(long, value_parser = database)]
        database: String,
    },
    /// Back up a SQLite data dir (database, files and recordings) into one new file, while its
    /// server runs. For PostgreSQL use pg_dump (see README).
    Backup {
        /// The server's data directory.
        #[arg(long = "data-dir")]
        data_dir: PathBuf,
        /// The backup file to write (it must not exist).
        #[arg(long)]
        to: PathBuf,
    },
    /// Restore a backup into a data dir (stop its server first).
    Restore {
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
        /// The data directory to restore into: empty or missing, unless --force.
        #[arg(long = "data-dir")]
        data_dir: PathBuf,
        /// Replace what the data dir holds.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Args)]
#[group(required = true, multiple = false)]
pub struct DataDir {
    /// The server's data directory (its SQLite database and blobs).
    #[arg(long = "data-dir")]
    pub dir: Option<PathBuf>,
    /// A PostgreSQL database instead: postgres://USER[:PASSWORD]@HOST[:PORT]/DB.
    #[arg(long, value_parser = database)]
    pub database: Option<String>,
}

#[derive(Args)]
pub struct Password {
    /// The password; or the environment variable LINEDESK_PASSWORD (not in the process list).
    #[arg(long, env = "LINEDESK_PASSWORD", hide_env_values = true)]
    pub password: String,
}

#[derive(Args)]
pub struct ServeArgs {
    /// The config file (its keys: linedesk-server.example.toml).
    #[arg(long, conflicts_with_all = ["data_dir", "database", "bind", "max_connections_per_ip"])]
    pub config: Option<PathBuf>,
    /// The data directory, without a config file.
    #[arg(long = "data-dir", required_unless_present_any = ["config", "database"])]
    pub data_dir: Option<PathBuf>,
    /// A PostgreSQL database instead of the data dir's SQLite file:
    /// postgres://USER[:PASSWORD]@HOST[:PORT]/DB.
    #[arg(long, value_parser = database, conflicts_with = "data_dir")]
    pub database: Option<String>,
    /// The address to listen on.
    #[arg(long, value_parser = address)]
    pub bind: Option<SocketAddr>,
    /// Connections one IP address may hold at once.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections_per_ip: Option<u32>,
}

/// A text option within its limit (defined once in `linedesk_protocol::limits`).
fn text(value: &str, field: &'static str, max: usize) -> Result<String, String> {
    if value.trim().is_empty() {
        return Err(format!("the {field} must not be empty"));
    }
    check_chars(field, value, max).map_err(|e| e.to_string())?;
    Ok(value.to_string())
}

pub fn name(value: &str) -> Result<String, String> {
    text(value, "name", MAX_NAME_CHARS)
}

pub fn login(value: &str) -> Result<String, String> {
    text(value, "login", MAX_LOGIN_CHARS)
}

pub fn address(text: &str) -> Result<SocketAddr, String> {
    text.to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| format!("{text:?} is not an address like 127.0.0.1:7700"))
}

pub fn database(text: &str) -> Result<String, String> {
    if postgres::is_url(text) {
        Ok(text.to_string())
    } else {
        Err("not a postgres:// URL".into())
    }
}
