//! The command line of `linedesk-assist`, parsed by `clap` (`--help`, `--version`).
//!
//! Self-contained (clap and std only): `crates/manpages` includes this file to write the man
//! page.

use std::path::PathBuf;

use clap::Parser;

/// The client's assistant of remote sessions: signs in as the client and hosts the sessions
/// the client accepts. The account's password comes from LINEDESK_ASSIST_ACCOUNT_PASSWORD, the
/// session password (with --set-password) from LINEDESK_ASSIST_PASSWORD: never from the
/// command line, where other users of the machine see it.
#[derive(Parser)]
#[command(name = "linedesk-assist", version)]
pub struct Cli {
    /// The line server: https://HOST[:PORT] (http:// is plain; a bare host:port needs
    /// --insecure-plain).
    #[arg(long)]
    pub server: String,
    /// A PEM file with a CA to trust beside the system's roots (a company's own CA).
    #[arg(long)]
    pub ca: Option<PathBuf>,
    /// The client's login.
    #[arg(long)]
    pub login: String,
    /// Set the session password for sessions by password (from LINEDESK_ASSIST_PASSWORD).
    #[arg(long)]
    pub set_password: bool,
    /// Accept every request without asking.
    #[arg(long, conflicts_with = "decline")]
    pub accept: bool,
    /// Decline every request without asking.
    #[arg(long)]
    pub decline: bool,
    /// The X display to share (default $DISPLAY).
    #[arg(long)]
    pub display: Option<String>,
    /// Quit after this many requests (for tests).
    #[arg(long)]
    pub requests: Option<usize>,
    /// Allow a bare host:port to mean plain HTTP/WS.
    #[arg(long)]
    pub insecure_plain: bool,
    /// Relayed (TURN) paths only.
    #[arg(long)]
    pub relay_only: bool,
    /// Refused: passwords are not taken from the command line.
    #[arg(long, hide = true)]
    pub password: Option<String>,
}
