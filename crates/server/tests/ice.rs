//! `GET /api/ice` from the real `linedesk-server` binary run with an `[ice]` section: a
//! signed-in specialist or client gets STUN as configured and TURN with a credential of the
//! TURN REST scheme made for their account, expiring after the configured lifetime; no token
//! gets 401; the secret appears in no answer and no output; a bad `[ice]` stops the server
//! before it starts, naming the key.

mod common;

use std::net::SocketAddr;
use std::process::Stdio;

use base64::Engine;
use common::{http_get, token};
use linedesk_server::app::now_ms;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

const BIN: &str = env!("CARGO_BIN_EXE_linedesk-server");
const SECRET: &str = "a-shared-secret-for-coturn";

fn ok(args: &[&str]) -> String {
    let out = std::process::Command::new(BIN)
        .args(args)
        .output()
        .expect("run linedesk-server");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The credential from an independent implementation (Python's `hmac`), when `python3` is here
/// (the server crate's unit test holds a fixed vector from it too).
fn python_credential(username: &str) -> Option<String> {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import hmac,hashlib,base64,sys; print(base64.b64encode(hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha1).digest()).decode())",
            SECRET,
            username,
        ])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[tokio::test]
async fn signed_in_parties_get_stun_and_short_lived_turn_credentials_and_nobody_else_does() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data").display().to_string();
    let line = ok(&["add-line", "--data-dir", &data, "--name", "Линия"]);
    ok(&[
        "add-specialist",
        "--data-dir",
        &data,
        "--login",
        "anna",
        "--password",
        "anna-pass",
        "--name",
        "Анна",
        "--lines",
        &line,
    ]);
    ok(&[
        "add-client",
        "--data-dir",
        &data,
        "--line",
        &line,
        "--name",
        "Иванова",
        "--login",
        "ivanova",
        "--password",
        "ivanova-pass",
    ]);
    std::fs::write(dir.path().join("turn-secret"), format!("{SECRET}\n")).expect("secret");
    let config = dir.path().join("server.toml");
    std::fs::write(
        &config,
        "bind = \"127.0.0.1:0\"\ndata_dir = \"data\"\n[ice]\nstun = [\"stun:turn.example.com:3478\"]\n\
         turn = [\"turn:turn.example.com:3478?transport=udp\", \"turns:turn.example.com:5349\"]\n\
         turn_secret_file = \"turn-secret\"\ncredential_lifetime_seconds = 600\n",
    )
    .expect("config");
    let mut child = tokio::process::Command::new(BIN)
        .args(["serve", "--config", &config.display().to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = tokio::time::timeout(common::WAIT, lines.next_line())
        .await
        .expect("in time")
        .expect("read")
        .unwrap_or_default();
    let addr: SocketAddr = first
        .strip_prefix("listening on ")
        .and_then(|a| a.parse().ok())
        .expect("`listening on ADDR`");

    let (status, body) = http_get(addr, "/api/ice", None).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["code"], "unauthenticated");

    for (login, role) in [("anna", "specialist"), ("ivanova", "client")] {
        let bearer = token(addr, login, &format!("{login}-pass")).await;
        let before = now_ms() / 1000;
        let (status, body) = http_get(addr, "/api/ice", Some(&bearer)).await;
        assert_eq!(status, 200, "{body}");
        let servers: Vec<linedesk_protocol::IceServer> =
            serde_json::from_value(body.clone()).expect("RTCIceServer list");
        linedesk_protocol::check_ice_servers(&servers).expect("valid");
        assert_eq!(servers.len(), 2, "{body}");
        assert_eq!(servers[0].urls, ["stun:turn.example.com:3478"]);
        assert!(servers[0].username.is_none() && servers[0].credential.is_none());
        assert_eq!(
            servers[1].urls,
            [
                "turn:turn.example.com:3478?transport=udp",
                "turns:turn.example.com:5349"
            ]
        );
        let username = servers[1].username.clone().expect("username");
        let (expiry, account) = username.split_once(':').expect("expiry:account");
        let expiry: i64 = expiry.parse().expect("unix time");
        assert!(
            (before + 600..=now_ms() / 1000 + 600).contains(&expiry),
            "{username}"
        );
        assert!(account.starts_with(&format!("{role}-")), "{username}");
        let credential = servers[1].credential.clone().expect("credential");
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(&credential)
                .expect("base64")
                .len(),
            20,
            "an HMAC-SHA1"
        );
        if let Some(reference) = python_credential(&username) {
            assert_eq!(credential, reference);
        }
        assert!(!body.to_string().contains(SECRET));
    }

    child.start_kill().expect("stop");
    let mut out = String::new();
    let mut stderr = child.stderr.take().expect("stderr");
    let _ = tokio::time::timeout(common::WAIT, stderr.read_to_string(&mut out)).await;
    while let Ok(Some(line)) = lines.next_line().await {
        out.push_str(&line);
    }
    assert!(!out.contains(SECRET), "the secret was printed: {out}");
}

#[test]
fn a_bad_ice_section_stops_the_server_before_it_starts_naming_the_key() {
    let dir = tempfile::tempdir().expect("dir");
    let cases = [
        (
            "turn = [\"turn:t.example.com\"]\n",
            "`ice.turn`",
            "TURN needs turn_secret",
        ),
        (
            "stun = [\"http://t.example.com\"]\n",
            "`ice.stun`",
            "stun:host",
        ),
        (
            "turn = [\"turn:t.example.com\"]\nturn_secret = \"short\"\n",
            "`ice.turn_secret` = (hidden)",
            "at least 16",
        ),
        (
            "turn = [\"turn:t.example.com\"]\nturn_secret = \"0123456789abcdef\"\ncredential_lifetime_seconds = 5\n",
            "`ice.credential_lifetime_seconds` = 5",
            "between 60",
        ),
        ("stun = []\nsecret = \"x\"\n", "unknown field `secret`", ""),
    ];
    for (ice, key, reason) in cases {
        let config = dir.path().join("server.toml");
        std::fs::write(
            &config,
            format!("bind = \"127.0.0.1:0\"\ndata_dir = \"data\"\n[ice]\n{ice}"),
        )
        .expect("config");
        let out = std::process::Command::new(BIN)
            .args(["serve", "--config", &config.display().to_string()])
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{ice}");
        assert!(err.contains(key) && err.contains(reason), "{ice}: {err}");
        assert!(!err.contains("short"), "{err}");
    }
}
