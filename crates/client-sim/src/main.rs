//! `linedesk-client-sim`: clients of a support line, simulated over the real wire.
//!
//! ```text
//! linedesk-client-sim [--server https://host:7700 [--ca CA.pem] | --data-dir APP_DATA_DIR]
//!     [--insecure-plain] [--clients client-1,client-2 | --count 3] [--password demo-client]
//!     [--messages 2] [--wait 300] [--say "text"] [--rate-share 0.8] [--stars 5]
//!     [--comment "text"] [--file report.pdf]
//! ```
//!
//! With `--file`, each client first sends that file to the line's chat (A1: it opens the
//! appeal). Each client writes (a phrase of the demo, or `--say`), waits up to `--wait` seconds for a
//! specialist's answer, writes again (`--messages` in all), then waits for the appeal to be
//! finished, and rates it (`--stars`, with `--comment` when given) for a `--rate-share` of the clients (deterministic: of
//! every ten clients, the first `10 × share` rate). With `--data-dir` the address of the app's
//! embedded server is read from `<dir>/server/address` (plain, on this machine).
//!
//! `--server` may name several servers of the same lines, separated by commas (issue 17:
//! servers on one PostgreSQL database): a client signs in to the first that answers, and when
//! its session drops it resumes on the next, after the last event it saw, sending an
//! unacknowledged message again with the same key. `--server` follows the server's scheme: `https://host[:port]` is HTTPS and WSS with the
//! server's certificate checked against the system's roots and `--ca FILE` (a PEM CA, e.g. a
//! company's own); `http://host:port` is plain; a bare `host:port` is refused unless
//! `--insecure-plain` says plain is meant (the password would go in clear).
//!
//! ```text
//! linedesk-client-sim call --wav speech.wav [--server URL [--ca CA.pem] | --data-dir DIR]
//!     [--login client-1] [--password demo-client] [--seconds 10] [--heard heard.wav]
//!     [--recording call.ogg] [--wait 60] [--ice all|relay]
//! linedesk-client-sim answer --wav speech.wav ...the same options
//! ```
//!
//! `call`: the client calls their line, waits up to `--wait` seconds for a specialist to pick
//! up, says the WAV (any PCM WAV; resampled to 48 kHz mono) and hangs up after `--seconds`
//! unless the specialist does first. `answer`: the client waits up to `--wait` seconds for a
//! specialist's call, picks up and does the same. Both print how the call went, its length and
//! the client engine's figures (loss, jitter, MOS); `--heard` keeps what the client's speaker
//! played as a WAV, `--recording` the client engine's two-channel Ogg Opus recording. The
//! peer uses the STUN/TURN servers the line hands out (`GET /api/ice`); `--ice relay` allows
//! relayed (TURN) paths only.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser};
use linedesk_client_sim::{Bare, Connector, SimClient, SimError};
use linedesk_endpoint::addresses;
use linedesk_engine::Endpoint;

mod call_command;

/// Clients of a support line, simulated over the real wire: each signs in, writes, waits for
/// a specialist's answer, waits for the appeal to be finished and rates it; or, with `call`
/// or `answer`, one client's call with a WAV as its microphone.
#[derive(Parser)]
#[command(name = "linedesk-client-sim", version)]
struct Cli {
    #[command(subcommand)]
    call: Option<call_command::Mode>,
    #[command(flatten)]
    server: ServerArgs,
    #[command(flatten)]
    chat: ChatArgs,
}

/// Where the line server is, and the clients' password.
#[derive(Args)]
struct ServerArgs {
    /// The line server: https://HOST[:PORT] (http:// is plain; a bare host:port needs
    /// --insecure-plain). Several servers of the same lines separated by commas: a client
    /// whose session drops resumes on the next. Default: the embedded server's
    /// http://127.0.0.1:7700.
    #[arg(long, global = true, conflicts_with = "data_dir")]
    server: Option<String>,
    /// A PEM CA certificate to trust for https:// (a company's own).
    #[arg(long, global = true)]
    ca: Option<PathBuf>,
    /// The app's data dir: its embedded server's address is read from DIR/server/address.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// A bare host:port means plain HTTP (the password goes in clear).
    #[arg(long, global = true)]
    insecure_plain: bool,
    /// The clients' password.
    #[arg(long, global = true, default_value = "demo-client")]
    password: String,
}

/// The chat of clients (without `call` or `answer`).
#[derive(Args)]
struct ChatArgs {
    /// The clients' logins, comma-separated.
    #[arg(long, value_delimiter = ',', conflicts_with = "count")]
    clients: Vec<String>,
    /// Clients client-1 to client-N.
    #[arg(long, default_value_t = 1)]
    count: usize,
    /// Messages each client writes, each waiting for an answer.
    #[arg(long, default_value_t = 2)]
    messages: usize,
    /// Seconds to wait for an answer, and for the appeal to be finished.
    #[arg(long, default_value_t = 300)]
    wait: u64,
    /// The first message (the demo's phrases otherwise).
    #[arg(long)]
    say: Option<String>,
    /// The share of clients who rate their finished appeal, 0 to 1 (of every ten clients,
    /// the first 10 × share rate).
    #[arg(long, default_value_t = 0.8, value_parser = share)]
    rate_share: f64,
    /// The rating's stars.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u8).range(1..=5))]
    stars: u8,
    /// What the clients write with their rating.
    #[arg(long, value_parser = comment)]
    comment: Option<String>,
    /// A file each client first sends to the line's chat (A1: it opens the appeal).
    #[arg(long)]
    file: Option<PathBuf>,
}

fn share(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|s| (0.0..=1.0).contains(s))
        .ok_or_else(|| "a number from 0 to 1".to_string())
}

fn comment(text: &str) -> Result<String, String> {
    linedesk_protocol::check_chars("comment", text, linedesk_protocol::MAX_RATING_COMMENT_CHARS)
        .map_err(|e| e.to_string())?;
    Ok(text.to_string())
}

struct Plan {
    /// The servers, in the order tried (at least one).
    servers: Vec<Connector>,
    clients: Vec<String>,
    password: String,
    messages: usize,
    wait: Duration,
    say: Option<String>,
    /// The share of clients who rate their finished appeal, 0.0 to 1.0.
    rate_share: f64,
    stars: u8,
    /// What the clients write with their rating.
    comment: Option<String>,
    /// A file each client sends first.
    file: Option<PathBuf>,
}

/// `--server`'s servers over their schemes (a bare `host:port` only with `--insecure-plain`),
/// or the embedded server's address from `--data-dir` (the app's own, plain on this machine),
/// or the embedded server's default port; with `--ca`'s certificates trusted for `https://`.
fn servers_of(args: &ServerArgs) -> Result<Vec<Connector>, String> {
    let endpoints = match (&args.server, &args.data_dir) {
        (Some(servers), _) => {
            let bare = if args.insecure_plain {
                Bare::Plain
            } else {
                Bare::Refused
            };
            let all = addresses(servers);
            if all.is_empty() {
                return Err("--server names no server".to_string());
            }
            all.into_iter()
                .map(|server| Endpoint::parse(server, bare))
                .collect::<Result<Vec<_>, _>>()
        }
        (None, Some(dir)) => {
            let file = dir.join("server").join("address");
            let address = std::fs::read_to_string(&file).map_err(|e| {
                format!("cannot read {}: {e} (is the app running?)", file.display())
            })?;
            Endpoint::parse(&address, Bare::Plain).map(|e| vec![e])
        }
        (None, None) => Endpoint::parse("http://127.0.0.1:7700", Bare::Refused).map(|e| vec![e]),
    }
    .map_err(|e| e.to_string())?;
    endpoints
        .into_iter()
        .map(|endpoint| Connector::new(endpoint, args.ca.as_deref()).map_err(|e| e.to_string()))
        .collect()
}

fn plan(server: ServerArgs, chat: ChatArgs) -> Result<Plan, String> {
    let clients = if chat.clients.is_empty() {
        (1..=chat.count).map(|n| format!("client-{n}")).collect()
    } else {
        chat.clients
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect()
    };
    Ok(Plan {
        servers: servers_of(&server)?,
        clients,
        password: server.password,
        messages: chat.messages.max(1),
        wait: Duration::from_secs(chat.wait),
        say: chat.say,
        rate_share: chat.rate_share,
        stars: chat.stars,
        comment: chat.comment,
        file: chat.file,
    })
}

async fn one_client(plan: &Plan, login: &str, seed: usize) -> Result<(), SimError> {
    let mut client = SimClient::sign_in_any(&plan.servers, login, &plan.password).await?;
    println!(
        "{login}: signed in (client {} of line {})",
        client.id, client.line
    );
    if let Some(path) = &plan.file {
        let bytes = std::fs::read(path)
            .map_err(|e| SimError::Protocol(format!("cannot read {}: {e}", path.display())))?;
        let name = path
            .file_name()
            .map_or_else(|| "file".to_string(), |n| n.to_string_lossy().to_string());
        let shared = client.send_file(&name, bytes).await?;
        println!(
            "{login} → file {} ({} bytes, appeal {:?})",
            shared.name, shared.size, shared.appeal
        );
    }
    let phrases = linedesk_demo::client_phrases();
    for n in 0..plan.messages {
        let text = match &plan.say {
            Some(text) if n == 0 => text.clone(),
            _ => phrases[(seed + n) % phrases.len()].to_string(),
        };
        client.write(&text).await?;
        println!("{login} → {text}");
        let answer = client.wait_answer(plan.wait).await?;
        println!("{login} ← {answer}");
    }
    let appeal = client.wait_finished(plan.wait).await?;
    println!("{login}: appeal {appeal} finished");
    if ((seed % 10) as f64) < plan.rate_share * 10.0 {
        client
            .rate(appeal, plan.stars, plan.comment.as_deref())
            .await?;
        match &plan.comment {
            Some(comment) => println!(
                "{login}: rated appeal {appeal} with {} stars: {comment}",
                plan.stars
            ),
            None => println!("{login}: rated appeal {appeal} with {} stars", plan.stars),
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    linedesk_logging::init_from_env("info");
    let cli = Cli::parse();
    if let Some(mode) = cli.call {
        return call_command::main(mode, &cli.server);
    }
    let plan = match plan(cli.server, cli.chat) {
        Ok(plan) => plan,
        Err(message) => {
            eprintln!("linedesk-client-sim: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("linedesk-client-sim: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let failures = runtime.block_on(async {
        let plan = std::sync::Arc::new(plan);
        let mut tasks = Vec::new();
        for (seed, login) in plan.clients.clone().into_iter().enumerate() {
            let plan = plan.clone();
            tasks.push(tokio::spawn(async move {
                let outcome = one_client(&plan, &login, seed).await;
                if let Err(e) = &outcome {
                    eprintln!("{login}: {e}");
                }
                outcome.is_ok()
            }));
        }
        let mut failures = 0;
        for task in tasks {
            if !matches!(task.await, Ok(true)) {
                failures += 1;
            }
        }
        failures
    });
    if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
