//! A throwaway PostgreSQL cluster for tests, so that no test needs a database that exists
//! before it: [`Cluster::start`] runs `initdb` into a temporary directory and starts the server
//! on a free port of 127.0.0.1 (and a Unix socket in the same directory, nowhere else), ready
//! when `pg_isready` says so; each test takes a database of its own ([`Cluster::database`]);
//! dropping the cluster stops the server and removes the directory.
//!
//! The server cannot outlive the test process: it runs under a small shell that holds a pipe
//! from the test, stops it (fast shutdown) when the pipe closes and removes the directory;
//! the pipe closes when the cluster is dropped and also when the test process is killed (a
//! timeout, kill -9), so no server and no directory is left behind on the machine.
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
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

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
    /// The shell that runs the server; its stdin is our end of the pipe.
    server: Option<Child>,
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

/// How long a server may take to accept connections.
const READY_WITHIN: Duration = Duration::from_secs(60);

/// Runs the server (`$0 "$@"`) in the background and stops it (SIGINT: fast shutdown) when its
/// stdin, the test's pipe, reaches its end; ends by itself when the server does (a port taken).
/// bash, for `read -t`.
const WATCHDOG: &str = r#"exec 3<&0
"$0" "$@" </dev/null &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
    if read -r -t 1 _ <&3; then :; else
        [ $? -gt 128 ] || break
    fi
done
kill -INT "$pid" 2>/dev/null
wait "$pid"
rm -rf -- "$PGTEST_DIR""#;

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
            server: None,
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
                Ok(server) => {
                    cluster.port = port;
                    cluster.server = Some(server);
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

    /// Start the server on `port` under the watchdog shell and wait until it is ready.
    fn start_on(&self, port: u16) -> Result<Child, ClusterError> {
        let data = self.data_dir();
        let log = std::fs::File::create(self.dir.path().join("server.log"))?;
        if let Some(user) = &self.run_as {
            std::os::unix::fs::chown(
                self.dir.path().join("server.log"),
                Some(user.uid),
                Some(user.gid),
            )?;
        }
        let socket = self.socket_dir();
        let port_setting = format!("port={port}");
        let socket_setting = format!("unix_socket_directories={}", socket.display());
        let settings: [&str; 7] = [
            "listen_addresses=127.0.0.1",
            &port_setting,
            &socket_setting,
            "fsync=off",
            "synchronous_commit=off",
            "full_page_writes=off",
            "max_connections=200",
        ];
        let mut args: Vec<std::ffi::OsString> = vec!["-c".into(), WATCHDOG.into()];
        args.push(self.bin.join("postgres").into());
        args.push("-D".into());
        args.push(data.into());
        for setting in settings {
            args.push("-c".into());
            args.push(setting.into());
        }
        let mut command = self.command("bash");
        // The watchdog removes the cluster's directory once the server stopped, also when the
        // test process is gone and never drops the cluster.
        command.env("PGTEST_DIR", self.dir.path());
        let mut server = command
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        let deadline = Instant::now() + READY_WITHIN;
        let port_text = port.to_string();
        loop {
            if let Some(status) = server.try_wait()? {
                return Err(ClusterError::Failed {
                    program: "postgres".into(),
                    output: format!(
                        "exited ({status}): {}",
                        std::fs::read_to_string(self.dir.path().join("server.log"))
                            .unwrap_or_default()
                    ),
                });
            }
            let ready = self.run(
                "pg_isready",
                &[
                    "-h".as_ref(),
                    "127.0.0.1".as_ref(),
                    "-p".as_ref(),
                    port_text.as_ref(),
                    "-q".as_ref(),
                ],
            );
            if ready.is_ok() {
                return Ok(server);
            }
            if Instant::now() > deadline {
                drop(server.stdin.take());
                let _ = server.wait();
                return Err(ClusterError::Failed {
                    program: "postgres".into(),
                    output: "not ready within a minute".into(),
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
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

    /// Stop the server now: the watchdog's pipe is closed, the server shuts down and its
    /// directory is removed.
    pub fn stop(&mut self) -> Result<(), ClusterError> {
        let Some(mut server) = self.server.take() else {
            return Ok(());
        };
        drop(server.stdin.take());
        server.wait()?;
        Ok(())
    }

    /// A command that runs `program` (a path or a name on PATH) as the cluster's account.
    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.arg("-u").arg(&user.name).arg("--").arg(program);
                c
            }
            None => Command::new(program),
        };
        // Nothing of the caller's PostgreSQL environment (PGHOST, PGDATABASE, ...) applies.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("PG") {
                command.env_remove(&key);
            }
        }
        command.current_dir(self.dir.path());
        command
    }

    /// Run one of PostgreSQL's programs (as the `postgres` account when we are root).
    fn run(&self, program: &str, args: &[&std::ffi::OsStr]) -> Result<(), ClusterError> {
        let output = self
            .command(self.bin.join(program))
            .args(args)
            .stdin(Stdio::null())
            .output()?;
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

    /// The child of [`a_killed_test_leaves_no_server_behind`]: starts a cluster, says where,
    /// and waits to be killed. Runs only when that test starts it.
    #[test]
    #[ignore = "started by a_killed_test_leaves_no_server_behind"]
    fn child_holding_a_cluster() {
        let cluster = Cluster::start().expect("cluster");
        println!("cluster {} {}", cluster.port(), cluster.dir().display());
        std::thread::sleep(Duration::from_secs(120));
    }

    #[test]
    fn a_killed_test_leaves_no_server_behind() {
        use std::io::BufRead;
        let mut child = Command::new(std::env::current_exe().expect("this test binary"))
            .args([
                "--exact",
                "tests::child_holding_a_cluster",
                "--ignored",
                "--nocapture",
            ])
            .stdout(Stdio::piped())
            .spawn()
            .expect("child");
        let stdout = child.stdout.take().expect("stdout");
        let line = std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find(|l| l.starts_with("cluster "))
            .expect("the child's cluster");
        let mut words = line.split_whitespace().skip(1);
        let port: u16 = words.next().and_then(|p| p.parse().ok()).expect("port");
        let dir = PathBuf::from(words.next().expect("dir"));
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
        // SIGKILL: the test process runs no drop.
        child.kill().expect("kill -9");
        child.wait().expect("reaped");
        let deadline = Instant::now() + Duration::from_secs(30);
        while (std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() || dir.exists())
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
            "the server stopped with its test"
        );
        assert!(!dir.exists(), "and its directory is gone");
    }
}
