//! The window's command line, parsed by `clap` (`--help`, `--version`).
//!
//! Self-contained (clap and std only): `crates/manpages` includes this file to write the
//! window's man page.

use std::path::PathBuf;

use clap::Parser;

/// The client's assistant of Linedesk remote sessions, in a small window: sign in, see who
/// asks to see the screen and from which line, accept or decline. The shared screen is the X
/// display the window runs on ($DISPLAY).
#[derive(Parser, Debug, Default)]
#[command(name = "linedesk-assist-window", version)]
pub struct Cli {
    /// Where the server, login and language are remembered (default: the app's config dir).
    /// No password is ever written.
    #[arg(long, env = "LINEDESK_ASSIST_DIR", value_name = "PATH")]
    pub config_dir: Option<PathBuf>,
    /// A PEM CA certificate to trust for https:// servers (a company's own).
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
}
