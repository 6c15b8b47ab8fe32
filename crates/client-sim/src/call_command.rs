//! `linedesk-client-sim call|answer`: one call of a simulated client, with a WAV as its
//! microphone (see the binary's doc for the options).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use linedesk_client_sim::{CallOutcome, CallPlan, Connector, EndedBy, Phone, SimError, length_of};

use crate::{USAGE, number_of, options, server_of};

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The client calls their line.
    Call,
    /// The client waits for a specialist's call.
    Answer,
}

impl Mode {
    pub fn named(word: &str) -> Option<Mode> {
        match word {
            "call" => Some(Mode::Call),
            "answer" => Some(Mode::Answer),
            _ => None,
        }
    }
}

struct Command {
    server: Connector,
    login: String,
    password: String,
    heard: Option<PathBuf>,
    plan: CallPlan,
}

fn parse(args: &[String]) -> Result<Command, String> {
    let opts = options(args)?;
    let server = server_of(&opts)?;
    let wav = opts
        .get("wav")
        .ok_or_else(|| format!("--wav is needed\n{USAGE}"))?;
    let microphone = linedesk_engine::wav::read(std::path::Path::new(wav))
        .map_err(|e| format!("cannot read the microphone's WAV: {e}"))?;
    let mut plan = CallPlan::new(
        microphone,
        Duration::from_secs(number_of(&opts, "seconds", 10)? as u64),
    );
    plan.ring_timeout = Duration::from_secs(number_of(&opts, "wait", 60)? as u64);
    plan.recording = opts.get("recording").map(PathBuf::from);
    plan.relay_only = match opts.get("ice").map(String::as_str) {
        None | Some("all") => false,
        Some("relay") => true,
        Some(other) => return Err(format!("--ice is all or relay, not {other:?}")),
    };
    Ok(Command {
        server,
        login: opts
            .get("login")
            .cloned()
            .unwrap_or_else(|| "client-1".to_string()),
        password: opts
            .get("password")
            .cloned()
            .unwrap_or_else(|| "demo-client".to_string()),
        heard: opts.get("heard").map(PathBuf::from),
        plan,
    })
}

async fn run(mode: Mode, command: Command) -> Result<CallOutcome, SimError> {
    let Command {
        server,
        login,
        password,
        plan,
        ..
    } = command;
    let phone = Phone::sign_in_to(&server, &login, &password).await?;
    let said = length_of(&plan.microphone);
    let who = format!(
        "{login} (client {} of line {})",
        phone.client(),
        phone.line()
    );
    match mode {
        Mode::Call => {
            println!("{who}: calling the line, {said:.1?} to say");
            phone.call_line(plan).await
        }
        Mode::Answer => {
            println!(
                "{who}: waiting up to {:?} for a specialist's call, {said:.1?} to say",
                plan.ring_timeout
            );
            phone.answer(plan).await
        }
    }
}

fn print(login: &str, outcome: &CallOutcome) {
    let ended = match outcome.ended_by {
        EndedBy::Client => "the client hung up".to_string(),
        EndedBy::Specialist(Some(reason)) => format!("the specialist ended it ({reason:?})"),
        EndedBy::Specialist(None) => "the specialist's side closed".to_string(),
        EndedBy::Failed => "the media failed".to_string(),
    };
    let r = &outcome.report;
    println!(
        "{login}: call {} (appeal {}) ended: {ended}; it lasted {:.2} s",
        outcome.call,
        outcome.appeal,
        r.duration.as_secs_f64()
    );
    println!(
        "{login}: loss {:.1} %, late {:.1} %, jitter {:.1} ms, MOS {:.2}",
        r.loss_percent(),
        r.late_percent(),
        r.jitter.jitter.as_secs_f64() * 1000.0,
        r.mos
    );
    println!("{login}: {r}");
}

pub fn main(mode: Mode, args: &[String]) -> ExitCode {
    let command = match parse(args) {
        Ok(command) => command,
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
    let (login, heard) = (command.login.clone(), command.heard.clone());
    let outcome = match runtime.block_on(run(mode, command)) {
        Ok(outcome) => outcome,
        Err(e) => {
            eprintln!("{login}: {e}");
            return ExitCode::FAILURE;
        }
    };
    print(&login, &outcome);
    if let Some(path) = heard {
        if let Err(e) = linedesk_engine::wav::write(&path, &outcome.heard) {
            eprintln!("{login}: {e}");
            return ExitCode::FAILURE;
        }
        println!(
            "{login}: what the client heard ({:.1?}) is in {}",
            length_of(&outcome.heard),
            path.display()
        );
    }
    ExitCode::SUCCESS
}
