//! A throwaway PostgreSQL cluster for tests, so that no test needs a database that exists
//! before it: [`Cluster::start`] runs `initdb` into a temporary directory and `pg_ctl start`
//! on a free port of 127.0.0.1 (and a Unix socket in the same directory, nowhere else); each
//! test takes a database of its own ([`Cluster::database`]); dropping the cluster stops the
//! server (`pg_ctl stop -m immediate`) and removes the directory.
//!
//! PostgreSQL refuses to run as root: when the tests run as root, the directory is handed to
//! the `postgres` account the Debian package creates and the server's programs run as it
//! (`runuser`). The binaries are PostgreSQL 15's from Debian (`postgresql-15`, installed by
//! `./dev.sh setup`), or those under `LINEDESK_PG_BIN`.
//!
//! The cluster trusts local connections (it lives for one test run, on loopback) and runs with
//! `fsync = off`: durability against a power cut is PostgreSQL's, not what the tests check.

use std::fmt;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Where Debian puts PostgreSQL 15's server programs.
pub const DEBIAN_BIN: &str = "/usr/lib/postgresql/15/bin";

/// The role the tests connect as (the cluster's superuser).
pub const USER: &str = "linedesk";

/// Why a cluster could not be made.
#[derive(Debug)]
pub enum ClusterError {
    /// No `initdb` where PostgreSQL's programs were looked for.
    NotInstalled(PathBuf),
    /// Running as root, and no `postgres` account to run the server as.
    NoUnprivilegedUser,
    Io(std::io::Error),
    /// A program failed: which, and what it printed.
    Failed {
        program: String,
        output: String,
    },
}

impl fmt::Display for ClusterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClusterError::NotInstalled(bin) => write!(
                f,
                "PostgreSQL is not installed: no initdb in {} (./dev.sh setup installs postgresql)",
                bin.display()
            ),
            ClusterError::NoUnprivilegedUser => {
                write!(
                    f,
                    "running as root and there is no `postgres` account to run PostgreSQL as"
                )
            }
            ClusterError::Io(e) => write!(f, "{e}"),
            ClusterError::Failed { program, output } => write!(f, "{program} failed: {output}"),
        }
    }
}

impl std::error::Error for ClusterError {}

impl From<std::io::Error> for ClusterError {
    fn from(e: std::io::Error) -> ClusterError {
        ClusterError::Io(e)
    }
}

/// The account the server's programs run as when we are root.
#[derive(Debug, Clone)]
struct RunAs {
    name: String,
    uid: u32,
    gid: u32,
}

/// A running throwaway cluster; stopped and removed when dropped.
pub struct Cluster {
    bin: PathBuf,
    run_as: Option<RunAs>,
    /// Holds `data/` (the cluster), `socket/` and `server.log`.
    dir: tempfile::TempDir,
    port: u16,
    stopped: bool,
}

impl fmt::Debug for Cluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cluster")
            .field("dir", &self.dir.path())
            .field("port", &self.port)
            .finish()
    }
}

/// Tries to start the server on a port found free, in case another process took it meanwhile.
const START_ATTEMPTS: usize = 5;

impl Cluster {
    /// `initdb` and start a cluster in a new temporary directory.
    pub fn start() -> Result<Cluster, ClusterError> {
        let bin = std::env::var_os("LINEDESK_PG_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEBIAN_BIN));
        if !bin.join("initdb").is_file() {
            return Err(ClusterError::NotInstalled(bin));
        }
        let run_as = if effective_uid()? == 0 {
            Some(postgres_account()?.ok_or(ClusterError::NoUnprivilegedUser)?)
        } else {
            None
        };
        let dir = tempfile::Builder::new().prefix("linedesk-pg-").tempdir()?;
        if let Some(user) = &run_as {
            std::os::unix::fs::chown(dir.path(), Some(user.uid), Some(user.gid))?;
        }
        let mut cluster = Cluster {
            bin,
            run_as,
            dir,
            port: 0,
            // Nothing to stop until it started.
            stopped: true,
        };
        std::fs::create_dir(cluster.socket_dir())?;
        if let Some(user) = &cluster.run_as {
            std::os::unix::fs::chown(cluster.socket_dir(), Some(user.uid), Some(user.gid))?;
        }
        let data = cluster.data_dir();
        cluster.run(
            "initdb",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-U".as_ref(),
                USER.as_ref(),
                "--auth=trust".as_ref(),
                "--encoding=UTF8".as_ref(),
                "--locale=C.UTF-8".as_ref(),
                "--no-sync".as_ref(),
            ],
        )?;
        let mut last = None;
        for _ in 0..START_ATTEMPTS {
            let port = free_port()?;
            match cluster.start_on(port) {
                Ok(()) => {
                    cluster.port = port;
                    cluster.stopped = false;
                    return Ok(cluster);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(ClusterError::Failed {
            program: "pg_ctl start".into(),
            output: "no attempt".into(),
        }))
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn socket_dir(&self) -> PathBuf {
        self.dir.path().join("socket")
    }

    fn start_on(&self, port: u16) -> Result<(), ClusterError> {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories='{}' \
             -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
             -c max_connections=200",
            self.socket_dir().display()
        );
        let data = self.data_dir();
        let log = self.dir.path().join("server.log");
        self.run(
            "pg_ctl",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-l".as_ref(),
                log.as_os_str(),
                "-o".as_ref(),
                options.as_ref(),
                "-w".as_ref(),
                "-t".as_ref(),
                "60".as_ref(),
                "start".as_ref(),
            ],
        )
        .map_err(|e| match e {
            ClusterError::Failed { program, output } => ClusterError::Failed {
                program,
                output: format!(
                    "{output}\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                ),
            },
            other => other,
        })
    }

    /// The port the server listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The connection URL of database `name` (which [`Cluster::database`] creates).
    pub fn url(&self, name: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{name}", self.port)
    }

    /// Create database `name` (letters, digits and `_`), or keep it when it exists; its URL.
    pub fn database(&self, name: &str) -> Result<String, ClusterError> {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(ClusterError::Failed {
                program: "createdb".into(),
                output: format!("{name:?} is not a plain database name"),
            });
        }
        let port = self.port.to_string();
        let made = self.run(
            "createdb",
            &[
                "-h".as_ref(),
                "127.0.0.1".as_ref(),
                "-p".as_ref(),
                port.as_ref(),
                "-U".as_ref(),
                USER.as_ref(),
                name.as_ref(),
            ],
        );
        match made {
            Ok(()) => Ok(self.url(name)),
            Err(ClusterError::Failed { output, .. }) if output.contains("already exists") => {
                Ok(self.url(name))
            }
            Err(e) => Err(e),
        }
    }

    /// Stop the server now (the directory goes when the cluster is dropped).
    pub fn stop(&mut self) -> Result<(), ClusterError> {
        if self.stopped {
            return Ok(());
        }
        self.stopped = true;
        let data = self.data_dir();
        self.run(
            "pg_ctl",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-m".as_ref(),
                "immediate".as_ref(),
                "-w".as_ref(),
                "stop".as_ref(),
            ],
        )
    }

    /// Run one of PostgreSQL's programs (as the `postgres` account when we are root).
    fn run(&self, program: &str, args: &[&std::ffi::OsStr]) -> Result<(), ClusterError> {
        let path = self.bin.join(program);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.arg("-u").arg(&user.name).arg("--").arg(&path);
                c
            }
            None => Command::new(&path),
        };
        // Nothing of the caller's PostgreSQL environment (PGHOST, PGDATABASE, ...) applies.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("PG") {
                command.env_remove(&key);
            }
        }
        let output = command.args(args).current_dir(self.dir.path()).output()?;
        if output.status.success() {
            Ok(())
        } else {
            Err(ClusterError::Failed {
                program: program.into(),
                output: printed(&output),
            })
        }
    }

    /// The cluster's directory (its data, socket and log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            eprintln!("linedesk-pgtest: stopping the cluster: {e}");
        }
    }
}

fn printed(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn free_port() -> Result<u16, ClusterError> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// The effective uid, from `/proc/self/status` (no libc needed).
fn effective_uid() -> Result<u32, ClusterError> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| ClusterError::Failed {
            program: "/proc/self/status".into(),
            output: "no effective uid".into(),
        })
}

/// The `postgres` account of `/etc/passwd`, if there is one.
fn postgres_account() -> Result<Option<RunAs>, ClusterError> {
    let passwd = std::fs::read_to_string("/etc/passwd")?;
    Ok(passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        match fields.as_slice() {
            ["postgres", _, uid, gid, ..] => Some(RunAs {
                name: "postgres".into(),
                uid: uid.parse().ok()?,
                gid: gid.parse().ok()?,
            }),
            _ => None,
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_starts_takes_databases_and_is_removed() {
        let mut cluster = Cluster::start().expect("cluster");
        let dir = cluster.dir().to_path_buf();
        let port = cluster.port();
        assert!(dir.join("data/PG_VERSION").is_file());
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok(),
            "listening on 127.0.0.1:{port}"
        );
        let url = cluster.database("one").expect("database");
        assert_eq!(url, format!("postgres://linedesk@127.0.0.1:{port}/one"));
        assert_eq!(
            cluster.database("one").expect("again"),
            url,
            "kept when it exists"
        );
        assert!(cluster.database("no-dashes").is_err());
        cluster.stop().expect("stop");
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
            "stopped"
        );
        drop(cluster);
        assert!(!dir.exists(), "the directory is removed");
    }
}
