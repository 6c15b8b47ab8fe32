//! SIP peers for tests, real programs from Debian on loopback (`./dev.sh setup` installs
//! them): [`Kamailio`] as the registrar and proxy (digest authentication against a small user
//! table, numbers routed to the far ends), and [`Sipp`] playing a scenario from
//! `scenarios/` as the far end of one call (answer, busy, no answer, hang-up by the far end,
//! a 401 challenge), and [`Baresip`] as a media peer that answers, speaks a WAV file and
//! dumps what it heard.
//!
//! Each peer runs in a temporary directory of its own (its configuration, logs and control
//! socket) on a free 127.0.0.1 port, under a bash watchdog holding a pipe from the test:
//! dropping the peer or killing the test process (a timeout, kill -9) stops the program and
//! removes the directory, so nothing is left behind on the machine.

mod baresip;
mod kamailio;
mod ports;
mod sipp;
mod watchdog;

pub use baresip::Baresip;
pub use kamailio::{Kamailio, KamailioConfig};
pub use sipp::{Scenario, Sipp};

use std::fmt;
use std::path::PathBuf;

/// Why a peer could not be started or did not do what it was started for.
#[derive(Debug)]
pub enum PeerError {
    /// The program is not installed (`./dev.sh setup` installs it).
    NotInstalled(&'static str),
    Io(std::io::Error),
    /// The program did not start or ended badly: which, why, and its log.
    Failed {
        program: &'static str,
        why: String,
        log: String,
    },
    /// A value given to the harness that it cannot write into a configuration.
    Invalid(String),
}

impl fmt::Display for PeerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeerError::NotInstalled(program) => {
                write!(f, "{program} is not installed (./dev.sh setup installs it)")
            }
            PeerError::Io(e) => write!(f, "{e}"),
            PeerError::Failed { program, why, log } => {
                write!(f, "{program}: {why}\n--- its log ---\n{log}")
            }
            PeerError::Invalid(what) => write!(f, "invalid: {what}"),
        }
    }
}

impl std::error::Error for PeerError {}

impl From<std::io::Error> for PeerError {
    fn from(e: std::io::Error) -> PeerError {
        PeerError::Io(e)
    }
}

/// The first of `names` found on PATH or in the usual system directories.
fn program(names: &[&'static str]) -> Result<PathBuf, PeerError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    dirs.extend(["/usr/sbin", "/usr/bin", "/sbin", "/bin"].map(PathBuf::from));
    for name in names {
        for dir in &dirs {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(PeerError::NotInstalled(
        names.first().copied().unwrap_or("?"),
    ))
}

#[cfg(test)]
mod tests;
