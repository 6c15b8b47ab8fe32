//! The incoming call's notification against a real notification service: GNOME's
//! `notification-daemon` (Debian package of the same name) on a private D-Bus session
//! (`dbus-run-session`) under Xvfb. The service reports the `actions` capability, so the
//! notification carries Answer and Decline; it is sent with critical urgency, never expiring
//! (checked on the bus with `dbus-monitor`); closing it when the call stops ringing ends the
//! wait for its buttons (`Dismissed`); and the service's `ActionInvoked(id, "answer")` signal,
//! which it sends when the button is pressed, comes back as `Answer`. Pressing the button
//! itself is not simulated (no pointer on the popup): the test emits that signal with `gdbus`.
//!
//! The test re-runs itself in a child inside the private session (D-Bus addresses are read
//! at connect time from the environment, which a test cannot set in-process).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use linedesk_app::ringing::{
    ANSWER, DECLINE, NoticeReply, call_notice_here, close_call_notice, show_call_notice,
};
use linedesk_store::Language;

const NAME: &str =
    "the_call_notice_is_critical_with_answer_and_decline_and_closes_when_ringing_stops";
const CHILD: &str = "LINEDESK_NOTIFY_TEST_CHILD";
const WAIT: Duration = Duration::from_secs(10);

/// A process killed when the test ends (also when it fails).
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(program: &str, args: &[&str]) -> Killed {
    Killed(
        Command::new(program)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {program}: {e} (./dev.sh installs it)")),
    )
}

#[test]
fn the_call_notice_is_critical_with_answer_and_decline_and_closes_when_ringing_stops() {
    if std::env::var_os(CHILD).is_none() {
        // A display of our own for the service's popups.
        let n = (90..120)
            .find(|n| !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists())
            .expect("a free X display number");
        let display = format!(":{n}");
        let _xvfb = spawn(
            "Xvfb",
            &[&display, "-screen", "0", "640x480x24", "-nolisten", "tcp"],
        );
        let started = Instant::now();
        while !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
            assert!(started.elapsed() < WAIT, "Xvfb did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let exe = std::env::current_exe().expect("test binary");
        let status = Command::new("dbus-run-session")
            .arg("--")
            .arg(exe)
            .args(["--exact", NAME, "--nocapture", "--test-threads=1"])
            .env(CHILD, "1")
            .env("DISPLAY", &display)
            .status()
            .expect("dbus-run-session (./dev.sh installs dbus)");
        assert!(status.success(), "the child in the D-Bus session failed");
        return;
    }

    let _daemon = spawn("/usr/lib/notification-daemon/notification-daemon", &[]);
    let started = Instant::now();
    let server = loop {
        match notify_rust::get_server_information() {
            Ok(info) => break info,
            Err(err) => {
                assert!(started.elapsed() < WAIT, "no notification service: {err}");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    };
    println!("service: {} {}", server.name, server.version);
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("notify.log");
    let monitor = Killed(
        Command::new("dbus-monitor")
            .args([
                "--session",
                "interface='org.freedesktop.Notifications',member='Notify'",
            ])
            .stdout(std::fs::File::create(&log).expect("log"))
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-monitor"),
    );
    std::thread::sleep(Duration::from_millis(500));

    let notice = call_notice_here(Language::En, "Ivanova");
    let ids: Vec<&str> = notice.actions.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, [ANSWER, DECLINE], "the service shows actions");

    // The call stops ringing: closing the notification ends the wait for its buttons.
    let (shown_tx, shown) = mpsc::channel();
    let (reply_tx, replies) = mpsc::channel();
    let shown_notice = notice.clone();
    std::thread::spawn(move || {
        let reply = show_call_notice(&shown_notice, |id| {
            let _ = shown_tx.send(id);
        });
        let _ = reply_tx.send(reply);
    });
    let id = shown.recv_timeout(WAIT).expect("shown");
    close_call_notice(id, &notice).expect("closed");
    assert_eq!(
        replies.recv_timeout(WAIT).expect("the wait ended"),
        Ok(Some(NoticeReply::Dismissed))
    );

    // The Answer button: the service's signal comes back as Answer.
    let (shown_tx, shown) = mpsc::channel();
    let (reply_tx, replies) = mpsc::channel();
    let shown_notice = notice.clone();
    std::thread::spawn(move || {
        let reply = show_call_notice(&shown_notice, |id| {
            let _ = shown_tx.send(id);
        });
        let _ = reply_tx.send(reply);
    });
    let id = shown.recv_timeout(WAIT).expect("shown");
    // notify-rust subscribes to the signals right after showing.
    std::thread::sleep(Duration::from_millis(300));
    let emitted = Command::new("gdbus")
        .args([
            "emit",
            "--session",
            "--object-path",
            "/org/freedesktop/Notifications",
            "--signal",
            "org.freedesktop.Notifications.ActionInvoked",
            // The signal's signature is (u, s): a bare number would be an int32.
            &format!("uint32 {id}"),
            "'answer'",
        ])
        .status()
        .expect("gdbus");
    assert!(emitted.success());
    assert_eq!(
        replies.recv_timeout(WAIT).expect("the answer came"),
        Ok(Some(NoticeReply::Answer))
    );
    let _ = close_call_notice(id, &notice);

    // As sent on the bus: critical urgency (byte 2), the two actions, and an expiry of 0
    // (never expires, in the specification's terms).
    std::thread::sleep(Duration::from_millis(300));
    drop(monitor);
    let sent = std::fs::read_to_string(&log).expect("monitor log");
    let first = sent
        .split("method call")
        .find(|call| call.contains("member=Notify"))
        .expect("a Notify call on the bus");
    println!("{first}");
    let urgency = first.find("\"urgency\"").expect("an urgency hint");
    assert!(
        first[urgency..]
            .trim_start_matches(|c| c != 'b')
            .starts_with("byte 2"),
        "not critical: {first}"
    );
    for text in [
        "string \"Incoming call\"",
        "string \"answer\"",
        "string \"Answer\"",
        "string \"decline\"",
        "string \"call.incoming\"",
    ] {
        assert!(first.contains(text), "{text} missing from {first}");
    }
    assert!(first.trim_end().ends_with("int32 0"), "expires: {first}");
}
