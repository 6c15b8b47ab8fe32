//! `linedesk-voice loopback --input speech.wav --output heard.wav [--reply reply.wav]
//! [--loss 5] [--jitter 30] [--reorder 2] [--seconds N] [--seed S] [--dir DIR]
//! [--fec on|off] [--bitrate BITS] [--band wide|superwide|full] [--expected-loss PERCENT]
//! [--decoder-complexity 0-10 (7: deep PLC and NoLACE)]
//! [--aec on|off] [--ns on|off] [--agc on|off] [--echo-delay MS [--echo-level DB]]
//! [--heard-back back.wav]`
//!
//! `linedesk-voice simulate --input speech.wav --output heard.wav [--loss 5] [--jitter 30]
//! [--reorder 2] [--seed S] [--fec on|off] [--bitrate BITS]`: the same direction without the
//! engine, the transport or a clock (`linedesk_voice::pipeline`): the codec and the jitter
//! buffer alone in simulated time, the yardstick the loopback is compared with.
//!
//! A whole call on this machine: a real line server in this process on 127.0.0.1, the
//! specialist calls `client-1` through its signalling, real WebRTC on loopback carries the
//! audio. The specialist's microphone reads `--input`; the client's speaker is written to
//! `--output`; `--reply` is the client's microphone (silence without it). The network between
//! them can be made worse on both receive paths. Prints the mouth-to-ear delay (cross-
//! correlation of input and output), the jitter buffer's statistics, loss and MOS of both
//! sides, and the decoded length of both recordings.
//!
//! `--aec`, `--ns` and `--agc` switch both engines' echo cancellation, noise suppression and
//! gain control: off by default here (the microphones are WAV files, with no room and no
//! noise, and the figures stay comparable with earlier runs); `--aec on --ns on --agc on` is
//! what the app does by default. `--echo-delay` puts an echo path on the
//! client's headset (its speaker heard by its microphone after that delay, through a room's
//! impulse response, `--echo-level` dB below the speaker, -6 by default): the specialist's
//! speaker, written to `--heard-back`, then carries their own voice back unless the client's
//! canceller removes it; the level of that echo is printed.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use linedesk_engine::CallReport;
use linedesk_engine::analysis::align;
use linedesk_engine::loopback::{Loopback, run};
use linedesk_engine::{EngineError, Impairment, wav};
use linedesk_voice::codec::{Band, CodecConfig, Encoder};
use linedesk_voice::jitter::JitterConfig;
use linedesk_voice::netsim::NetConfig;
use linedesk_voice::processing::{EchoPath, Stages};

#[derive(Clone, Copy, PartialEq, Eq, Subcommand)]
enum Command {
    /// A whole call between two engines through a real line server on loopback.
    Loopback,
    /// One direction through the codec, the network emulator and the jitter buffer, in
    /// simulated time.
    Simulate,
}

/// The voice engine on recorded speech: a whole call on loopback, or one direction simulated.
#[derive(Parser)]
#[command(name = "linedesk-voice", version, subcommand_value_name = "MODE")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    args: CallArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum Switch {
    On,
    Off,
}

impl Switch {
    fn on(self) -> bool {
        matches!(self, Switch::On)
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum BandArg {
    Wide,
    Superwide,
    Full,
}

#[derive(Args)]
struct CallArgs {
    /// The specialist's microphone (a WAV).
    #[arg(long, global = true)]
    input: Option<PathBuf>,
    /// What the client's speaker played (a WAV written).
    #[arg(long, global = true)]
    output: Option<PathBuf>,
    /// The client's microphone (a WAV; silence without it).
    #[arg(long, global = true)]
    reply: Option<PathBuf>,
    /// Packet loss, percent.
    #[arg(long, global = true, default_value_t = 0.0)]
    loss: f64,
    /// Jitter up to this many ms.
    #[arg(long, global = true, default_value_t = 0)]
    jitter: u64,
    /// Reordered packets, percent.
    #[arg(long, global = true, default_value_t = 0.0)]
    reorder: f64,
    /// The call's length (default: the input's).
    #[arg(long, global = true)]
    seconds: Option<f64>,
    /// The network emulator's seed.
    #[arg(long, global = true, default_value_t = 1)]
    seed: u64,
    /// Keep the recordings here (default: a temporary directory).
    #[arg(long, global = true)]
    dir: Option<PathBuf>,
    /// Opus in-band forward error correction.
    #[arg(long, global = true)]
    fec: Option<Switch>,
    /// Opus bitrate, bit/s.
    #[arg(long, global = true)]
    bitrate: Option<u32>,
    /// Opus's widest band.
    #[arg(long, global = true)]
    band: Option<BandArg>,
    /// The loss the encoder expects, percent.
    #[arg(long, global = true)]
    expected_loss: Option<u8>,
    /// The decoder's complexity, 0 to 10 (7: deep PLC and NoLACE).
    #[arg(long, global = true, value_parser = clap::value_parser!(u8).range(0..=10))]
    decoder_complexity: Option<u8>,
    /// Echo cancellation on both engines' microphones.
    #[arg(long, global = true, default_value = "off")]
    aec: Switch,
    /// Noise suppression on both engines' microphones.
    #[arg(long, global = true, default_value = "off")]
    ns: Switch,
    /// Gain control on both engines' microphones.
    #[arg(long, global = true, default_value = "off")]
    agc: Switch,
    /// An echo path on the client's headset, this many ms (0 to 1000).
    #[arg(long, global = true, value_parser = echo_delay)]
    echo_delay: Option<f64>,
    /// The echo's level below the speaker, dB (-60 to 0).
    #[arg(long, global = true, allow_negative_numbers = true, default_value_t = -6.0,
          value_parser = echo_level)]
    echo_level: f64,
    /// What the specialist's speaker played (a WAV written), their own echo included.
    #[arg(long, global = true)]
    heard_back: Option<PathBuf>,
}

fn within(text: &str, range: std::ops::RangeInclusive<f64>, unit: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if range.contains(&v) => Ok(v),
        _ => Err(format!("from {} to {} {unit}", range.start(), range.end())),
    }
}

fn echo_delay(text: &str) -> Result<f64, String> {
    within(text, 0.0..=1000.0, "ms")
}

fn echo_level(text: &str) -> Result<f64, String> {
    within(text, -60.0..=0.0, "dB")
}

struct Options {
    command: Command,
    codec: CodecConfig,
    input: PathBuf,
    output: PathBuf,
    reply: Option<PathBuf>,
    loss: f64,
    jitter_ms: u64,
    reorder: f64,
    seconds: Option<f64>,
    seed: u64,
    dir: Option<PathBuf>,
    processing: Stages,
    echo_delay_ms: Option<f64>,
    echo_level_db: f64,
    heard_back: Option<PathBuf>,
}

fn options(cli: Cli) -> Result<Options, String> {
    let a = cli.args;
    let (Some(input), Some(output)) = (a.input, a.output) else {
        return Err("--input and --output are required".into());
    };
    let mut codec = CodecConfig::default();
    if let Some(fec) = a.fec {
        codec.fec = fec.on();
    }
    if let Some(bitrate) = a.bitrate {
        codec.bitrate = bitrate;
    }
    if let Some(band) = a.band {
        codec.max_band = match band {
            BandArg::Wide => Band::Wide,
            BandArg::Superwide => Band::SuperWide,
            BandArg::Full => Band::Full,
        };
    }
    if let Some(loss) = a.expected_loss {
        codec.expected_loss_percent = loss;
    }
    if let Some(complexity) = a.decoder_complexity {
        codec.decoder_complexity = complexity;
    }
    let mut processing = Stages::NONE;
    processing.echo_cancellation = a.aec.on();
    processing.noise_suppression = a.ns.on();
    processing.gain_control = a.agc.on();
    Ok(Options {
        command: cli.command,
        codec,
        input,
        output,
        reply: a.reply,
        loss: a.loss,
        jitter_ms: a.jitter,
        reorder: a.reorder,
        seconds: a.seconds,
        seed: a.seed,
        dir: a.dir,
        processing,
        echo_delay_ms: a.echo_delay,
        echo_level_db: a.echo_level,
        heard_back: a.heard_back,
    })
}

/// The codec and the jitter buffer alone, in simulated time.
fn simulate(o: &Options) -> Result<(), EngineError> {
    let talk = wav::read(&o.input)?;
    let net = NetConfig {
        delay: Duration::ZERO,
        jitter: Duration::from_millis(o.jitter_ms),
        loss: o.loss / 100.0,
        reorder: o.reorder / 100.0,
        ..NetConfig::default()
    };
    let out = linedesk_voice::pipeline::simulate(
        &talk,
        &o.codec,
        JitterConfig::default(),
        net,
        o.seed,
        Duration::from_secs(1),
    )?;
    wav::write(&o.output, &out.output)?;
    println!(
        "simulated: network loss {} %, jitter up to {} ms, reorder {} % (seed {}), FEC {}, {} bit/s",
        o.loss,
        o.jitter_ms,
        o.reorder,
        o.seed,
        if o.codec.fec { "on" } else { "off" },
        o.codec.bitrate
    );
    let j = &out.jitter;
    println!(
        "sent {}, received {}, loss {:.1} %, late {:.1} %, concealed {}, target {} ms",
        out.sent,
        j.received,
        j.loss_percent(),
        j.late_percent(),
        j.concealed,
        j.target_delay.as_millis()
    );
    if let Some(a) = align(&talk, &out.output, Duration::from_secs(1)) {
        println!(
            "mouth-to-ear delay: {:.1} ms (correlation {:.3})",
            a.delay.as_secs_f64() * 1000.0,
            a.correlation
        );
    }
    Ok(())
}

/// Where the mouth-to-ear delay of the talker → listener direction goes.
fn breakdown(
    total: Duration,
    listener: &CallReport,
    codec: CodecConfig,
) -> Result<(), EngineError> {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let lookahead = f64::from(Encoder::new(&codec)?.lookahead()?) / 48.0;
    let network = listener.rtt.map_or(0.0, |r| ms(r) / 2.0);
    let buffer = ms(listener.jitter.mean_delay);
    let rest = ms(total) - lookahead - network - buffer;
    println!(
        "mouth-to-ear breakdown: Opus lookahead {lookahead:.1} ms + network (RTT/2) {network:.1} ms \
         + jitter buffer (mean hold past the fastest arrival) {buffer:.1} ms + the rest (packet \
         transit above the fastest, tick phase between the engines, scheduling) {rest:.1} ms"
    );
    Ok(())
}

async fn loopback(o: Options) -> Result<(), EngineError> {
    let talk = wav::read(&o.input)?;
    let reply = match &o.reply {
        Some(path) => wav::read(path)?,
        None => Vec::new(),
    };
    let temp = tempfile::tempdir().map_err(|source| EngineError::Io {
        path: std::env::temp_dir(),
        source,
    })?;
    let dir = o.dir.clone().unwrap_or_else(|| temp.path().to_path_buf());
    std::fs::create_dir_all(&dir).map_err(|source| EngineError::Io {
        path: dir.clone(),
        source,
    })?;
    let impaired = o.loss > 0.0 || o.jitter_ms > 0 || o.reorder > 0.0;
    let impairment = impaired.then(|| {
        Impairment::new(
            o.loss,
            Duration::from_millis(o.jitter_ms),
            o.reorder,
            o.seed,
        )
    });
    let outcome = run(Loopback {
        talk: talk.clone(),
        reply,
        length: o.seconds.map(Duration::from_secs_f64),
        impairment,
        dir: dir.clone(),
        codec: o.codec,
        ice: Default::default(),
        relay_only: false,
        processing: o.processing,
        client_echo: o.echo_delay_ms.map(|ms| {
            EchoPath::new(
                Duration::from_secs_f64(ms / 1000.0),
                o.echo_level_db,
                o.seed,
            )
        }),
    })
    .await?;
    wav::write(&o.output, &outcome.heard)?;
    println!(
        "call {} on {}: network loss {} %, jitter up to {} ms, reorder {} % (seed {})",
        outcome.call, outcome.server.addr, o.loss, o.jitter_ms, o.reorder, o.seed
    );
    match align(&talk, &outcome.heard, Duration::from_secs(1)) {
        Some(a) => {
            let mouth_to_ear = outcome.mouth_to_ear(a.delay);
            println!(
                "mouth-to-ear delay: {:.1} ms (correlation {:.3} at that delay, {:.3} per segment)",
                mouth_to_ear.as_secs_f64() * 1000.0,
                a.correlation,
                a.segment_correlation
            );
            breakdown(mouth_to_ear, &outcome.client, o.codec)?;
        }
        None => println!("mouth-to-ear delay: not found (nothing came out?)"),
    }
    let p = o.processing;
    println!(
        "microphone path: echo cancellation {}, noise suppression {}, gain control {}",
        p.echo_cancellation, p.noise_suppression, p.gain_control
    );
    if let Some(ms) = o.echo_delay_ms {
        // The echo comes back after the talk has reached the client and returned: skip the
        // first two seconds, where the canceller converges.
        let from = (2 * 48_000).min(outcome.heard_back.len());
        let dbfs = |x: &[f32]| 20.0 * rms(x).max(1e-10).log10();
        println!(
            "echo path on the client's headset: {ms} ms, {} dB; the specialist heard their own \
             voice back at {:.1} dBFS RMS after 2 s (their voice: {:.1} dBFS)",
            o.echo_level_db,
            dbfs(&outcome.heard_back[from..]),
            dbfs(&talk),
        );
    }
    if let Some(path) = &o.heard_back {
        wav::write(path, &outcome.heard_back)?;
    }
    println!("specialist heard: {}", outcome.specialist);
    println!("client heard:     {}", outcome.client);
    for (who, report) in [
        ("specialist", &outcome.specialist),
        ("client", &outcome.client),
    ] {
        let decoded = linedesk_voice::recording::read(&report.recording)?;
        println!(
            "{who} recording {}: {:.2} s decoded (engine ran {:.2} s), complete {}",
            report.recording.display(),
            decoded.duration.as_secs_f64(),
            report.elapsed.as_secs_f64(),
            decoded.complete
        );
    }
    println!(
        "uploaded to the server: {:?}; output written to {}",
        outcome.uploaded,
        o.output.display()
    );
    if o.dir.is_none() {
        println!("(recordings were in a temporary directory; pass --dir to keep them)");
    }
    Ok(())
}

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

fn main() -> ExitCode {
    linedesk_logging::init_from_env("info");
    let options = match options(Cli::parse()) {
        Ok(o) => o,
        Err(message) => {
            eprintln!("linedesk-voice: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match options.command {
        Command::Simulate => simulate(&options),
        Command::Loopback => runtime.block_on(loopback(options)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("linedesk-voice: {e} [{}]", e.code());
            ExitCode::FAILURE
        }
    }
}
