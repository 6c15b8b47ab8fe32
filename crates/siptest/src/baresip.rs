//! baresip as a media peer: it answers every call by itself (or places one,
//! [`Baresip::call`]), sends a WAV file (`aufile`) and writes what it heard to a WAV
//! (`sndfile`'s `dump-*-dec.wav`), with no sound device (`aubridge` stands in for the player).

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::watchdog::Watched;
use crate::{PeerError, ports, program};

const READY_WITHIN: Duration = Duration::from_secs(30);
const START_ATTEMPTS: usize = 5;

/// A running baresip; stopped and its directory removed when dropped.
#[derive(Debug)]
pub struct Baresip {
    port: u16,
    /// Declared before `dir`: the program stops before its directory goes.
    process: Watched,
    dir: tempfile::TempDir,
}

impl Baresip {
    /// Start baresip on a free UDP port of 127.0.0.1 as the account of `number` (the user part
    /// of the calls the proxy relays to it), answering with `codecs` (baresip's names:
    /// `PCMA`, `PCMU`, `opus`) and sending `say` (a WAV file of 16-bit mono; baresip needs its
    /// rate to be the codec's: 8 kHz for G.711, 48 kHz for Opus).
    pub fn start(number: &str, say: &Path, codecs: &[&str]) -> Result<Baresip, PeerError> {
        Baresip::attempts(number, say, codecs, None)
    }

    /// Start baresip as `number` (as [`Baresip::start`]) and have it call `user` of the PBX
    /// at `proxy` at once (`/dial sip:user@proxy`): the proxy relays the call to where the
    /// account registered; once answered, baresip sends `say` and hangs up when it ended.
    pub fn call(
        number: &str,
        say: &Path,
        codecs: &[&str],
        proxy: SocketAddr,
        user: &str,
    ) -> Result<Baresip, PeerError> {
        if user.is_empty() || !user.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(PeerError::Invalid(format!("user {user:?}")));
        }
        let dial = format!("/dial sip:{user}@{proxy}");
        Baresip::attempts(number, say, codecs, Some(&dial))
    }

    fn attempts(
        number: &str,
        say: &Path,
        codecs: &[&str],
        dial: Option<&str>,
    ) -> Result<Baresip, PeerError> {
        let mut last = None;
        for _ in 0..START_ATTEMPTS {
            let port = ports::free_udp_port()?;
            match Baresip::start_on(number, say, codecs, port, dial) {
                Ok(b) => return Ok(b),
                Err(e @ (PeerError::NotInstalled(_) | PeerError::Invalid(_))) => return Err(e),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(PeerError::Invalid("no attempt".into())))
    }

    fn start_on(
        number: &str,
        say: &Path,
        codecs: &[&str],
        port: u16,
        dial: Option<&str>,
    ) -> Result<Baresip, PeerError> {
        let binary = program(&["baresip"])?;
        let dir = tempfile::Builder::new()
            .prefix("linedesk-baresip-")
            .tempdir()?;
        let say = say.to_str().ok_or_else(|| {
            PeerError::Invalid(format!("a path that is not UTF-8: {}", say.display()))
        })?;
        let here = dir
            .path()
            .to_str()
            .ok_or_else(|| PeerError::Invalid("a temp dir that is not UTF-8".into()))?;
        // Digits, with a leading `+` for an international number.
        let digits = number.strip_prefix('+').unwrap_or(number);
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(PeerError::Invalid(format!("number {number:?}")));
        }
        for codec in codecs {
            if !codec.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(PeerError::Invalid(format!("codec {codec:?}")));
            }
        }
        let config = format!(
            "poll_method epoll\nsip_listen 127.0.0.1:{port}\nmodule_path /usr/lib/baresip/modules\n\
             module aufile.so\nmodule aubridge.so\nmodule sndfile.so\nmodule g711.so\n\
             module opus.so\nmodule account.so\nmodule menu.so\naudio_source aufile,{say}\n\
             audio_player aubridge,x\naudio_alert aubridge,x\nsnd_path {here}\n"
        );
        std::fs::write(dir.path().join("config"), config)?;
        std::fs::write(
            dir.path().join("accounts"),
            format!(
                "<sip:{number}@127.0.0.1:{port}>;regint=0;answermode=auto;audio_codecs={}\n",
                codecs.join(",")
            ),
        )?;
        let mut args: Vec<OsString> = vec!["-f".into(), dir.path().into()];
        if let Some(dial) = dial {
            args.extend(["-e".into(), dial.into()]);
        }
        let binary = binary.to_string_lossy().into_owned();
        let mut process = Watched::spawn(&binary, &args, dir.path())?;
        let deadline = Instant::now() + READY_WITHIN;
        while !ports::udp_bound(port)? {
            if let Some(status) = process.try_wait()? {
                return Err(PeerError::Failed {
                    program: "baresip",
                    why: format!("exited ({status}) before binding its port"),
                    log: process.output(),
                });
            }
            if Instant::now() > deadline {
                return Err(PeerError::Failed {
                    program: "baresip",
                    why: format!("did not bind 127.0.0.1:{port} within 30 s"),
                    log: process.output(),
                });
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(Baresip { port, process, dir })
    }

    /// Where it listens for SIP (UDP).
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// The WAV files of what it heard (`sndfile`'s decoded dumps), once a call ran.
    pub fn heard(&self) -> Result<Vec<PathBuf>, PeerError> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(self.dir.path())? {
            let path = entry?.path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            if name.is_some_and(|n| n.starts_with("dump-") && n.ends_with("-dec.wav")) {
                found.push(path);
            }
        }
        Ok(found)
    }

    /// Stop it (the dump files are complete afterwards); its output so far.
    pub fn stop(&mut self) -> String {
        let _ = self.process.stop();
        self.process.output()
    }

    /// Its output so far.
    pub fn log(&self) -> String {
        self.process.output()
    }
}
