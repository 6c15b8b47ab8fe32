//! `linedesk-client-sim call|answer`: one call of a simulated client, with a WAV as its
//! microphone (see the binary's doc for the options).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use linedesk_client_sim::{CallOutcome, CallPlan, Connector, EndedBy, Phone, SimError, length_of};

use crate::{ServerArgs, servers_of};

/// Who calls.
#[derive(Subcommand)]
pub enum Mode {
    /// The client calls their line, says the WAV and hangs up.
    Call(CallArgs),
    /// The client waits for a specialist's call, picks up and says the WAV.
    Answer(CallArgs),
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Ice {
    /// Any path: direct, through STUN or TURN.
    All,
    /// Relayed (TURN) paths only.
    Relay,
}

#[derive(Args)]
pub struct CallArgs {
    /// The client's microphone: any PCM WAV (resampled to 48 kHz mono).
    #[arg(long)]
    wav: PathBuf,
    /// The client who calls or answers.
    #[arg(long, default_value = "client-1")]
    login: String,
    /// Hang up after this many seconds, unless the specialist does first.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Keep what the client's speaker played as a WAV.
    #[arg(long)]
    heard: Option<PathBuf>,
    /// Keep the client engine's two-channel Ogg Opus recording.
    #[arg(long)]
    recording: Option<PathBuf>,
    /// Seconds to wait for a specialist to pick up (or to call).
    #[arg(long, default_value_t = 60)]
    wait: u64,
    /// The ICE paths allowed.
    #[arg(long, value_enum, default_value = "all")]
    ice: Ice,
}

struct Command {
    /// The servers, in the order tried for the sign-in (a call does not move between them).
    servers: Vec<Connector>,
    login: String,
    password: String,
    heard: Option<PathBuf>,
    plan: CallPlan,
}

fn parse(args: &CallArgs, server: &ServerArgs) -> Result<Command, String> {
    // The address first: a bare one is refused before anything else is read or sent.
    let servers = servers_of(server)?;
    let microphone = linedesk_engine::wav::read(&args.wav)
        .map_err(|e| format!("cannot read the microphone's WAV: {e}"))?;
    let mut plan = CallPlan::new(microphone, Duration::from_secs(args.seconds));
    plan.ring_timeout = Duration::from_secs(args.wait);
    plan.recording = args.recording.clone();
    plan.relay_only = matches!(args.ice, Ice::Relay);
    Ok(Command {
        servers,
        login: args.login.clone(),
        password: server.password.clone(),
        heard: args.heard.clone(),
        plan,
    })
}

/// The phone signed in to the first of `servers` that answers (a refused login is final).
async fn sign_in(servers: &[Connector], login: &str, password: &str) -> Result<Phone, SimError> {
    let mut last = SimError::Protocol("no server address".to_string());
    for server in servers {
        match Phone::sign_in_to(server, login, password).await {
            Ok(phone) => return Ok(phone),
            Err(e @ SimError::LoginRefused(_)) => return Err(e),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Whether the client calls (or answers).
#[derive(Clone, Copy)]
enum Direction {
    Call,
    Answer,
}

async fn run(mode: Direction, command: Command) -> Result<CallOutcome, SimError> {
    let Command {
        servers,
        login,
        password,
        plan,
        ..
    } = command;
    let phone = sign_in(&servers, &login, &password).await?;
    let said = length_of(&plan.microphone);
    let who = format!(
        "{login} (client {} of line {})",
        phone.client(),
        phone.line()
    );
    match mode {
        Direction::Call => {
            println!("{who}: calling the line, {said:.1?} to say");
            phone.call_line(plan).await
        }
        Direction::Answer => {
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

pub fn main(mode: Mode, server: &ServerArgs) -> ExitCode {
    let (direction, args) = match &mode {
        Mode::Call(args) => (Direction::Call, args),
        Mode::Answer(args) => (Direction::Answer, args),
    };
    let command = match parse(args, server) {
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
    let outcome = match runtime.block_on(run(direction, command)) {
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
