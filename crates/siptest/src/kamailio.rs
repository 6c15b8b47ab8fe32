//! Kamailio as the registrar and proxy of a test: digest authentication of REGISTER (401)
//! and INVITE (407) against a user table, locations in memory, numbers routed to the far ends
//! the test names; nothing from a database.

use std::ffi::OsString;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use crate::watchdog::Watched;
use crate::{PeerError, ports, program};

const CONFIG: &str = include_str!("kamailio.cfg");

/// How long Kamailio may take to answer its first request.
const READY_WITHIN: Duration = Duration::from_secs(60);

/// Tries to start on a port found free, in case another process took it meanwhile.
const START_ATTEMPTS: usize = 5;

/// What the registrar knows: its SIP domain, its users and where numbers go.
#[derive(Debug, Clone)]
pub struct KamailioConfig {
    /// The domain of the accounts (`sip:alice@<domain>`), also the digest realm.
    pub domain: String,
    /// Login and password of each account.
    pub users: Vec<(String, String)>,
    /// A dialled number and the far end (a [`crate::Sipp`]) it is relayed to.
    pub routes: Vec<(String, SocketAddr)>,
    /// The shortest registration it accepts (shorter ones get 423 Interval Too Brief).
    pub min_expires: u32,
}

impl KamailioConfig {
    /// The configuration file's text for listening on `port` with its control socket in `dir`.
    fn render(&self, port: u16, dir: &std::path::Path) -> Result<String, PeerError> {
        check_token("domain", &self.domain)?;
        let mut tables = String::new();
        for (user, password) in &self.users {
            check_token("user", user)?;
            check_token("password", password)?;
            tables.push_str(&format!("    $sht(users=>{user}) = \"{password}\";\n"));
        }
        for (number, far_end) in &self.routes {
            check_token("number", number)?;
            tables.push_str(&format!(
                "    $sht(routes=>{number}) = \"sip:{number}@{far_end}\";\n"
            ));
        }
        let dir = dir.to_str().ok_or_else(|| {
            PeerError::Invalid(format!("a directory that is not UTF-8: {}", dir.display()))
        })?;
        Ok(CONFIG
            .replace("@PORT@", &port.to_string())
            .replace("@DOMAIN@", &self.domain)
            .replace("@DIR@", dir)
            .replace("@MIN_EXPIRES@", &self.min_expires.to_string())
            .replace("@TABLES@", &tables))
    }
}

/// Letters, digits and `.-_+` only: nothing that could change the configuration's meaning.
fn check_token(what: &str, value: &str) -> Result<(), PeerError> {
    let plain = !value.is_empty()
        && value.len() <= 64
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+'));
    if plain {
        Ok(())
    } else {
        Err(PeerError::Invalid(format!("{what} {value:?}")))
    }
}

/// A running Kamailio; stopped and its directory removed when dropped.
#[derive(Debug)]
pub struct Kamailio {
    config: KamailioConfig,
    port: u16,
    /// Declared before `dir`: the program stops before its directory goes.
    server: Option<Watched>,
    dir: Option<tempfile::TempDir>,
    /// The output of the instances stopped so far.
    log: String,
}

impl Kamailio {
    /// Start Kamailio on a free port of 127.0.0.1; ready when it answers an OPTIONS request.
    pub fn start(config: KamailioConfig) -> Result<Kamailio, PeerError> {
        let mut last = None;
        for _ in 0..START_ATTEMPTS {
            let port = ports::free_udp_port()?;
            match Kamailio::start_on(config.clone(), port) {
                Ok(kamailio) => return Ok(kamailio),
                Err(e @ (PeerError::NotInstalled(_) | PeerError::Invalid(_))) => return Err(e),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(PeerError::Invalid("no attempt".into())))
    }

    fn start_on(config: KamailioConfig, port: u16) -> Result<Kamailio, PeerError> {
        let binary = program(&["kamailio"])?;
        let dir = tempfile::Builder::new()
            .prefix("linedesk-kamailio-")
            .tempdir()?;
        let file = dir.path().join("kamailio.cfg");
        std::fs::write(&file, config.render(port, dir.path())?)?;
        let args: Vec<OsString> = vec![
            "-f".into(),
            file.into(),
            "-D".into(),
            "-E".into(),
            "-m".into(),
            "32".into(),
            "-M".into(),
            "4".into(),
            "-Y".into(),
            dir.path().into(),
            "-w".into(),
            dir.path().into(),
        ];
        let binary = binary.to_string_lossy().into_owned();
        let mut server = Watched::spawn(&binary, &args, dir.path())?;
        wait_ready(&mut server, port)?;
        Ok(Kamailio {
            config,
            port,
            server: Some(server),
            dir: Some(dir),
            log: String::new(),
        })
    }

    /// Where it listens (UDP).
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// The accounts' domain.
    pub fn domain(&self) -> &str {
        &self.config.domain
    }

    /// Its temporary directory while it runs (configuration, control socket).
    pub fn dir(&self) -> Option<&std::path::Path> {
        self.dir.as_ref().map(|d| d.path())
    }

    /// Whether it is running (not stopped by [`Kamailio::stop`]).
    pub fn is_running(&self) -> bool {
        self.server.is_some()
    }

    /// Stop it now, as a registrar that disappears: every location it held is forgotten.
    pub fn stop(&mut self) -> Result<(), PeerError> {
        if let Some(mut server) = self.server.take() {
            server.stop()?;
            self.log.push_str(&server.output());
        }
        self.dir = None;
        Ok(())
    }

    /// Start it again on the same port with the same configuration (and no locations).
    pub fn restart(&mut self) -> Result<(), PeerError> {
        self.stop()?;
        let mut again = Kamailio::start_on(self.config.clone(), self.port)?;
        self.server = again.server.take();
        self.dir = again.dir.take();
        Ok(())
    }

    /// The contacts Kamailio's location table holds for `user` (none when it has no record),
    /// read through its control socket with `kamcmd ul.lookup`.
    pub fn contacts(&self, user: &str) -> Result<Vec<String>, PeerError> {
        check_token("user", user)?;
        let dir = self.dir.as_ref().ok_or_else(|| PeerError::Failed {
            program: "kamailio",
            why: "stopped".into(),
            log: String::new(),
        })?;
        let socket = format!("unix:{}", dir.path().join("ctl.sock").display());
        let output = std::process::Command::new(program(&["kamcmd"])?)
            .args(["-s", &socket, "ul.lookup", "location", user])
            .stdin(std::process::Stdio::null())
            .output()?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if text.contains("AOR not found") {
            return Ok(Vec::new());
        }
        if !output.status.success() || text.starts_with("error") {
            return Err(PeerError::Failed {
                program: "kamcmd",
                why: "ul.lookup failed".into(),
                log: text,
            });
        }
        Ok(text
            .lines()
            .filter_map(|line| line.trim().strip_prefix("Address:"))
            .map(|address| address.trim().to_string())
            .collect())
    }

    /// Route `number` to `far_end` from now on, as [`KamailioConfig::routes`] does at start
    /// (its routing table set through the control socket, `kamcmd htable.sets`).
    pub fn add_route(&self, number: &str, far_end: SocketAddr) -> Result<(), PeerError> {
        check_token("number", number)?;
        let dir = self.dir.as_ref().ok_or_else(|| PeerError::Failed {
            program: "kamailio",
            why: "stopped".into(),
            log: String::new(),
        })?;
        let socket = format!("unix:{}", dir.path().join("ctl.sock").display());
        // `s:`: kamcmd would read a number such as `+74951234567` as an integer.
        let key = format!("s:{number}");
        let target = format!("s:sip:{number}@{far_end}");
        let output = std::process::Command::new(program(&["kamcmd"])?)
            .args(["-s", &socket, "htable.sets", "s:routes", &key, &target])
            .stdin(std::process::Stdio::null())
            .output()?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if !output.status.success() || text.starts_with("error") {
            return Err(PeerError::Failed {
                program: "kamcmd",
                why: "htable.sets failed".into(),
                log: text,
            });
        }
        Ok(())
    }

    /// Kamailio's output so far (for a failing test's message).
    pub fn log(&self) -> String {
        let mut log = self.log.clone();
        if let Some(server) = &self.server {
            log.push_str(&server.output());
        }
        log
    }
}

impl Drop for Kamailio {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            eprintln!("linedesk-siptest: stopping Kamailio: {e}");
        }
    }
}

/// Wait until Kamailio answers an OPTIONS request on `port`.
fn wait_ready(server: &mut Watched, port: u16) -> Result<(), PeerError> {
    let socket = UdpSocket::bind("127.0.0.1:0")?;
    socket.set_read_timeout(Some(Duration::from_millis(200)))?;
    let local = socket.local_addr()?;
    let deadline = Instant::now() + READY_WITHIN;
    let mut attempt = 0u32;
    loop {
        if let Some(status) = server.try_wait()? {
            return Err(PeerError::Failed {
                program: "kamailio",
                why: format!("exited ({status}) before it was ready"),
                log: server.output(),
            });
        }
        attempt += 1;
        let options = format!(
            "OPTIONS sip:127.0.0.1:{port} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {local};branch=z9hG4bK-ready-{attempt}\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:ready@127.0.0.1>;tag=ready\r\n\
             To: <sip:127.0.0.1:{port}>\r\n\
             Call-ID: ready-{attempt}@127.0.0.1\r\n\
             CSeq: {attempt} OPTIONS\r\n\
             Content-Length: 0\r\n\r\n"
        );
        // An ICMP "port unreachable" may make a send or a receive fail: try again.
        let _ = socket.send_to(options.as_bytes(), ("127.0.0.1", port));
        let mut buf = [0u8; 2048];
        if let Ok((len, _)) = socket.recv_from(&mut buf)
            && buf[..len].starts_with(b"SIP/2.0 200")
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(PeerError::Failed {
                program: "kamailio",
                why: "did not answer OPTIONS within a minute".into(),
                log: server.output(),
            });
        }
    }
}
