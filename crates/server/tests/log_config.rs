//! `[log]` of the config file on the real `linedesk-server serve --config`: its level and format
//! apply when nothing else is set; `LINEDESK_LOG`/`LINEDESK_LOG_FORMAT` override the file, and
//! `--log` overrides both. The witness is the audit log: "login succeeded" is at info,
//! "login failed" at warn; a sign-in and then a wrong password, and once the warning is on
//! stderr, whether the info line came before it (stderr is one ordered stream) says the level.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use common::{WAIT, http_login};
use tokio::io::{AsyncBufReadExt, BufReader};

const BIN: &str = env!("CARGO_BIN_EXE_linedesk-server");
const PASSWORD: &str = "анна-пароль-5309";

fn cli(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new(BIN)
        .args(args)
        .args(["--data-dir", &dir.display().to_string()])
        .env("LINEDESK_PASSWORD", PASSWORD)
        .output()
        .expect("run linedesk-server");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What the server wrote to stderr around a good and a bad sign-in.
struct Logged {
    lines: Vec<String>,
}

impl Logged {
    fn has(&self, message: &str) -> bool {
        self.lines.iter().any(|l| l.contains(message))
    }
    /// Whether the log's lines (the audit's; stderr also holds plain `linedesk-server:`
    /// notices printed beside the log) are JSON objects.
    fn all_json(&self) -> bool {
        self.lines
            .iter()
            .filter(|l| l.contains("login "))
            .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
    }
}

/// Start `serve --config` with `level` and `format` in its `[log]`, the options `before`
/// (global ones, ahead of `serve`) and the environment `envs`; sign in, then fail to; return
/// stderr up to and including the failure's warning.
async fn sign_in_logged(
    dir: &Path,
    log_section: &str,
    before: &[&str],
    envs: &[(&str, &str)],
) -> Logged {
    let config = dir.join("server.toml");
    std::fs::write(
        &config,
        format!(
            "bind = \"127.0.0.1:0\"\ndata_dir = \"{}\"\n[log]\n{log_section}\n",
            dir.display()
        ),
    )
    .expect("write the config");
    let mut child = tokio::process::Command::new(BIN)
        .args(before)
        .args(["serve", "--config", &config.display().to_string()])
        .env_remove("RUST_LOG")
        .env_remove("LINEDESK_LOG")
        .env_remove("LINEDESK_LOG_FORMAT")
        .envs(envs.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start the server");
    let stdout = child.stdout.take().expect("stdout");
    let first = tokio::time::timeout(WAIT, BufReader::new(stdout).lines().next_line())
        .await
        .expect("`listening on` in time")
        .expect("read");
    let addr: std::net::SocketAddr = first
        .as_deref()
        .and_then(|l| l.strip_prefix("listening on "))
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("expected `listening on ADDR`, got {first:?}"));
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let lines = stderr.clone();
    let mut reader = BufReader::new(child.stderr.take().expect("stderr")).lines();
    tokio::spawn(async move {
        while let Ok(Some(line)) = reader.next_line().await {
            lines.lock().expect("lines").push(line);
        }
    });

    let good = serde_json::json!({"login": "anna", "password": PASSWORD});
    let (status, _) = http_login(addr, &good.to_string()).await;
    assert_eq!(status, 200, "anna signs in");
    let bad = serde_json::json!({"login": "anna", "password": "не-тот-пароль-0042"});
    let (status, _) = http_login(addr, &bad.to_string()).await;
    assert_eq!(status, 401, "a wrong password is refused");
    let seen = tokio::time::timeout(WAIT, async {
        loop {
            let now = stderr.lock().expect("lines").clone();
            if now.iter().any(|l| l.contains("login failed")) {
                return now;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| {
        panic!(
            "no \"login failed\" warning on stderr within {WAIT:?}; it holds:\n{}",
            stderr.lock().expect("lines").join("\n")
        )
    });
    child.kill().await.expect("stop the server");
    Logged { lines: seen }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_config_files_log_level_and_format_yield_to_the_environment_and_the_options() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    cli(d, &["add-line", "--name", "Линия"]);
    cli(
        d,
        &[
            "add-specialist",
            "--login",
            "anna",
            "--name",
            "Анна",
            "--lines",
            "1",
        ],
    );
    let json_warn = "level = \"warn\"\nformat = \"json\"";

    // The file alone: warnings only (the default would be info), as JSON lines.
    let logged = sign_in_logged(d, json_warn, &[], &[]).await;
    assert!(
        !logged.has("login succeeded"),
        "[log] level = \"warn\" hides info: {:?}",
        logged.lines
    );
    assert!(
        logged.all_json(),
        "[log] format = \"json\": {:?}",
        logged.lines
    );

    // The file's filter with a target: the audit log's info passes.
    let logged = sign_in_logged(
        d,
        "level = \"warn,audit=info\"\nformat = \"json\"",
        &[],
        &[],
    )
    .await;
    assert!(
        logged.has("login succeeded"),
        "[log] level = \"warn,audit=info\" keeps the audit's info: {:?}",
        logged.lines
    );

    // The environment over the file: info, and human text.
    let logged = sign_in_logged(
        d,
        json_warn,
        &[],
        &[("LINEDESK_LOG", "info"), ("LINEDESK_LOG_FORMAT", "human")],
    )
    .await;
    assert!(
        logged.has("login succeeded"),
        "LINEDESK_LOG=info over the file's warn: {:?}",
        logged.lines
    );
    let failed = logged
        .lines
        .iter()
        .find(|l| l.contains("login failed"))
        .expect("the warning");
    assert!(
        serde_json::from_str::<serde_json::Value>(failed).is_err() && failed.contains("WARN"),
        "LINEDESK_LOG_FORMAT=human over the file's json: {failed}"
    );

    // RUST_LOG over the file too, when LINEDESK_LOG is not set.
    let logged = sign_in_logged(d, json_warn, &[], &[("RUST_LOG", "info")]).await;
    assert!(
        logged.has("login succeeded"),
        "RUST_LOG=info over the file's warn: {:?}",
        logged.lines
    );

    // The options over the environment and the file.
    let logged = sign_in_logged(
        d,
        "level = \"info\"\nformat = \"human\"",
        &["--log", "warn", "--log-format", "json"],
        &[("LINEDESK_LOG", "info")],
    )
    .await;
    assert!(
        !logged.has("login succeeded"),
        "--log warn over LINEDESK_LOG=info and the file's info: {:?}",
        logged.lines
    );
    assert!(logged.all_json(), "--log-format json: {:?}", logged.lines);
}

#[test]
fn a_bad_level_in_the_config_stops_the_server_naming_the_key() {
    let dir = tempfile::tempdir().expect("dir");
    let config = dir.path().join("server.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"{}\"\n[log]\nlevel = \"linedesk_server=loud\"\n",
            dir.path().display()
        ),
    )
    .expect("write the config");
    let out = std::process::Command::new(BIN)
        .args(["serve", "--config", &config.display().to_string()])
        .output()
        .expect("run linedesk-server");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("`log.level`"), "{stderr}");
}
