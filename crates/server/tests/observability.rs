//! Logs, the audit log and `/metrics` of the real `linedesk-server` binary: its stderr as
//! JSON lines at debug level while a login fails and succeeds, a client sets a remote-session
//! password, a specialist guesses it wrong and then right, ends the session, and an admin adds
//! a line; no password or token shows anywhere in the output; `/metrics` answers loopback and
//! refuses a peer the config does not allow.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use common::{Client, WAIT, ack, http_login, next_event, raw_http, refused, token};
use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, ClientFrame, ErrorCode, Event, RemoteMode};
use tokio::io::{AsyncBufReadExt, BufReader};

const BIN: &str = env!("CARGO_BIN_EXE_linedesk-server");
const ANNA_PASSWORD: &str = "anna-пароль-5309";
const CLIENT_PASSWORD: &str = "ivanova-пароль-8812";
const ROOT_PASSWORD: &str = "root-пароль-4471";
const WRONG_LOGIN_PASSWORD: &str = "не-тот-пароль-1234";
const SESSION_PASSWORD: &str = "сеанс-секрет-7731";
const WRONG_SESSION_PASSWORD: &str = "сеанс-угадал-0042";

fn cli(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new(BIN)
        .args(args)
        .args(["--data-dir", &dir.display().to_string()])
        .output()
        .expect("run linedesk-server");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A running server and every line it wrote to stderr so far.
struct Running {
    _child: tokio::process::Child,
    addr: std::net::SocketAddr,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Running {
    async fn start(args: &[&str], envs: &[(&str, &str)]) -> Running {
        let mut child = tokio::process::Command::new(BIN)
            .args(args)
            .envs(envs.iter().copied())
            .env_remove("RUST_LOG")
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
        let addr = first
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
        Running {
            _child: child,
            addr,
            stderr,
        }
    }

    fn lines(&self) -> Vec<String> {
        self.stderr.lock().expect("lines").clone()
    }

    /// The first audit event whose message is `message` and whose fields include `fields`.
    async fn audit(
        &self,
        message: &str,
        fields: &[(&str, serde_json::Value)],
    ) -> serde_json::Value {
        let found = tokio::time::timeout(WAIT, async {
            loop {
                let hit = self.lines().iter().find_map(|line| {
                    let v: serde_json::Value = serde_json::from_str(line).ok()?;
                    let matches = v["target"] == "audit"
                        && v["fields"]["message"] == message
                        && fields.iter().all(|(k, want)| &v["fields"][*k] == want);
                    matches.then_some(v)
                });
                if let Some(hit) = hit {
                    return hit;
                }
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        })
        .await;
        found.unwrap_or_else(|_| {
            panic!(
                "no audit event {message:?} with {fields:?} in:\n{}",
                self.lines().join("\n")
            )
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_admin_actions_and_remote_sessions_are_audited_without_a_secret() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    assert_eq!(cli(d, &["add-line", "--name", "Линия"]), "1");
    let client: u64 = cli(
        d,
        &[
            "add-client",
            "--line",
            "1",
            "--name",
            "Иванова",
            "--login",
            "ivanova",
            "--password",
            CLIENT_PASSWORD,
        ],
    )
    .parse()
    .expect("client id");
    let anna = [
        "add-specialist",
        "--login",
        "anna",
        "--password",
        ANNA_PASSWORD,
        "--name",
        "Анна",
        "--lines",
        "1",
    ];
    cli(d, &anna);
    cli(
        d,
        &["add-admin", "--login", "root", "--password", ROOT_PASSWORD],
    );

    let server = Running::start(
        &[
            "serve",
            "--data-dir",
            &d.display().to_string(),
            "--bind",
            "127.0.0.1:0",
        ],
        &[("LINEDESK_LOG", "debug"), ("LINEDESK_LOG_FORMAT", "json")],
    )
    .await;
    let addr = server.addr;

    // A failed login, then a successful one: both audited with the login and the address.
    let wrong = serde_json::json!({"login": "anna", "password": WRONG_LOGIN_PASSWORD});
    let (status, _) = http_login(addr, &wrong.to_string()).await;
    assert_eq!(status, 401);
    server
        .audit(
            "login failed",
            &[("login", "anna".into()), ("address", "127.0.0.1".into())],
        )
        .await;
    let anna_token = token(addr, "anna", ANNA_PASSWORD).await;
    server
        .audit(
            "login succeeded",
            &[("login", "anna".into()), ("address", "127.0.0.1".into())],
        )
        .await;

    // The specialist's session (the token travels in the Hello), online on the line.
    let mut anna = Client::connect(addr).await;
    anna.hello(&anna_token).await;
    anna.send(&ClientFrame::Subscribe { line: 1, after: 0 })
        .await;
    ack(
        &mut anna,
        "online",
        Action::SetPresence {
            status: PresenceStatus::Available,
        },
    )
    .await;
    let mut ivanova = Client::signed_in(addr, "ivanova", CLIENT_PASSWORD).await;
    let set = Action::SetRemotePassword {
        password: Some(SESSION_PASSWORD.to_string()),
    };
    ack(&mut ivanova, "set", set).await;
    server
        .audit("remote session password changed", &[("set", true.into())])
        .await;

    let ask = |password: &str| Action::RequestRemoteSession {
        line: 1,
        client,
        mode: RemoteMode::ByPassword,
        password: Some(password.to_string()),
    };
    assert_eq!(
        refused(&mut anna, "guess", ask(WRONG_SESSION_PASSWORD)).await,
        ErrorCode::WrongPassword
    );
    server
        .audit(
            "remote session password attempt",
            &[("outcome", "wrong".into())],
        )
        .await;
    ack(&mut anna, "right", ask(SESSION_PASSWORD)).await;
    let session = next_event(&mut anna, |e| match e {
        Event::RemoteStarted { session, .. } => Some(*session),
        _ => None,
    })
    .await;
    server
        .audit("remote session granted", &[("session", session.into())])
        .await;
    let end = Action::EndRemoteSession {
        session,
        reason: None,
    };
    ack(&mut anna, "end", end).await;
    server
        .audit("remote session ended", &[("session", session.into())])
        .await;

    // An admin adds a line over HTTP: who, what, the answer.
    let root = token(addr, "root", ROOT_PASSWORD).await;
    let (status, _, _) = raw_http(
        addr,
        "POST",
        "/api/admin/lines",
        Some(&root),
        Some("application/json"),
        "{\"name\":\"Вторая\"}".as_bytes(),
    )
    .await;
    assert_eq!(status, 201, "the line is created");
    let admin = server
        .audit(
            "admin action",
            &[
                ("action", "POST /api/admin/lines".into()),
                ("status", 201.into()),
            ],
        )
        .await;
    assert_eq!(admin["fields"]["actor_role"], "Admin", "{admin}");

    // The metrics saw it all; loopback may read them.
    let (status, _, body) = raw_http(addr, "GET", "/metrics", None, None, b"").await;
    assert_eq!(status, 200);
    let metrics = String::from_utf8(body).expect("utf-8");
    for wanted in [
        "linedesk_actions_total{kind=\"set_presence\"} 1",
        "linedesk_actions_total{kind=\"request_remote_session\"} 1",
        "linedesk_logins_total{outcome=\"failed\"} 1",
        "linedesk_sessions 2",
        "linedesk_action_ack_seconds_count 4",
        "# TYPE linedesk_fanout_lag_seconds histogram",
        "# TYPE linedesk_call_mos histogram",
        "linedesk_calls_total 0",
    ] {
        assert!(metrics.contains(wanted), "{wanted:?} not in:\n{metrics}");
    }

    // Not one secret in everything the server logged.
    let all = server.lines().join("\n");
    let secrets = [
        ANNA_PASSWORD,
        CLIENT_PASSWORD,
        ROOT_PASSWORD,
        WRONG_LOGIN_PASSWORD,
        SESSION_PASSWORD,
        WRONG_SESSION_PASSWORD,
        anna_token.as_str(),
        root.as_str(),
    ];
    for secret in secrets {
        assert!(!all.contains(secret), "{secret:?} was logged:\n{all}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_answer_only_the_configured_addresses() {
    let dir = tempfile::tempdir().expect("dir");
    let config = dir.path().join("server.toml");
    std::fs::write(
        &config,
        "bind = \"127.0.0.1:0\"\ndata_dir = \"data\"\n[http]\nmetrics_allow = [\"10.9.9.9\"]\n",
    )
    .expect("config");
    let server = Running::start(&["serve", "--config", &config.display().to_string()], &[]).await;
    let (status, _, body) = raw_http(server.addr, "GET", "/metrics", None, None, b"").await;
    assert_eq!(status, 403, "{}", String::from_utf8_lossy(&body));
    let refusal: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(refusal["code"], "forbidden", "{refusal}");
}
