//! [`VirtualDisplay`]: an Xvfb server on a free display number, for tests and the benchmark
//! (and for running a host headless). Killed when dropped, with every program started on it.
//! [`VirtualDisplay::with_xterm`] gives the desktop the tests and the benchmark share: a
//! shell in an xterm, drawn and still ([`wait_still`]).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::RemoteError;
use crate::screen::{Screen, X11Screen};

/// The xterm of [`VirtualDisplay::with_xterm`]: 100x30 characters in the top left corner,
/// running `sh`, with a cursor that does not blink (a blinking one never lets a screen be
/// still).
const XTERM_ARGS: [&str; 6] = [
    "-geometry",
    "100x30+0+0",
    "-xrm",
    "*cursorBlink: false",
    "-e",
    "/bin/sh",
];

/// How long [`wait_still`] gives a display to settle.
const SETTLE_WITHIN: Duration = Duration::from_secs(15);

/// One running `Xvfb :N -screen 0 WxHx24`.
pub struct VirtualDisplay {
    number: u32,
    server: Child,
    programs: Vec<Child>,
}

impl VirtualDisplay {
    /// Start Xvfb on the first free display number from a per-process offset (so parallel
    /// tests and other people's displays do not collide), and wait until it accepts clients.
    pub fn start(width: u16, height: u16) -> Result<VirtualDisplay, RemoteError> {
        let base = 200 + (std::process::id() % 400) * 4;
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        for _ in 0..64 {
            let number = base + NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if Path::new(&format!("/tmp/.X{number}-lock")).exists()
                || Path::new(&format!("/tmp/.X11-unix/X{number}")).exists()
            {
                continue;
            }
            let mut server = Command::new("Xvfb")
                .arg(format!(":{number}"))
                .args(["-screen", "0", &format!("{width}x{height}x24")])
                .args(["-nolisten", "tcp", "-noreset"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| RemoteError::X11(format!("cannot start Xvfb: {e}")))?;
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = server.try_wait() {
                    break; // taken after all: try the next number
                }
                if x11rb::connect(Some(&format!(":{number}"))).is_ok() {
                    return Ok(VirtualDisplay {
                        number,
                        server,
                        programs: Vec::new(),
                    });
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = server.kill();
            let _ = server.wait();
        }
        Err(RemoteError::X11("no free display number for Xvfb".into()))
    }

    /// [`VirtualDisplay::start`] with an xterm running `sh` in the top left corner, drawn and
    /// still.
    pub fn with_xterm(width: u16, height: u16) -> Result<VirtualDisplay, RemoteError> {
        let mut display = VirtualDisplay::start(width, height)?;
        display.spawn("xterm", &XTERM_ARGS)?;
        wait_still(&display.name())?;
        Ok(display)
    }

    /// `":N"`.
    pub fn name(&self) -> String {
        format!(":{}", self.number)
    }

    /// Start `program args...` on this display; it is killed with the display.
    pub fn spawn(&mut self, program: &str, args: &[&str]) -> Result<(), RemoteError> {
        let child = Command::new(program)
            .args(args)
            .env("DISPLAY", self.name())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| RemoteError::X11(format!("cannot start {program}: {e}")))?;
        self.programs.push(child);
        Ok(())
    }
}

/// Wait until `display` shows something (not one colour) and stops changing: three equal
/// grabs 200 ms apart. An error when that takes more than 15 s.
pub fn wait_still(display: &str) -> Result<(), RemoteError> {
    let mut screen = X11Screen::connect(Some(display))?;
    let deadline = Instant::now() + SETTLE_WITHIN;
    let (mut last, mut same) = (screen.grab()?, 0);
    while same < 3 {
        if Instant::now() >= deadline {
            return Err(RemoteError::X11(format!(
                "display {display} did not settle"
            )));
        }
        std::thread::sleep(Duration::from_millis(200));
        let now = screen.grab()?;
        let drawn = now.pixels.chunks_exact(4).any(|px| px != &now.pixels[..4]);
        same = if now == last && drawn { same + 1 } else { 0 };
        last = now;
    }
    Ok(())
}

impl Drop for VirtualDisplay {
    fn drop(&mut self) {
        for child in self
            .programs
            .iter_mut()
            .chain(std::iter::once(&mut self.server))
        {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
