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

use linedesk_engine::CallReport;
use linedesk_engine::analysis::align;
use linedesk_engine::loopback::{Loopback, run};
use linedesk_engine::{EngineError, Impairment, wav};
use linedesk_voice::codec::{Band, CodecConfig, Encoder};
use linedesk_voice::jitter::JitterConfig;
use linedesk_voice::netsim::NetConfig;
use linedesk_voice::processing::{EchoPath, Stages};

const USAGE: &str = "usage: linedesk-voice loopback|simulate --input speech.wav --output heard.wav \
[--reply reply.wav] [--loss PERCENT] [--jitter MS] [--reorder PERCENT] [--seconds N] [--seed S] [--dir DIR] \
[--fec on|off] [--bitrate BITS] [--band wide|superwide|full] [--expected-loss PERCENT] \
[--decoder-complexity 0-10] [--aec on|off] [--ns on|off] [--agc on|off] [--echo-delay MS [--echo-level DB]] [--heard-back back.wav]";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Command {
    Loopback,
    Simulate,
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

fn parse(args: &[String]) -> Result<Options, String> {
    let Some((command, rest)) = args.split_first() else {
        return Err(USAGE.into());
    };
    let command = match command.as_str() {
        "loopback" => Command::Loopback,
        "simulate" => Command::Simulate,
        other => return Err(format!("unknown command {other:?}\n{USAGE}")),
    };
    let mut o = Options {
        command,
        codec: CodecConfig::default(),
        input: PathBuf::new(),
        output: PathBuf::new(),
        reply: None,
        loss: 0.0,
        jitter_ms: 0,
        reorder: 0.0,
        seconds: None,
        seed: 1,
        dir: None,
        processing: Stages::NONE,
        echo_delay_ms: None,
        echo_level_db: -6.0,
        heard_back: None,
    };
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let switch = |v: &str| match v {
            "on" => Ok(true),
            "off" => Ok(false),
            _ => Err(format!("{flag}: on or off, not {v}")),
        };
        let number = |v: &str| {
            v.parse::<f64>()
                .map_err(|_| format!("{flag}: not a number: {v}"))
        };
        match flag.as_str() {
            "--input" => o.input = value.into(),
            "--output" => o.output = value.into(),
            "--reply" => o.reply = Some(value.into()),
            "--loss" => o.loss = number(value)?,
            "--jitter" => o.jitter_ms = number(value)? as u64,
            "--reorder" => o.reorder = number(value)?,
            "--seconds" => o.seconds = Some(number(value)?),
            "--seed" => o.seed = number(value)? as u64,
            "--dir" => o.dir = Some(value.into()),
            "--fec" => {
                o.codec.fec = match value.as_str() {
                    "on" => true,
                    "off" => false,
                    other => return Err(format!("--fec: on or off, not {other}")),
                }
            }
            "--bitrate" => o.codec.bitrate = number(value)? as u32,
            "--band" => {
                o.codec.max_band = match value.as_str() {
                    "wide" => Band::Wide,
                    "superwide" => Band::SuperWide,
                    "full" => Band::Full,
                    other => return Err(format!("--band: wide, superwide or full, not {other}")),
                }
            }
            "--expected-loss" => o.codec.expected_loss_percent = number(value)? as u8,
            "--decoder-complexity" => match number(value)? {
                c if (0.0..=10.0).contains(&c) => o.codec.decoder_complexity = c as u8,
                _ => return Err(format!("{flag}: from 0 to 10")),
            },
            "--aec" => o.processing.echo_cancellation = switch(value)?,
            "--ns" => o.processing.noise_suppression = switch(value)?,
            "--agc" => o.processing.gain_control = switch(value)?,
            "--echo-delay" => match number(value)? {
                ms if (0.0..=1000.0).contains(&ms) => o.echo_delay_ms = Some(ms),
                _ => return Err(format!("{flag}: from 0 to 1000 ms")),
            },
            "--echo-level" => match number(value)? {
                db if (-60.0..=0.0).contains(&db) => o.echo_level_db = db,
                _ => return Err(format!("{flag}: from -60 to 0 dB")),
            },
            "--heard-back" => o.heard_back = Some(value.into()),
            other => return Err(format!("unknown option {other}\n{USAGE}")),
        }
    }
    if o.input.as_os_str().is_empty() || o.output.as_os_str().is_empty() {
        return Err(USAGE.into());
    }
    Ok(o)
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
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse(&args) {
        Ok(o) => o,
        Err(message) => {
            eprintln!("{message}");
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
