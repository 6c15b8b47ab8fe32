//! A real TURN server for the tests of several crates (a plain file each includes with
//! `#[path]`: crates/engine/tests/turn.rs, crates/assist/tests/turn.rs,
//! crates/client-sim/tests/browser_call.rs): coturn from Debian (package `coturn`, installed
//! by `./dev.sh`), started on loopback with its own ports and a temporary config (REST
//! credentials from a shared secret, as a line owner runs it), without root, and killed when
//! dropped. A missing `turnserver` fails the test with the install line, never skips it.
#![allow(dead_code)]

use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Coturn {
    child: Child,
    config: std::path::PathBuf,
    /// The UDP address TURN listens on.
    pub addr: SocketAddr,
    /// Its log, for a failing test's message.
    pub log: std::path::PathBuf,
    /// The TCP address TURN over TLS listens on ([`Coturn::start_with_tls`]).
    pub tls_addr: Option<SocketAddr>,
}

/// A port in 20000-32000 where UDP and TCP both bind now, starting from a place that
/// differs per process and call so parallel tests rarely try the same ones.
fn free_listener_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static CALLS: AtomicU32 = AtomicU32::new(0);
    let seed = std::process::id()
        .wrapping_mul(7919)
        .wrapping_add(CALLS.fetch_add(1, Ordering::Relaxed).wrapping_mul(997))
        .wrapping_add(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos()),
        );
    // Steps of 401 keep each candidate's relay range clear of the one before.
    const SLOTS: u32 = (32_000 - 20_000) / 401;
    (0..SLOTS)
        .map(|i| 20_000 + ((seed.wrapping_add(i)) % SLOTS) * 401)
        .filter_map(|p| u16::try_from(p).ok())
        .find(|&p| {
            UdpSocket::bind(("127.0.0.1", p)).is_ok()
                && std::net::TcpListener::bind(("127.0.0.1", p)).is_ok()
        })
        .expect("a free port for coturn in 20000-32000")
}

impl Coturn {
    /// `turn:127.0.0.1:PORT?transport=udp`.
    pub fn url(&self) -> String {
        format!("turn:{}?transport=udp", self.addr)
    }

    /// `turn:127.0.0.1:PORT?transport=tcp`: coturn listens on TCP on the same port (for
    /// clients whose network lets no UDP out; the browser can use it, webrtc-rs 0.21 cannot).
    pub fn tcp_url(&self) -> String {
        format!("turn:{}?transport=tcp", self.addr)
    }

    /// `turns:127.0.0.1:PORT?transport=tcp`: TURN over TLS ([`Coturn::start_with_tls`]; the
    /// browser can use it, webrtc-rs 0.21 cannot).
    pub fn tls_url(&self) -> Option<String> {
        self.tls_addr
            .map(|addr| format!("turns:{addr}?transport=tcp"))
    }

    /// Start coturn in `dir` with `secret` as its `static-auth-secret`; returns once it
    /// answers a STUN binding request.
    pub fn start(dir: &Path, secret: &str) -> Coturn {
        Coturn::start_on(dir, secret, None)
    }

    /// [`Coturn::start`], also listening for TURN over TLS on a port of its own with the
    /// certificate `cert` and its key `key` (PEM files).
    pub fn start_with_tls(dir: &Path, secret: &str, cert: &Path, key: &Path) -> Coturn {
        Coturn::start_on(dir, secret, Some((cert, key)))
    }

    fn start_on(dir: &Path, secret: &str, tls: Option<(&Path, &Path)>) -> Coturn {
        // A port free for UDP and TCP below Linux's ephemeral range (32768-60999), the relay
        // ports after it: a port the kernel hands out to outgoing connections could be taken
        // by another test's socket while coturn is stopped, and its restart could not listen.
        let port = free_listener_port();
        let (min, max) = (port + 1, port + 400);
        let log = dir.join("turnserver.log");
        let config = dir.join("turnserver.conf");
        let tls_port = tls.map(|_| free_listener_port());
        let tls_lines = match (tls, tls_port) {
            (Some((cert, key)), Some(tls_port)) => format!(
                "tls-listening-port={tls_port}\ncert={}\npkey={}\nno-dtls\n",
                cert.display(),
                key.display()
            ),
            _ => "no-tls\nno-dtls\n".to_string(),
        };
        std::fs::write(
            &config,
            format!(
                "listening-ip=127.0.0.1\nlistening-port={port}\nrelay-ip=127.0.0.1\n\
                 min-port={min}\nmax-port={max}\nuse-auth-secret\nstatic-auth-secret={secret}\n\
                 realm=linedesk.test\nallow-loopback-peers\nno-cli\n{tls_lines}\
                 no-tcp-relay\nfingerprint\nno-multicast-peers\nsimple-log\nverbose\n\
                 log-file={}\nuserdb={}\npidfile={}\n",
                log.display(),
                dir.join("turndb").display(),
                dir.join("turnserver.pid").display(),
            ),
        )
        .expect("coturn config");
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let mut coturn = Coturn {
            child: spawn(&config),
            config,
            addr,
            log,
            tls_addr: tls_port.map(|p| SocketAddr::from(([127, 0, 0, 1], p))),
        };
        coturn.wait_ready();
        coturn
    }

    /// Kill it (every allocation is gone, nothing is relayed any more).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Start it again on the same ports with the same secret, after [`Coturn::stop`].
    pub fn resume(&mut self) {
        self.child = spawn(&self.config);
        self.wait_ready();
    }

    fn wait_ready(&mut self) {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("socket");
        socket
            .set_read_timeout(Some(Duration::from_millis(200)))
            .expect("timeout");
        // STUN Binding request: type 0x0001, length 0, magic cookie, transaction id.
        let mut request = vec![0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42];
        request.extend_from_slice(b"linedesk-ice");
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut answer = [0u8; 512];
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("turnserver exited: {status}; log: {}", self.log_text());
            }
            let _ = socket.send_to(&request, self.addr);
            if let Ok((n, _)) = socket.recv_from(&mut answer)
                && n >= 20
                && answer[..2] == [0x01, 0x01]
            {
                return;
            }
        }
        panic!(
            "turnserver did not answer on {}: {}",
            self.addr,
            self.log_text()
        );
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

fn spawn(config: &Path) -> Child {
    Command::new("turnserver")
        .arg("-c")
        .arg(config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("turnserver is needed for this test ({e}): apt-get install coturn")
        })
}

impl Drop for Coturn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
