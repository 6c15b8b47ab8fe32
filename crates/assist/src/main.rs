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

use std::io::BufRead;
use std::process::ExitCode;

use clap::Parser;
use linedesk_assist::{Answer, AssistConfig, Console, Input};

mod cli;

use cli::Cli;

const ACCOUNT_PASSWORD: &str = "LINEDESK_ASSIST_ACCOUNT_PASSWORD";
const SESSION_PASSWORD: &str = "LINEDESK_ASSIST_PASSWORD";

fn config(cli: Cli) -> Result<AssistConfig, String> {
    if cli.password.is_some() {
        return Err(format!(
            "passwords are not taken from the command line: set {ACCOUNT_PASSWORD} \
             (and {SESSION_PASSWORD} with --set-password)"
        ));
    }
    let answer = match (cli.accept, cli.decline) {
        (true, _) => Answer::Accept,
        (false, true) => Answer::Decline,
        (false, false) => Answer::Ask,
    };
    let password = std::env::var(ACCOUNT_PASSWORD)
        .map_err(|_| format!("set the account's password in {ACCOUNT_PASSWORD}"))?;
    let mut config = AssistConfig::new(&cli.server, &cli.login, &password, answer);
    config.insecure_plain = cli.insecure_plain;
    config.ca_file = cli.ca;
    // The address and the CA file are checked before anything is sent.
    config.connector().map_err(|e| e.to_string())?;
    if cli.set_password {
        config.session_password =
            Some(std::env::var(SESSION_PASSWORD).map_err(|_| {
                format!("--set-password reads the password from {SESSION_PASSWORD}")
            })?);
    }
    config.display = cli.display;
    config.relay_only = cli.relay_only;
    config.requests = cli.requests;
    Ok(config)
}

#[tokio::main]
async fn main() -> ExitCode {
    linedesk_logging::init_from_env("info");
    let config = match config(Cli::parse()) {
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
