//! A program run under a bash watchdog holding a pipe from the test (as `linedesk-pgtest`
//! does for PostgreSQL): when the pipe closes (the handle dropped, or the test process killed
//! by a timeout or kill -9) the watchdog stops the program (SIGTERM, then SIGKILL after five
//! seconds) and removes the program's temporary directory. The program's output, and the
//! `*.log` files it left in its directory, come back to the test through a pipe
//! ([`Watched::output`]), so nothing is written outside the directory.

use std::ffi::OsString;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// The most of a program's output kept (the end of a longer one is dropped).
const OUTPUT_LIMIT: usize = 4 << 20;

/// Runs `"$0" "$@"` in the background; stops it when stdin (the test's pipe) closes; ends by
/// itself when the program does, with its exit status; removes `$SIPTEST_DIR` either way.
const WATCHDOG: &str = r#"exec 3<&0 2>&1
"$0" "$@" </dev/null &
pid=$!
# The test's end of the output pipe may be gone (a killed test): writing must not kill the
# watchdog before it removed the directory.
trap '' PIPE
while kill -0 "$pid" 2>/dev/null; do
    if read -r -t 1 _ <&3; then :; else
        [ $? -gt 128 ] || break
    fi
done
kill -TERM "$pid" 2>/dev/null
for _ in 1 2 3 4 5 6 7 8 9 10; do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
done
kill -KILL "$pid" 2>/dev/null
wait "$pid"
status=$?
for f in "$SIPTEST_DIR"/*.log; do
    [ -f "$f" ] && { echo "--- $(basename "$f")"; cat -- "$f"; }
done
rm -rf -- "$SIPTEST_DIR"
exit $status"#;

/// A program running under the watchdog.
#[derive(Debug)]
pub(crate) struct Watched {
    child: Child,
    output: Arc<Mutex<Vec<u8>>>,
    reader: Option<JoinHandle<()>>,
}

impl Watched {
    /// Start `program args` under the watchdog with `dir` as its working directory (removed
    /// when the program ends).
    pub(crate) fn spawn(program: &str, args: &[OsString], dir: &Path) -> std::io::Result<Watched> {
        let mut command = Command::new("bash");
        command
            .arg("-c")
            .arg(WATCHDOG)
            .arg(program)
            .args(args)
            .env("SIPTEST_DIR", dir)
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = command.spawn()?;
        let output = Arc::new(Mutex::new(Vec::new()));
        let reader = child.stdout.take().map(|mut stdout| {
            let output = Arc::clone(&output);
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                while let Ok(n) = stdout.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if let Ok(mut kept) = output.lock()
                        && kept.len() < OUTPUT_LIMIT
                    {
                        kept.extend_from_slice(&buf[..n]);
                    }
                }
            })
        });
        Ok(Watched {
            child,
            output,
            reader,
        })
    }

    /// What the program printed so far; once it ended, with the logs it left.
    pub(crate) fn output(&self) -> String {
        self.output
            .lock()
            .map(|kept| String::from_utf8_lossy(&kept).into_owned())
            .unwrap_or_default()
    }

    /// After the program ended: wait until all its output is read.
    fn drain(&mut self) {
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }

    /// The exit status if the program has ended.
    pub(crate) fn try_wait(&mut self) -> std::io::Result<Option<ExitStatus>> {
        let status = self.child.try_wait()?;
        if status.is_some() {
            self.drain();
        }
        Ok(status)
    }

    /// Wait for the program to end by itself. The pipe stays open meanwhile (std's
    /// `Child::wait` closes stdin first, which would stop the program at once).
    pub(crate) fn wait(&mut self) -> std::io::Result<ExitStatus> {
        let pipe = self.child.stdin.take();
        let status = self.child.wait();
        drop(pipe);
        let status = status?;
        self.drain();
        Ok(status)
    }

    /// Stop the program now (close the pipe) and wait until it and its directory are gone.
    pub(crate) fn stop(&mut self) -> std::io::Result<ExitStatus> {
        drop(self.child.stdin.take());
        self.wait()
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            eprintln!("linedesk-siptest: stopping a peer: {e}");
        }
    }
}
