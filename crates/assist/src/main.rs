//! `linedesk-assist`: the client's assistant of remote sessions (V2).
//!
//! ```text
//! LINEDESK_ASSIST_ACCOUNT_PASSWORD=... [LINEDESK_ASSIST_PASSWORD=...] \
//! linedesk-assist --server https://HOST[:PORT] [--ca CA.pem] --login LOGIN [--set-password]
//!     [--accept | --decline] [--display :N] [--requests N] [--insecure-plain] [--relay-only]
//! ```
//!
//! `--server https://...` is HTTPS and WSS, the server's certificate checked against the
//! system's roots and `--ca` (a PEM file: a company's own CA); `http://host:port` is plain; a
//! bare `host:port` is refused unless `--insecure-plain` says plain is meant.
//!
//! Signs in as the client `--login` (the account's password from
//! `LINEDESK_ASSIST_ACCOUNT_PASSWORD`) and waits for specialists' requests. `--set-password`
//! sets the session password for sessions by password from `LINEDESK_ASSIST_PASSWORD`
//! (passwords are never taken from the command line, where other users of the machine see
//! them). A request by request is asked on the terminal (`y`/`n`) unless `--accept` or
//! `--decline` says. A running session shares `--display` (default `$DISPLAY`) and stops when
//! `end` is typed or Ctrl+C pressed. `--requests N` quits after N requests (for tests). The
//! screen's peer uses the STUN/TURN servers the line hands out (`GET /api/ice`);
//! `--relay-only` allows relayed (TURN) paths only.

use std::collections::HashMap;
use std::io::BufRead;
use std::process::ExitCode;

use linedesk_assist::{Answer, AssistConfig, Console, Input};

const USAGE: &str = "usage: LINEDESK_ASSIST_ACCOUNT_PASSWORD=... [LINEDESK_ASSIST_PASSWORD=...] linedesk-assist --server https://HOST[:PORT] [--ca CA.pem] --login LOGIN [--set-password] [--accept | --decline] [--display :N] [--requests N] [--insecure-plain] [--relay-only]";

const ACCOUNT_PASSWORD: &str = "LINEDESK_ASSIST_ACCOUNT_PASSWORD";
const SESSION_PASSWORD: &str = "LINEDESK_ASSIST_PASSWORD";

fn config(args: &[String]) -> Result<AssistConfig, String> {
    let mut flags = Vec::new();
    let mut values = HashMap::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let name = arg
            .strip_prefix("--")
            .ok_or_else(|| format!("unexpected argument {arg:?}\n{USAGE}"))?;
        match name {
            "accept" | "decline" | "set-password" | "insecure-plain" | "relay-only" => {
                flags.push(name)
            }
            "server" | "login" | "display" | "requests" | "ca" => {
                let value = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
                values.insert(name, value.clone());
            }
            "password" => {
                return Err(format!(
                    "passwords are not taken from the command line: set {ACCOUNT_PASSWORD} \
                     (and {SESSION_PASSWORD} with --set-password)"
                ));
            }
            other => return Err(format!("unknown option --{other}\n{USAGE}")),
        }
    }
    let answer = match (flags.contains(&"accept"), flags.contains(&"decline")) {
        (true, true) => return Err("--accept and --decline exclude each other".into()),
        (true, false) => Answer::Accept,
        (false, true) => Answer::Decline,
        (false, false) => Answer::Ask,
    };
    let server = values
        .get("server")
        .ok_or_else(|| format!("--server is required\n{USAGE}"))?;
    let login = values
        .get("login")
        .ok_or_else(|| format!("--login is required\n{USAGE}"))?;
    let password = std::env::var(ACCOUNT_PASSWORD)
        .map_err(|_| format!("set the account's password in {ACCOUNT_PASSWORD}"))?;
    let mut config = AssistConfig::new(server, login, &password, answer);
    config.insecure_plain = flags.contains(&"insecure-plain");
    config.ca_file = values.get("ca").map(std::path::PathBuf::from);
    // The address and the CA file are checked before anything is sent.
    config.connector().map_err(|e| e.to_string())?;
    if flags.contains(&"set-password") {
        config.session_password =
            Some(std::env::var(SESSION_PASSWORD).map_err(|_| {
                format!("--set-password reads the password from {SESSION_PASSWORD}")
            })?);
    }
    config.display = values.get("display").cloned();
    config.relay_only = flags.contains(&"relay-only");
    config.requests = values
        .get("requests")
        .map(|n| {
            n.parse()
                .map_err(|_| "--requests must be a number".to_string())
        })
        .transpose()?;
    Ok(config)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match config(&args) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let (console, input, mut output) = Console::channels();
    let typed = input.clone();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { return };
            if typed.send(Input::Line(line)).is_err() {
                return;
            }
        }
    });
    tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            if input.send(Input::Interrupt).is_err() {
                return;
            }
        }
    });
    let printer = tokio::spawn(async move {
        while let Some(line) = output.recv().await {
            println!("{line}");
        }
    });
    let outcome = linedesk_assist::run(config, console).await;
    let _ = printer.await;
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("linedesk-assist: {error}");
            ExitCode::FAILURE
        }
    }
}
