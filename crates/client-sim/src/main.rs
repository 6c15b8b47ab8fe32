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
//! `--server` follows the server's scheme: `https://host[:port]` is HTTPS and WSS with the
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

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Duration;

use linedesk_client_sim::{Bare, Connector, SimClient, SimError};
use linedesk_engine::Endpoint;

mod call_command;

const USAGE: &str = "usage: linedesk-client-sim [--server https://HOST:PORT [--ca CA.pem] | --data-dir DIR] [--insecure-plain] [--clients a,b | --count N] [--password P] [--messages N] [--wait SECONDS] [--say TEXT] [--rate-share 0.8] [--stars 5] [--comment TEXT] [--file PATH]
       linedesk-client-sim call|answer --wav SPEECH.wav [--server https://HOST:PORT [--ca CA.pem] | --data-dir DIR] [--insecure-plain] [--login client-1] [--password P] [--seconds 10] [--heard HEARD.wav] [--recording CALL.ogg] [--wait 60] [--ice all|relay]";

/// Options without a value.
const FLAGS: &[&str] = &["insecure-plain"];

struct Plan {
    server: Connector,
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
    file: Option<std::path::PathBuf>,
}

/// `--name value` pairs, and the [`FLAGS`] given (with an empty value).
fn options(args: &[String]) -> Result<HashMap<String, String>, String> {
    let mut opts = HashMap::new();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let name = flag
            .strip_prefix("--")
            .ok_or_else(|| format!("unexpected argument {flag:?}\n{USAGE}"))?;
        if FLAGS.contains(&name) {
            opts.insert(name.to_string(), String::new());
            continue;
        }
        let value = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
        opts.insert(name.to_string(), value.clone());
    }
    Ok(opts)
}

/// The value of `--name` as a number, or `default`.
fn number_of(opts: &HashMap<String, String>, name: &str, default: usize) -> Result<usize, String> {
    opts.get(name).map_or(Ok(default), |v| {
        v.parse().map_err(|_| format!("--{name} must be a number"))
    })
}

/// `--server` over its scheme (a bare `host:port` only with `--insecure-plain`), or the
/// embedded server's address from `--data-dir` (the app's own, plain on this machine), or
/// the embedded server's default port; with `--ca`'s certificates trusted for `https://`.
fn server_of(opts: &HashMap<String, String>) -> Result<Connector, String> {
    let endpoint = match (opts.get("server"), opts.get("data-dir")) {
        (Some(server), _) => {
            let bare = if opts.contains_key("insecure-plain") {
                Bare::Plain
            } else {
                Bare::Refused
            };
            Endpoint::parse(server, bare)
        }
        (None, Some(dir)) => {
            let file = std::path::Path::new(dir).join("server").join("address");
            let address = std::fs::read_to_string(&file).map_err(|e| {
                format!("cannot read {}: {e} (is the app running?)", file.display())
            })?;
            Endpoint::parse(&address, Bare::Plain)
        }
        (None, None) => Endpoint::parse("http://127.0.0.1:7700", Bare::Refused),
    }
    .map_err(|e| e.to_string())?;
    let ca = opts.get("ca").map(std::path::Path::new);
    Connector::new(endpoint, ca).map_err(|e| e.to_string())
}

fn parse(args: &[String]) -> Result<Plan, String> {
    let opts = options(args)?;
    let number = |name: &str, default: usize| number_of(&opts, name, default);
    let server = server_of(&opts)?;
    let clients = match opts.get("clients") {
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect(),
        None => (1..=number("count", 1)?)
            .map(|n| format!("client-{n}"))
            .collect(),
    };
    Ok(Plan {
        server,
        clients,
        password: opts
            .get("password")
            .cloned()
            .unwrap_or_else(|| "demo-client".to_string()),
        messages: number("messages", 2)?.max(1),
        wait: Duration::from_secs(number("wait", 300)? as u64),
        say: opts.get("say").cloned(),
        rate_share: match opts.get("rate-share") {
            None => 0.8,
            Some(v) => v
                .parse::<f64>()
                .ok()
                .filter(|s| (0.0..=1.0).contains(s))
                .ok_or("--rate-share is a number from 0 to 1")?,
        },
        stars: match opts.get("stars") {
            None => 5,
            Some(v) => v
                .parse::<u8>()
                .ok()
                .filter(|s| (1..=5).contains(s))
                .ok_or("--stars is 1 to 5")?,
        },
        comment: match opts.get("comment") {
            None => None,
            Some(c) => {
                linedesk_protocol::check_chars(
                    "comment",
                    c,
                    linedesk_protocol::MAX_RATING_COMMENT_CHARS,
                )
                .map_err(|e| format!("--comment: {e}"))?;
                Some(c.clone())
            }
        },
        file: opts.get("file").map(std::path::PathBuf::from),
    })
}

async fn one_client(plan: &Plan, login: &str, seed: usize) -> Result<(), SimError> {
    let mut client = SimClient::sign_in_to(&plan.server, login, &plan.password).await?;
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
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(mode) = args.first().and_then(|a| call_command::Mode::named(a)) {
        return call_command::main(mode, &args[1..]);
    }
    let plan = match parse(&args) {
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
