//! `linedesk-load`: a load test of the line server over loopback.
//!
//! ```text
//! linedesk-load [--specialists 500] [--clients 5000] [--lines 10] [--seconds 20] [--rate 1000]
//!     [--client-feeds 1] [--server PATH] [--dir DIR] [--prepared DIR]
//! ```
//!
//! Prepares a data dir through the server's library (lines, specialists serving them, clients,
//! tokens), starts the real `linedesk-server` binary as a child process on 127.0.0.1 (the one
//! beside this executable, or `--server`), connects every specialist and every client, each
//! subscribed to their line, and lets the clients write at the offered rate. Prints the
//! sustained acknowledged messages per second, the commit latency (a client's send to its ack)
//! and the delivery latency (a client's send to a specialist's session receiving the event),
//! p50/p99, a routing decision's p99, the CPU of the server and of the generator, and the
//! server's memory (PSS).
//!
//! `--dir` is where the run's data dir goes (the system's temp dir by default; a tmpfs such as
//! /dev/shm takes the disk's fsync out of the figures); `--prepared DIR` keeps the prepared
//! data in DIR and later runs of the same size start from a copy of it; `--client-feeds 0`
//! lets the clients only write (as the tool did before clients followed their line).

mod drive;
mod frames;
mod measure;
mod prepare;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;

pub struct LoadPlan {
    pub specialists: u64,
    pub clients: u64,
    pub lines: u64,
    pub seconds: u64,
    /// Offered client messages per second, all clients together.
    pub rate: u64,
    /// Clients subscribe to their line as the apps do (`--client-feeds 0`: they only write).
    pub client_feeds: bool,
}

struct Options {
    plan: LoadPlan,
    server: Option<PathBuf>,
    dir: PathBuf,
    prepared: Option<PathBuf>,
}

/// A load test of the line server over loopback: prepares a data dir, starts the real
/// linedesk-server, connects every specialist and client and lets the clients write at the
/// offered rate; prints acknowledged messages per second, commit and delivery latencies, CPU
/// and memory.
#[derive(Parser)]
#[command(name = "linedesk-load", version)]
struct Cli {
    /// Specialists, spread over the lines.
    #[arg(long, default_value_t = 500)]
    specialists: u64,
    /// Clients, spread over the lines.
    #[arg(long, default_value_t = 5000)]
    clients: u64,
    /// Lines.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..), default_value_t = 10)]
    lines: u64,
    /// How long the clients write.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Offered client messages per second, all clients together.
    #[arg(long, default_value_t = 1000)]
    rate: u64,
    /// 1: clients subscribe to their line as the apps do; 0: they only write.
    #[arg(long, default_value_t = 1)]
    client_feeds: u64,
    /// The server binary (default: linedesk-server beside this executable).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Where the run's data dir goes (default: the system's temp dir; /dev/shm takes the
    /// disk's fsync out of the figures).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Keep the prepared data here; later runs of the same size start from a copy of it.
    #[arg(long)]
    prepared: Option<PathBuf>,
}

fn parse(cli: Cli) -> Result<Options, String> {
    if cli.specialists < cli.lines || cli.clients == 0 {
        return Err("at least one line, a specialist on every line and one client".into());
    }
    Ok(Options {
        plan: LoadPlan {
            specialists: cli.specialists,
            clients: cli.clients,
            lines: cli.lines,
            seconds: cli.seconds,
            rate: cli.rate,
            client_feeds: cli.client_feeds != 0,
        },
        server: cli.server,
        dir: cli.dir.unwrap_or_else(std::env::temp_dir),
        prepared: cli.prepared,
    })
}

/// The server binary: `--server`, else `linedesk-server` beside this executable.
fn server_binary(given: Option<PathBuf>) -> Result<PathBuf, String> {
    if let Some(path) = given {
        return Ok(path);
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let beside = exe
        .parent()
        .map(|dir| dir.join("linedesk-server"))
        .filter(|p| p.is_file())
        .ok_or_else(|| {
            format!(
                "no linedesk-server beside {}: build it (cargo build --release -p linedesk-server) or give --server PATH",
                exe.display()
            )
        })?;
    Ok(beside)
}

fn run(options: Options) -> Result<(), String> {
    let server = server_binary(options.server)?;
    let run_dir = options
        .dir
        .join(format!("linedesk-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&run_dir);
    let result = run_in(
        &server,
        &run_dir,
        &options.plan,
        options.prepared.as_deref(),
    );
    let _ = std::fs::remove_dir_all(&run_dir);
    result
}

fn run_in(
    server: &Path,
    run_dir: &Path,
    plan: &LoadPlan,
    prepared: Option<&Path>,
) -> Result<(), String> {
    let started = Instant::now();
    let (roster, heads) = prepare::data_dir(run_dir, plan, prepared)?;
    eprintln!(
        "prepared {} specialists, {} clients in {:?}",
        roster.specialists.len(),
        roster.clients.len(),
        started.elapsed()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(drive::drive(server, run_dir, plan, roster, heads))
}

fn main() -> ExitCode {
    linedesk_logging::init_from_env("info");
    match parse(Cli::parse()).and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("linedesk-load: {message}");
            ExitCode::from(2)
        }
    }
}
