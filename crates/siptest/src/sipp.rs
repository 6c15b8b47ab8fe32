//! SIPp as the far end of one call, playing a scenario of `scenarios/` (UDP, 127.0.0.1).

use std::ffi::OsString;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::watchdog::Watched;
use crate::{PeerError, ports, program};

/// What the far end does with the call it receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// 100, 180, 200 with a PCMA answer; expects the caller's ACK and BYE.
    Answer,
    /// 486 Busy Here.
    Busy,
    /// Rings (180) until the caller gives up: expects CANCEL, answers 200 and 487.
    NoAnswer,
    /// Answers (PCMU), then hangs up itself: BYE along the recorded route.
    FarEndBye,
    /// 401 with a digest challenge (realm `far.test`); the INVITE sent again must carry
    /// `alice`/`s3cret` (else 403 and the scenario fails); then answered, and the caller's BYE.
    Challenge401,
    /// Answers (PCMA), holds the call (re-INVITE `sendonly`, expects `recvonly`), resumes it
    /// (`sendrecv`, expects `sendrecv`), then hangs up itself (BYE).
    FarEndHold,
    /// The caller (started with [`Sipp::call`]): INVITE (PCMA) to an account of the PBX,
    /// waits up to 110 s for the answer, ACK, three seconds later BYE.
    CallIn,
    /// The caller (started with [`Sipp::call`]): INVITE (PCMA) to an account of the PBX that
    /// must be refused 480 (nobody takes its calls); ringing or an answer fails it.
    CallInRefused,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Answer => "answer",
            Scenario::Busy => "busy",
            Scenario::NoAnswer => "no_answer",
            Scenario::FarEndBye => "far_end_bye",
            Scenario::Challenge401 => "challenge_401",
            Scenario::FarEndHold => "far_end_hold",
            Scenario::CallIn => "call_in",
            Scenario::CallInRefused => "call_in_refused",
        }
    }

    fn text(self) -> &'static str {
        match self {
            Scenario::Answer => include_str!("../scenarios/answer.xml"),
            Scenario::Busy => include_str!("../scenarios/busy.xml"),
            Scenario::NoAnswer => include_str!("../scenarios/no_answer.xml"),
            Scenario::FarEndBye => include_str!("../scenarios/far_end_bye.xml"),
            Scenario::Challenge401 => include_str!("../scenarios/challenge_401.xml"),
            Scenario::FarEndHold => include_str!("../scenarios/far_end_hold.xml"),
            Scenario::CallIn => include_str!("../scenarios/call_in.xml"),
            Scenario::CallInRefused => include_str!("../scenarios/call_in_refused.xml"),
        }
    }
}

/// How long SIPp may take to bind its port.
const READY_WITHIN: Duration = Duration::from_secs(30);

/// The longest a scenario may run before SIPp gives up (and fails).
const SCENARIO_TIMEOUT: &str = "120s";

const START_ATTEMPTS: usize = 5;

/// What SIPp says (and logs with `-trace_err`) when a message the scenario does not expect
/// ends the call.
const ABORTED: &str = "Aborting call on unexpected message";

/// A running SIPp far end (for one call unless [`Sipp::start_for`] says more); stopped and
/// removed when dropped.
#[derive(Debug)]
pub struct Sipp {
    scenario: Scenario,
    port: u16,
    /// Declared before `dir`: the program stops before its directory goes.
    process: Watched,
    _dir: tempfile::TempDir,
}

impl Sipp {
    /// Start SIPp on a free UDP port of 127.0.0.1, waiting for one call.
    pub fn start(scenario: Scenario) -> Result<Sipp, PeerError> {
        Sipp::start_for(scenario, 1)
    }

    /// Start SIPp as the caller of one call to `user` through the proxy at `proxy`.
    pub fn call(scenario: Scenario, proxy: SocketAddr, user: &str) -> Result<Sipp, PeerError> {
        if user.is_empty() || !user.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(PeerError::Invalid(format!("user {user:?}")));
        }
        Sipp::attempts(scenario, 1, Some((proxy, user)))
    }

    /// Start SIPp playing the scenario for `calls` calls, one after the other or at once.
    pub fn start_for(scenario: Scenario, calls: u32) -> Result<Sipp, PeerError> {
        Sipp::attempts(scenario, calls, None)
    }

    fn attempts(
        scenario: Scenario,
        calls: u32,
        to: Option<(SocketAddr, &str)>,
    ) -> Result<Sipp, PeerError> {
        let mut last = None;
        for _ in 0..START_ATTEMPTS {
            let port = ports::free_udp_port()?;
            match Sipp::start_on(scenario, port, calls.max(1), to) {
                Ok(sipp) => return Ok(sipp),
                Err(e @ PeerError::NotInstalled(_)) => return Err(e),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(PeerError::Invalid("no attempt".into())))
    }

    fn start_on(
        scenario: Scenario,
        port: u16,
        calls: u32,
        to: Option<(SocketAddr, &str)>,
    ) -> Result<Sipp, PeerError> {
        let binary = program(&["sipp"])?;
        let dir = tempfile::Builder::new()
            .prefix("linedesk-sipp-")
            .tempdir()?;
        let file = dir.path().join(format!("{}.xml", scenario.name()));
        std::fs::write(&file, scenario.text())?;
        let media_port = ports::free_udp_port()?;
        let mut args: Vec<OsString> = [
            "-sf".into(),
            file.into_os_string(),
            "-i".into(),
            "127.0.0.1".into(),
            "-p".into(),
            port.to_string().into(),
            "-mp".into(),
            media_port.to_string().into(),
            "-t".into(),
            "u1".into(),
            "-m".into(),
            calls.to_string().into(),
            "-nostdin".into(),
            "-trace_err".into(),
            "-trace_msg".into(),
            "-timeout".into(),
            SCENARIO_TIMEOUT.into(),
            "-timeout_error".into(),
        ]
        .into();
        if let Some((proxy, user)) = to {
            args.extend(["-s".into(), user.into(), proxy.to_string().into()]);
        }
        let binary = binary.to_string_lossy().into_owned();
        let mut process = Watched::spawn(&binary, &args, dir.path())?;
        let deadline = Instant::now() + READY_WITHIN;
        while !ports::udp_bound(port)? {
            if let Some(status) = process.try_wait()? {
                return Err(PeerError::Failed {
                    program: "sipp",
                    why: format!("exited ({status}) before binding its port"),
                    log: process.output(),
                });
            }
            if Instant::now() > deadline {
                return Err(PeerError::Failed {
                    program: "sipp",
                    why: format!("did not bind 127.0.0.1:{port} within 30 s"),
                    log: process.output(),
                });
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(Sipp {
            scenario,
            port,
            process,
            _dir: dir,
        })
    }

    /// Its temporary directory (the scenario, its logs).
    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// Where it receives its call (UDP).
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Wait for the scenario to end; `Ok` when SIPp says the call went as written. A call
    /// SIPp aborted on an unexpected message is a failure even when SIPp exits 0 (it does
    /// once the CANCEL of its abort was answered).
    pub fn finish(mut self) -> Result<(), PeerError> {
        let status = self.process.wait()?;
        let output = self.process.output();
        if output.contains(ABORTED) {
            Err(PeerError::Failed {
                program: "sipp",
                why: format!(
                    "scenario {} aborted on an unexpected message ({status})",
                    self.scenario.name()
                ),
                log: output,
            })
        } else if status.success() {
            Ok(())
        } else {
            Err(PeerError::Failed {
                program: "sipp",
                why: format!("scenario {} failed ({status})", self.scenario.name()),
                log: output,
            })
        }
    }

    /// Stop SIPp now; what it printed, with its message trace and errors.
    pub fn stop(mut self) -> String {
        let _ = self.process.stop();
        self.process.output()
    }

    /// What SIPp printed so far (its message trace comes once it ended).
    pub fn log(&self) -> String {
        self.process.output()
    }
}
