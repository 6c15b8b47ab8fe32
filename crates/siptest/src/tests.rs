//! The harness itself: peers start, answer, stop, and leave nothing behind.

use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::*;

fn config() -> KamailioConfig {
    KamailioConfig {
        domain: "linedesk.test".into(),
        users: vec![("alice".into(), "s3cret".into())],
        routes: vec![("200".into(), "127.0.0.1:9".parse().expect("addr"))],
        min_expires: 1,
    }
}

/// Whether Kamailio answers an OPTIONS request at `port` (five tries of a second each: the
/// machine may be loaded).
fn answers(port: u16) -> bool {
    (0..5).any(|_| answers_once(port))
}

fn answers_once(port: u16) -> bool {
    let Ok(socket) = UdpSocket::bind("127.0.0.1:0") else {
        return false;
    };
    let _ = socket.set_read_timeout(Some(Duration::from_secs(1)));
    let Ok(local) = socket.local_addr() else {
        return false;
    };
    let options = format!(
        "OPTIONS sip:127.0.0.1:{port} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bK-t1\r\n\
         Max-Forwards: 70\r\nFrom: <sip:t@127.0.0.1>;tag=t\r\nTo: <sip:127.0.0.1:{port}>\r\n\
         Call-ID: t1@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
    );
    let _ = socket.send_to(options.as_bytes(), ("127.0.0.1", port));
    let mut buf = [0u8; 2048];
    matches!(socket.recv_from(&mut buf), Ok((len, _)) if buf[..len].starts_with(b"SIP/2.0 200"))
}

/// The processes whose command line names `dir` (a peer started in it).
fn processes_in(dir: &std::path::Path) -> Vec<String> {
    let needle = dir.to_string_lossy().into_owned();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|e| {
            let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
            let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            text.contains(&needle).then_some(text)
        })
        .collect()
}

#[test]
fn kamailio_answers_stops_and_comes_back_on_its_port() {
    let mut kamailio = Kamailio::start(config()).expect("kamailio");
    let port = kamailio.addr().port();
    let dir = kamailio.dir().expect("running").to_path_buf();
    assert!(!processes_in(&dir).is_empty(), "its processes are seen");
    assert!(answers(port), "answers OPTIONS: {}", kamailio.log());
    assert_eq!(
        kamailio.contacts("alice").expect("its location table"),
        Vec::<String>::new(),
        "nobody registered yet"
    );
    kamailio.stop().expect("stop");
    assert_eq!(processes_in(&dir), Vec::<String>::new(), "stopped");
    assert!(!dir.exists(), "its directory is removed");
    kamailio.restart().expect("restart");
    assert_eq!(kamailio.addr().port(), port, "the same port");
    assert!(answers(port), "answers again: {}", kamailio.log());
}

#[test]
fn a_value_that_would_change_the_configuration_is_refused() {
    let mut bad = config();
    bad.users.push(("bob".into(), "x\";\n exit;".into()));
    assert!(matches!(Kamailio::start(bad), Err(PeerError::Invalid(_))));
}

#[test]
fn sipp_binds_its_port_and_stops_when_dropped() {
    let sipp = Sipp::start(Scenario::Busy).expect("sipp");
    let port = sipp.addr().port();
    let dir = sipp.dir().to_path_buf();
    assert!(ports::udp_bound(port).expect("udp table"));
    assert!(!processes_in(&dir).is_empty(), "its process is seen");
    drop(sipp);
    assert_eq!(processes_in(&dir), Vec::<String>::new(), "stopped");
    assert!(!dir.exists(), "its directory is removed");
}

/// The child of [`a_killed_test_leaves_no_peer_behind`]: starts both peers, says where, and
/// waits to be killed. Runs only when that test starts it.
#[test]
#[ignore = "started by a_killed_test_leaves_no_peer_behind"]
fn child_holding_peers() {
    let kamailio = Kamailio::start(config()).expect("kamailio");
    let sipp = Sipp::start(Scenario::Answer).expect("sipp");
    println!(
        "peers {} {} {}",
        kamailio.addr().port(),
        kamailio.dir().expect("running").display(),
        sipp.dir().display()
    );
    std::thread::sleep(Duration::from_secs(120));
}

#[test]
fn a_killed_test_leaves_no_peer_behind() {
    use std::io::BufRead;
    let mut child = Command::new(std::env::current_exe().expect("this test binary"))
        .args([
            "--exact",
            "tests::child_holding_peers",
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
        .find(|l| l.starts_with("peers "))
        .expect("the child's peers");
    let words: Vec<&str> = line.split_whitespace().skip(1).collect();
    let [port, kamailio_dir, sipp_dir] = words.as_slice() else {
        panic!("{line}");
    };
    let port: u16 = port.parse().expect("port");
    let theirs = [PathBuf::from(kamailio_dir), PathBuf::from(sipp_dir)];
    assert!(theirs.iter().all(|d| d.exists()), "{line}");
    assert!(theirs.iter().all(|d| !processes_in(d).is_empty()), "{line}");
    assert!(answers(port), "the child's Kamailio runs");
    // SIGKILL: the test process runs no drop.
    child.kill().expect("kill -9");
    child.wait().expect("reaped");
    let gone = || {
        theirs
            .iter()
            .all(|d| !d.exists() && processes_in(d).is_empty())
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !gone() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    for dir in &theirs {
        assert_eq!(
            processes_in(dir),
            Vec::<String>::new(),
            "30 s after the test died"
        );
        assert!(!dir.exists(), "{} is still there", dir.display());
    }
}
