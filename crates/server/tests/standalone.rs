//! The real `linedesk-server` binary run standalone: a config file with TLS, an admin made by
//! `add-admin`, config errors caught before starting, and `revoke-tokens` next to a running
//! server closing its live sessions.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use common::{Client, exchange, pki, tls_connector, tls_stream, token};
use linedesk_protocol::{ErrorCode, ServerFrame};
use tokio::io::{AsyncBufReadExt, BufReader};

const BIN: &str = env!("CARGO_BIN_EXE_linedesk-server");

fn cli(args: &[&str]) -> Output {
    std::process::Command::new(BIN)
        .args(args)
        .output()
        .expect("run linedesk-server")
}

fn ok(args: &[&str]) -> String {
    let out = cli(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

async fn start(args: &[&str]) -> (tokio::process::Child, SocketAddr) {
    let mut child = tokio::process::Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start the server");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = tokio::time::timeout(common::WAIT, lines.next_line())
        .await
        .expect("in time")
        .expect("read");
    let addr = first
        .as_deref()
        .and_then(|l| l.strip_prefix("listening on "))
        .and_then(|a| a.parse().ok())
        .expect("`listening on ADDR`");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, addr)
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

#[tokio::test]
async fn serve_with_a_config_file_over_tls_and_an_admin_made_on_the_command_line() {
    let dir = tempfile::tempdir().expect("dir");
    let files = pki(dir.path());
    let config = dir.path().join("linedesk-server.toml");
    std::fs::write(
        &config,
        "bind = \"127.0.0.1:0\"\ndata_dir = \"data\"\noffline_grace_seconds = 30\n\n[tls]\ncert = \"cert.pem\"\nkey = \"key.pem\"\n",
    )
    .expect("write");
    let data = path(&dir.path().join("data"));
    let id = ok(&[
        "add-admin",
        "--data-dir",
        &data,
        "--login",
        "root",
        "--password",
        "root-pass",
    ]);
    assert_eq!(id, "1");
    let (_server, addr) = start(&["serve", "--config", &path(&config)]).await;

    let connector = tls_connector(&files.ca_der);
    let host = addr.to_string();
    let login = br#"{"login":"root","password":"root-pass"}"#;
    let stream = tls_stream(&connector, addr).await;
    let (status, body) = exchange(stream, &host, "POST", "/api/login", None, login).await;
    assert_eq!(
        (status, body["role"].as_str()),
        (200, Some("admin")),
        "{body}"
    );
    let root = body["token"].as_str().expect("token");
    let stream = tls_stream(&connector, addr).await;
    let name = br#"{"name":"Standalone"}"#;
    let (status, line) =
        exchange(stream, &host, "POST", "/api/admin/lines", Some(root), name).await;
    assert_eq!((status, line["id"].as_u64()), (201, Some(1)), "{line}");
    // The admin has no line session, over WSS too.
    let mut c = Client::connect_tls(addr, &connector).await;
    assert!(matches!(
        c.hello(root).await,
        ServerFrame::Error {
            code: ErrorCode::Forbidden,
            ..
        }
    ));
}

#[test]
fn bad_config_files_are_refused_before_starting_naming_the_file_and_the_key() {
    let dir = tempfile::tempdir().expect("dir");
    pki(dir.path());
    let tls = |cert: &str, key: &str| {
        format!("data_dir = \"d\"\n[tls]\ncert = \"{cert}\"\nkey = \"{key}\"\n")
    };
    let cases = [
        (
            "data_dir = \"d\"\nbnid = \"127.0.0.1:1\"\n".to_string(),
            "unknown field `bnid`",
        ),
        (
            "data_dir = \"d\"\nbind = \"127.0.0.1\"\n".to_string(),
            "`bind` = \"127.0.0.1\"",
        ),
        (
            "bind = \"127.0.0.1:0\"\n".to_string(),
            "`data_dir` is required",
        ),
        (tls("missing.pem", "key.pem"), "`tls.cert`"),
        (tls("cert.pem", "missing.pem"), "`tls.key`"),
        (tls("cert.pem", "other-key.pem"), "does not match"),
        (tls("key.pem", "key.pem"), "`tls.cert`"),
    ];
    for (i, (text, expected)) in cases.iter().enumerate() {
        let file = dir.path().join(format!("bad-{i}.toml"));
        std::fs::write(&file, text).expect("write");
        let out = cli(&["serve", "--config", &path(&file)]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {stderr}");
        assert!(stderr.contains(&path(&file)), "names the file: {stderr}");
        assert!(stderr.contains(expected), "{text}: {stderr}");
        assert!(!dir.path().join("d").exists(), "nothing was started");
    }
    let out = cli(&["serve", "--config", &path(&dir.path().join("none.toml"))]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("none.toml"));
    // With a config file the data dir is the file's: clap refuses both, naming them.
    let out = cli(&["serve", "--config", "x.toml", "--data-dir", "d"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot be used with") && stderr.contains("--data-dir"),
        "{stderr}"
    );
}

#[tokio::test]
async fn revoke_tokens_on_the_command_line_closes_the_live_sessions_of_the_running_server() {
    let dir = tempfile::tempdir().expect("dir");
    let data = path(dir.path());
    ok(&["add-line", "--data-dir", &data, "--name", "Линия"]);
    for who in ["anna", "boris"] {
        let password = format!("{who}-pass");
        ok(&[
            "add-specialist",
            "--data-dir",
            &data,
            "--login",
            who,
            "--password",
            &password,
            "--name",
            who,
            "--lines",
            "1",
        ]);
    }
    let (_server, addr) = start(&["serve", "--data-dir", &data, "--bind", "127.0.0.1:0"]).await;
    let mut sessions = Vec::new();
    for _ in 0..2 {
        let mut c = Client::connect(addr).await;
        assert!(matches!(
            c.hello(&token(addr, "anna", "anna-pass").await).await,
            ServerFrame::Welcome { .. }
        ));
        sessions.push(c);
    }
    let mut boris = Client::signed_in(addr, "boris", "boris-pass").await;

    let said = ok(&["revoke-tokens", "--data-dir", &data, "--login", "anna"]);
    assert_eq!(said, "revoked 2 token(s) of anna");
    let start = Instant::now();
    for c in &mut sessions {
        assert!(matches!(
            c.recv().await,
            ServerFrame::Error {
                code: ErrorCode::Unauthenticated,
                ..
            }
        ));
        assert!(c.try_recv().await.is_none());
    }
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    boris
        .send(&linedesk_protocol::ClientFrame::Ping { id: 1 })
        .await;
    assert_eq!(boris.recv().await, ServerFrame::Pong { id: 1 });
    // Anna can log in again; an unknown login is an error.
    token(addr, "anna", "anna-pass").await;
    let out = cli(&["revoke-tokens", "--data-dir", &data, "--login", "nobody"]);
    assert_eq!(out.status.code(), Some(2));
}
